import { describe, expect, it } from 'vitest';
import { type Config, ConfigError, parseConfig } from '../../src/config.js';

const CONFIG_PATH = 'invalidator.config.yml';
const SLACK = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'signing' };

function parse(distributions: Record<string, unknown>): Config {
  return parseConfig(SLACK, { path: CONFIG_PATH, content: { distributions } });
}

function problemsOf(distributions: Record<string, unknown>): string[] {
  try {
    parse(distributions);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const web = (origin: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  web: { id: 'E2ABCDEF123XYZ', approval: 'never', channels: ['C0WEB00001'], origin, ...more },
});

describe("a distribution's S3 origin in the config file", () => {
  it("fills in the defaults, the channel from the distribution's first", () => {
    const config = parse(web({ bucket: 'my-site' }));
    expect(config.policy.distributions[0]?.origin).toEqual({
      bucket: 'my-site',
      prefix: '',
      settleSeconds: 60,
      proposalMinutes: 120,
      channel: 'C0WEB00001',
      errorCachingMinTtlSeconds: 10,
      defaultRootObject: 'index.html',
      indexDocument: 'index.html',
    });
  });

  it('takes every key, and lets two distributions share a bucket under different prefixes', () => {
    const config = parse({
      ...web({
        bucket: 'my-site',
        prefix: '/production',
        region: 'eu-west-1',
        settleSeconds: 30,
        proposalMinutes: 45,
        queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/deploys',
        channel: 'C0WEB00001',
        errorCachingMinTtlSeconds: 300,
        defaultRootObject: 'home.html',
        indexDocument: '',
      }),
      staging: {
        id: 'ESTAGING00001',
        approval: 'never',
        origin: { bucket: 'my-site', prefix: 'staging', channel: 'C0STAGE001' },
      },
    });
    expect(config.policy.distributions[0]?.origin).toMatchObject({
      prefix: '/production',
      region: 'eu-west-1',
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/deploys',
      indexDocument: '',
    });
    expect(config.policy.distributions[1]?.origin?.channel).toBe('C0STAGE001');
  });

  it.each([
    [{ bucket: 'My_Site' }, 'web.origin.bucket must be an S3 bucket name'],
    [{ bucket: '192.168.1.1' }, 'web.origin.bucket must be an S3 bucket name'],
    [{ bucket: 'a..b' }, 'web.origin.bucket must be an S3 bucket name'],
    [
      { bucket: 'ok-bucket', queueUrl: 'https://example.com/queue' },
      'web.origin.queueUrl must be an SQS queue URL',
    ],
    [{ bucket: 'ok-bucket', settleSeconds: 0 }, 'web.origin.settleSeconds must be a positive number'],
    [
      { bucket: 'ok-bucket', channel: 'C0ELSEWHERE' },
      "web.origin.channel must be one of the distribution's channels",
    ],
    [{ bucket: 'ok-bucket', bukket: 'typo' }, 'unknown key distributions.web.origin.bukket'],
  ])('refuses %j', (origin, problem) => {
    expect(problemsOf(web(origin)).join('\n')).toContain(problem);
  });

  it('needs a channel for the proposals where the distribution has none', () => {
    expect(
      problemsOf({ web: { id: 'E2ABCDEF123XYZ', approval: 'never', origin: { bucket: 'my-site' } } }),
    ).toEqual([
      "invalidator.config.yml: distributions.web.origin.channel is needed where the distribution has no 'channels': proposals are posted there",
    ]);
  });
});

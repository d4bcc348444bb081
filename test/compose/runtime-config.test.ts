import { describe, expect, it } from 'vitest';
import { parseSlackLambdaConfig } from '../../src/compose/lambda-slack.js';
import { workerLambdaVariables } from '../../src/compose/lambda-worker.js';
import { ConfigError, parsePolicyFile, parseRuntimeConfig } from '../../src/config.js';

const FILE = {
  path: 'invalidator.config.yml',
  content: { distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0123LEAD'] } } } },
};
const SLACK = { SLACK_BOT_TOKEN: 'xoxb-123-abc', SLACK_SIGNING_SECRET: 'shh' };

function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('each runtime parses its own variables with the shared ones, once', () => {
  it('gives the Slack handler the names of its secret and its worker', () => {
    const config = parseSlackLambdaConfig(
      {
        ...SLACK,
        SLACK_SECRET_ARN: 'arn:secret',
        WORKER_FUNCTION_NAME: 'worker',
        POWERTOOLS_SERVICE_NAME: 'Svc',
      },
      FILE,
    );
    expect(config).toMatchObject({
      slackSecretArn: 'arn:secret',
      workerFunctionName: 'worker',
      metricsService: 'Svc',
    });
    expect(config.slack.botToken).toBe('xoxb-123-abc');
  });

  it('lists a missing Lambda variable with every other problem, an empty one counting as unset', () => {
    const problems = problemsOf(() =>
      parseSlackLambdaConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SECRET_ARN: '' }, FILE),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^environment variable SLACK_SIGNING_SECRET is required/),
        'environment variable SLACK_SECRET_ARN is required (the stack sets it)',
        'environment variable WORKER_FUNCTION_NAME is required (the stack sets it)',
      ]),
    );
  });

  it('asks the worker for its secret but not for a worker to wake', () => {
    const config = parseRuntimeConfig(
      workerLambdaVariables,
      { ...SLACK, SLACK_SECRET_ARN: 'arn:secret' },
      FILE,
    );
    expect(config.slackSecretArn).toBe('arn:secret');
    expect(problemsOf(() => parseRuntimeConfig(workerLambdaVariables, SLACK, FILE))).toEqual([
      'environment variable SLACK_SECRET_ARN is required (the stack sets it)',
    ]);
  });
});

describe('parsePolicyFile', () => {
  it('reads the file alone, whatever the environment lacks', () => {
    expect(parsePolicyFile(FILE).distributions.map((d) => d.id)).toEqual(['E2ABCDEF123XYZ']);
  });

  it('refuses polling under a second, as the bot does without INVALIDATOR_ALLOW_FAST_POLLING', () => {
    const fast = { ...FILE, content: { ...FILE.content, polling: { firstCheckSeconds: 0.2 } } };
    expect(problemsOf(() => parsePolicyFile(fast))).toEqual([
      'invalidator.config.yml: polling.firstCheckSeconds must be at least 1 second',
    ]);
  });
});

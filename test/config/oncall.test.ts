import { describe, expect, it } from 'vitest';
import { withSlackSecret } from '../../src/adapters/aws/secrets.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import { type Config, ConfigError, onCallSecrets, parseConfig } from '../../src/config.js';

const CONFIG_PATH = 'invalidator.config.yml';
const SLACK = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'signing' };

function parse(approvers: Record<string, unknown>, env: Record<string, string> = {}): Config {
  const content = { distributions: { web: { id: 'E2ABCDEF123XYZ', approvers } } };
  return parseConfig({ ...SLACK, ...env }, { path: CONFIG_PATH, content });
}

function problemsOf(approvers: Record<string, unknown>, env: Record<string, string> = {}): string[] {
  try {
    parse(approvers, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const KEYS = { PAGERDUTY_API_KEY: 'pd-key', OPSGENIE_API_KEY: 'og-key' };

describe('on-call approvers in the config file', () => {
  it('takes a PagerDuty and an Opsgenie schedule beside a user group and users', () => {
    const config = parse(
      {
        usergroup: 'S0ONCALL',
        users: ['U0LEAD'],
        pagerduty: { schedule: 'P1ABCDE' },
        opsgenie: { schedule: 'Platform On-call' },
      },
      KEYS,
    );
    expect(config.policy.distributions[0]?.approvers).toEqual({
      usergroup: 'S0ONCALL',
      users: ['U0LEAD'],
      pagerduty: { schedule: 'P1ABCDE' },
      opsgenie: { schedule: 'Platform On-call' },
    });
    expect(config.onCall).toEqual({
      pagerduty: { apiUrl: 'https://api.pagerduty.com', apiKey: 'pd-key' },
      opsgenie: { apiUrl: 'https://api.opsgenie.com', apiKey: 'og-key' },
    });
  });

  it('lets a schedule alone be the approvers of a distribution that needs approval', () => {
    expect(problemsOf({ pagerduty: { schedule: 'P1ABCDE' } }, KEYS)).toEqual([]);
  });

  it('takes the API base URLs from the environment (an EU Opsgenie account)', () => {
    const config = parse(
      { opsgenie: { schedule: 'ops' } },
      { OPSGENIE_API_KEY: 'og', OPSGENIE_API_URL: 'https://api.eu.opsgenie.com' },
    );
    expect(config.onCall?.opsgenie?.apiUrl).toBe('https://api.eu.opsgenie.com');
  });

  it.each([
    [{ pagerduty: { schedule: 'p1abcde' } }, 'must be a PagerDuty schedule id such as P1ABCDE'],
    [{ pagerduty: { schedule: 'P1ABCDEF' } }, 'must be a PagerDuty schedule id such as P1ABCDE'],
    [{ pagerduty: { id: 'P1ABCDE' } }, 'unknown key'],
    [{ opsgenie: { schedule: ' ' } }, 'must be an Opsgenie schedule name or id'],
  ])('refuses %j', (approvers, message) => {
    expect(problemsOf(approvers, KEYS).join('\n')).toContain(message);
  });

  it('names the missing API key variable at start-up', () => {
    expect(problemsOf({ pagerduty: { schedule: 'P1ABCDE' }, opsgenie: { schedule: 'ops' } })).toEqual([
      `environment variable PAGERDUTY_API_KEY is required (or in the Lambda secret): ${CONFIG_PATH} names a pagerduty schedule in the approvers of web`,
      `environment variable OPSGENIE_API_KEY is required (or in the Lambda secret): ${CONFIG_PATH} names a opsgenie schedule in the approvers of web`,
    ]);
  });

  it('reads the keys from the Lambda secret like the Slack values', () => {
    const env = withSlackSecret(
      {},
      { signingSecret: 'signing', botToken: 'xoxb-test', PAGERDUTY_API_KEY: 'from-secret' },
    );
    const config = parseConfig(env, {
      path: CONFIG_PATH,
      content: {
        distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: { pagerduty: { schedule: 'P1ABCDE' } } } },
      },
    });
    expect(config.onCall?.pagerduty?.apiKey).toBe('from-secret');
  });

  it('does not accept on-call schedules for requesters', () => {
    const content = {
      distributions: {
        web: {
          id: 'E2ABCDEF123XYZ',
          approvers: { users: ['U0LEAD'] },
          requesters: { pagerduty: { schedule: 'P1ABCDE' } },
        },
      },
    };
    expect(() => parseConfig({ ...SLACK, ...KEYS }, { path: CONFIG_PATH, content })).toThrow(/unknown key/);
  });

  it('hands both keys to the logger, which never writes them', () => {
    const keys = { PAGERDUTY_API_KEY: 'u+Pd-Long-Key-0001', OPSGENIE_API_KEY: '0a1b2c3d-og-long-key' };
    const config = parse({ pagerduty: { schedule: 'P1ABCDE' }, opsgenie: { schedule: 'ops' } }, keys);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      secrets: onCallSecrets(config),
      write: (l) => lines.push(l),
    });
    logger.warn(`failed with ${keys.PAGERDUTY_API_KEY}`, { header: `GenieKey ${keys.OPSGENIE_API_KEY}` });
    expect(lines.join('\n')).not.toContain(keys.PAGERDUTY_API_KEY);
    expect(lines.join('\n')).not.toContain(keys.OPSGENIE_API_KEY);
    expect(onCallSecrets(parse({ users: ['U0LEAD'] }))).toEqual([]);
  });
});

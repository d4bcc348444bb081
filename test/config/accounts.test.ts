import { describe, expect, it } from 'vitest';
import { type Config, ConfigError, parseConfig } from '../../src/config.js';

const CONFIG_PATH = 'invalidator.config.yml';
const HTTP_ENV = { SLACK_BOT_TOKEN: 'xoxb-123-abc', SLACK_SIGNING_SECRET: 'shh' };

/** One distribution with someone who can approve, and `extra` keys of its own. */
function withDistribution(extra: Record<string, unknown>, top: Record<string, unknown> = {}): unknown {
  return {
    distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0123LEAD'] }, ...extra } },
    ...top,
  };
}

function load(content: unknown): Config {
  return parseConfig(HTTP_ENV, { path: CONFIG_PATH, content });
}

function problemsOf(content: unknown): string[] {
  try {
    load(content);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig, distributions in other AWS accounts', () => {
  it.each([
    'arn:aws:iam::210987654321:role/invalidator',
    'arn:aws:iam::210987654321:role/platform/cdn/invalidator-prod',
    'arn:aws-cn:iam::210987654321:role/invalidator',
    'arn:aws-us-gov:iam::210987654321:role/Invalidator+Bot=1,v.2@x_y-z',
  ])('takes the role %s', (roleArn) => {
    const [distribution] = load(withDistribution({ roleArn })).policy.distributions;
    expect(distribution?.roleArn).toBe(roleArn);
  });

  it.each([
    ['a short account', 'arn:aws:iam::21098765432:role/invalidator'],
    ['a user, not a role', 'arn:aws:iam::210987654321:user/invalidator'],
    ['an unknown partition', 'arn:aws-eu:iam::210987654321:role/invalidator'],
    ['no role name', 'arn:aws:iam::210987654321:role/'],
    ['a space in the name', 'arn:aws:iam::210987654321:role/in validator'],
    ['a region in an IAM ARN', 'arn:aws:iam:eu-west-1:210987654321:role/invalidator'],
    ['a name over 64 characters', `arn:aws:iam::210987654321:role/${'r'.repeat(65)}`],
  ])('refuses a roleArn with %s', (_why, roleArn) => {
    expect(problemsOf(withDistribution({ roleArn }))).toEqual([
      `${CONFIG_PATH}: distributions.web.roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/invalidator`,
    ]);
  });

  it('takes an external id with its role', () => {
    const roleArn = 'arn:aws:iam::210987654321:role/invalidator';
    const [distribution] = load(withDistribution({ roleArn, externalId: 'team:web/2026=ok' })).policy
      .distributions;
    expect(distribution).toMatchObject({ roleArn, externalId: 'team:web/2026=ok' });
  });

  it.each([
    ['one character', 'x'],
    ['a space', 'two words'],
    ['1225 characters', 'e'.repeat(1225)],
  ])('refuses an external id of %s', (_why, externalId) => {
    const roleArn = 'arn:aws:iam::210987654321:role/invalidator';
    expect(problemsOf(withDistribution({ roleArn, externalId }))).toEqual([
      `${CONFIG_PATH}: distributions.web.externalId must be 2–1224 characters of letters, digits and + = , . @ : / - _`,
    ]);
  });

  it('refuses an external id without a role to assume', () => {
    expect(problemsOf(withDistribution({ externalId: 'team-web' }))).toEqual([
      `${CONFIG_PATH}: distributions.web.externalId needs roleArn: the external id is sent only when assuming that role`,
    ]);
  });

  it('leaves both out of a distribution in the bot’s own account', () => {
    const [distribution] = load(withDistribution({})).policy.distributions;
    expect(distribution).not.toHaveProperty('roleArn');
    expect(distribution).not.toHaveProperty('externalId');
  });

  it('names the bot’s own account with accountId, 12 digits', () => {
    expect(load(withDistribution({}, { accountId: '123456789012' })).policy.accountId).toBe('123456789012');
    expect(load(withDistribution({})).policy).not.toHaveProperty('accountId');
    expect(problemsOf(withDistribution({}, { accountId: '1234-5678-9012' }))).toEqual([
      `${CONFIG_PATH}: accountId must be an AWS account id (12 digits)`,
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { SAMPLE_CONFIG } from '../src/playground/sample.js';

const CONFIG_PATH = 'invalidator.config.yml';
const HTTP_ENV = { SLACK_BOT_TOKEN: 'xoxb-123-abc', SLACK_SIGNING_SECRET: 'shh' };
const APPROVERS = { users: ['U0123LEAD'] };

function problemsOf(content: unknown, env: Record<string, string> = HTTP_ENV): string[] {
  try {
    parseConfig(env, { path: CONFIG_PATH, content });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const web = { id: 'E2ABCDEF123XYZ', approvers: APPROVERS };

describe('config mistakes are errors at start-up, naming the key', () => {
  it('refuses a budget while a distribution has nobody who could approve past it', () => {
    const distributions = { web, docs: { id: 'E3DOCS456789AB', approval: 'never' } };
    expect(problemsOf({ distributions, budget: { monthlyPaths: 500 } })).toEqual([
      `${CONFIG_PATH}: distributions.docs.approvers needs a usergroup or users: a budget is set (past it, approval is required), and nobody could approve`,
    ]);
    expect(problemsOf({ distributions })).toEqual([]);
  });

  it('refuses two aliases for one distribution id', () => {
    const distributions = { web, www: { ...web } };
    expect(problemsOf({ distributions })).toEqual([
      `${CONFIG_PATH}: distributions.www.id is also the id of 'web'`,
    ]);
  });

  it.each([
    [10_080, []],
    [10_081, [`${CONFIG_PATH}: approvalTimeoutMinutes must be at most 10080 (7 days)`]],
    [1e12, [`${CONFIG_PATH}: approvalTimeoutMinutes must be at most 10080 (7 days)`]],
  ])('approvalTimeoutMinutes %s gives %j', (minutes, problems) => {
    expect(problemsOf({ distributions: { web }, approvalTimeoutMinutes: minutes })).toEqual(problems);
  });

  it('refuses polling intervals below 1 s, each by its key', () => {
    const polling = { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 };
    expect(problemsOf({ distributions: { web }, polling })).toEqual([
      `${CONFIG_PATH}: polling.firstCheckSeconds must be at least 1 second`,
      `${CONFIG_PATH}: polling.maxIntervalSeconds must be at least 1 second`,
    ]);
    expect(
      problemsOf({ distributions: { web }, polling: { firstCheckSeconds: 1, maxIntervalSeconds: 1 } }),
    ).toEqual([]);
  });

  it('allows sub-second polling only where INVALIDATOR_ALLOW_FAST_POLLING says so (the stand-in tests)', () => {
    const polling = { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 };
    const env = { ...HTTP_ENV, INVALIDATOR_ALLOW_FAST_POLLING: 'true' };
    expect(problemsOf({ distributions: { web }, polling }, env)).toEqual([]);
  });

  it('refuses an alias over 64 characters', () => {
    const long = 'a'.repeat(65);
    expect(problemsOf({ distributions: { [long]: web } })).toEqual([
      `${CONFIG_PATH}: distributions.${long} aliases are at most 64 characters`,
    ]);
    expect(problemsOf({ distributions: { ['a'.repeat(64)]: web } })).toEqual([]);
  });

  it('lists every mistake at once', () => {
    const problems = problemsOf({
      distributions: { web, www: { ...web } },
      approvalTimeoutMinutes: 20_000,
    });
    expect(problems).toHaveLength(2);
  });
});

describe('the configurations the project ships still parse', () => {
  it('the playground sample', () => {
    expect(problemsOf(SAMPLE_CONFIG)).toEqual([]);
  });
});

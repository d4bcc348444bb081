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

describe('pipeline mistakes are errors at start-up, naming the pipeline', () => {
  const HASH = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
  const docs = { id: 'E3DOCS456789AB', approvers: APPROVERS, channels: ['C0123DOCS'] };
  const pipeline = (fields: Record<string, unknown> = {}) => ({
    tokenSha256: HASH,
    distributions: ['web'],
    channel: 'C0123DEPLOY',
    ...fields,
  });
  const withPipelines = (pipelines: Record<string, unknown>) => ({ distributions: { web, docs }, pipelines });

  it('refuses a token pasted where its hash belongs, without repeating the token', () => {
    const token = 'inv_Zk3v8Qm0aXyJr2T5bW9nLc1dE4fG7hK6pS8uV0wY2zA';
    const problems = problemsOf(withPipelines({ 'web-deploy': pipeline({ tokenSha256: token }) }));
    expect(problems).toEqual([
      `${CONFIG_PATH}: pipelines.web-deploy.tokenSha256 must be 64 hex characters: put the token's SHA-256 here (npm run token prints it), never the token`,
    ]);
    expect(problems.join('\n')).not.toContain(token);
  });

  it('refuses a distribution the file does not configure, naming the known aliases', () => {
    expect(problemsOf(withPipelines({ 'web-deploy': pipeline({ distributions: ['web', 'api'] }) }))).toEqual([
      `${CONFIG_PATH}: pipelines.web-deploy.distributions.1 'api' is not a configured distribution (known: web, docs)`,
    ]);
  });

  it('refuses a channel where a restricted distribution may not be requested', () => {
    expect(problemsOf(withPipelines({ 'docs-deploy': pipeline({ distributions: ['docs'] }) }))).toEqual([
      `${CONFIG_PATH}: pipelines.docs-deploy.channel C0123DEPLOY is not one of the channels where 'docs' may be requested (C0123DOCS)`,
    ]);
    expect(
      problemsOf(
        withPipelines({ 'docs-deploy': pipeline({ distributions: ['docs'], channel: 'C0123DOCS' }) }),
      ),
    ).toEqual([]);
  });

  it('refuses two pipelines with one token, whatever the case of its hash', () => {
    const pipelines = { first: pipeline(), second: pipeline({ tokenSha256: HASH.toUpperCase() }) };
    expect(problemsOf(withPipelines(pipelines))).toEqual([
      `${CONFIG_PATH}: pipelines.second.tokenSha256 is also the token hash of 'first': give each pipeline its own token`,
    ]);
  });

  it('refuses two pipeline names apart only by case, which cards would show alike', () => {
    const pipelines = { 'web-deploy': pipeline(), 'Web-Deploy': pipeline({ tokenSha256: 'ab'.repeat(32) }) };
    expect(problemsOf(withPipelines(pipelines))).toEqual([
      `${CONFIG_PATH}: pipelines.Web-Deploy repeats the pipeline 'web-deploy' (names ignore case)`,
    ]);
  });

  it.each([
    [
      'a name with a space',
      { 'web deploy': pipeline() },
      'pipelines.web deploy pipeline names use letters, digits, dot, dash and underscore',
    ],
    [
      'a name over 64 characters',
      { ['p'.repeat(65)]: pipeline() },
      `pipelines.${'p'.repeat(65)} pipeline names are at most 64 characters`,
    ],
    [
      'no distributions',
      { p: pipeline({ distributions: [] }) },
      'pipelines.p.distributions must name at least one distribution (alias or id)',
    ],
    [
      'a channel name instead of an id',
      { p: pipeline({ channel: '#deploys' }) },
      'pipelines.p.channel must be a Slack channel id (C… or G…)',
    ],
    [
      'a DM as the channel',
      { p: pipeline({ channel: 'D0123' }) },
      'pipelines.p.channel must be a Slack channel id (C… or G…)',
    ],
    ['a rate of zero', { p: pipeline({ requestsPerHour: 0 }) }, 'pipelines.p.requestsPerHour'],
    ['a fractional rate', { p: pipeline({ requestsPerHour: 1.5 }) }, 'pipelines.p.requestsPerHour'],
    ['a misspelt key', { p: pipeline({ chanel: 'C0123DEPLOY' }) }, 'unknown key pipelines.p.chanel'],
    [
      'a hash one character short',
      { p: pipeline({ tokenSha256: HASH.slice(1) }) },
      'pipelines.p.tokenSha256 must be 64 hex characters',
    ],
  ])('refuses %s', (_, pipelines, problem) => {
    const problems = problemsOf(withPipelines(pipelines));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${CONFIG_PATH}: ${problem}`);
  });
});

describe('the configurations the project ships still parse', () => {
  it('the playground sample', () => {
    expect(problemsOf(SAMPLE_CONFIG)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Config, ConfigError, EMBEDDED_TABLE, findDistribution, parseConfig } from '../src/config.js';

const EXAMPLE_YAML = `
distributions:
  web:
    id: E2ABCDEF123XYZ
    approval: wildcard
    approvers:
      usergroup: S0123ONCALL
      users: [U0123LEAD]
    channels: [C0123DEPLOY]
approvalTimeoutMinutes: 30
maxPathsPerRequest: 3000
cost:
  freePathsPerMonth: 1000
  pricePerPathUsd: 0.005
`;

const CONFIG_PATH = 'invalidator.config.yml';

const HTTP_ENV = { SLACK_BOT_TOKEN: 'xoxb-123-abc', SLACK_SIGNING_SECRET: 'shh' };

function example(): unknown {
  return parse(EXAMPLE_YAML);
}

/** The smallest valid file: one distribution and someone who can approve. */
function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0123LEAD'] }, ...extra } } };
}

function load(env: Record<string, string | undefined>, content: unknown = example()): Config {
  return parseConfig(env, { path: CONFIG_PATH, content });
}

function problemsOf(env: Record<string, string | undefined>, content: unknown = example()): string[] {
  try {
    load(env, content);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('turns the example file into a typed config with defaults filled in', () => {
    expect(load(HTTP_ENV)).toEqual({
      slack: { mode: 'http', botToken: 'xoxb-123-abc', signingSecret: 'shh', port: 3000 },
      store: { kind: 'embedded', dataDir: '.invalidator', tableName: EMBEDDED_TABLE },
      policy: {
        distributions: [
          {
            alias: 'web',
            id: 'E2ABCDEF123XYZ',
            policy: { mode: 'wildcard', rootWildcard: false, pastFreeAllowance: false },
            approvers: { usergroup: 'S0123ONCALL', users: ['U0123LEAD'] },
            selfApproval: false,
            channels: ['C0123DEPLOY'],
          },
        ],
        approvalTimeoutMinutes: 30,
        maxPathsPerRequest: 3000,
        suggestionWaitSeconds: 60,
        cost: { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 },
      },
      operations: {
        polling: { firstCheckSeconds: 5, maxIntervalSeconds: 60, slowNoticeMinutes: 15 },
        workLeaseSeconds: 30,
        usergroupCacheSeconds: 60,
        reconciliation: { enabled: true, intervalMinutes: 60 },
      },
      configPath: CONFIG_PATH,
      logLevel: 'info',
    });
  });

  it('fills every default for a file naming only a distribution id', () => {
    const { policy, operations } = load(HTTP_ENV, minimal());
    expect(policy).toEqual({
      distributions: [
        {
          alias: 'web',
          id: 'E2ABCDEF123XYZ',
          policy: { mode: 'wildcard', rootWildcard: false, pastFreeAllowance: false },
          approvers: { users: ['U0123LEAD'] },
          selfApproval: false,
        },
      ],
      approvalTimeoutMinutes: 30,
      maxPathsPerRequest: 3000,
      suggestionWaitSeconds: 60,
      cost: { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 },
    });
    expect(operations).toEqual({
      polling: { firstCheckSeconds: 5, maxIntervalSeconds: 60, slowNoticeMinutes: 15 },
      workLeaseSeconds: 30,
      usergroupCacheSeconds: 60,
      reconciliation: { enabled: true, intervalMinutes: 60 },
    });
  });

  it.each([
    [
      'defaults to an embedded store in .invalidator',
      {},
      { kind: 'embedded', dataDir: '.invalidator', tableName: EMBEDDED_TABLE },
    ],
    [
      'keeps the embedded store where INVALIDATOR_DATA_DIR says',
      { INVALIDATOR_DATA_DIR: '/var/lib/inv' },
      { kind: 'embedded', dataDir: '/var/lib/inv', tableName: EMBEDDED_TABLE },
    ],
    [
      'uses DynamoDB without creating the table when TABLE_NAME is set',
      { TABLE_NAME: 'inv' },
      { kind: 'dynamodb', tableName: 'inv', createTable: false },
    ],
    [
      'creates the table when INVALIDATOR_CREATE_TABLE is true',
      { TABLE_NAME: 'inv', INVALIDATOR_CREATE_TABLE: 'true' },
      { kind: 'dynamodb', tableName: 'inv', createTable: true },
    ],
    [
      'does not create the table when INVALIDATOR_CREATE_TABLE is false',
      { TABLE_NAME: 'inv', INVALIDATOR_CREATE_TABLE: 'false' },
      { kind: 'dynamodb', tableName: 'inv', createTable: false },
    ],
    [
      'does not create the table when INVALIDATOR_CREATE_TABLE is 0',
      { TABLE_NAME: 'inv', INVALIDATOR_CREATE_TABLE: '0' },
      { kind: 'dynamodb', tableName: 'inv', createTable: false },
    ],
    [
      'treats an empty TABLE_NAME as unset',
      { TABLE_NAME: '' },
      { kind: 'embedded', dataDir: '.invalidator', tableName: EMBEDDED_TABLE },
    ],
    [
      'treats an empty INVALIDATOR_DATA_DIR as unset',
      { INVALIDATOR_DATA_DIR: '' },
      { kind: 'embedded', dataDir: '.invalidator', tableName: EMBEDDED_TABLE },
    ],
    [
      'treats an empty INVALIDATOR_CREATE_TABLE as unset',
      { TABLE_NAME: 'inv', INVALIDATOR_CREATE_TABLE: '' },
      { kind: 'dynamodb', tableName: 'inv', createTable: false },
    ],
  ])('%s', (_, env, store) => {
    expect(load({ ...HTTP_ENV, ...env }).store).toEqual(store);
  });

  it('uses Socket Mode when SLACK_APP_TOKEN is set, with no signing secret needed', () => {
    expect(load({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack).toMatchObject({
      mode: 'socket',
      botToken: 'xoxb-1',
      appToken: 'xapp-1',
    });
  });

  it('uses HTTP mode when SLACK_APP_TOKEN is empty', () => {
    expect(load({ ...HTTP_ENV, SLACK_APP_TOKEN: '' }).slack.mode).toBe('http');
  });

  it.each([
    ['a port', { PORT: '8080' }, { port: 8080 }],
    ['port 0', { PORT: '0' }, { port: 0 }],
    ['the default port for an empty PORT', { PORT: '' }, { port: 3000 }],
    ['a host', { HOST: '127.0.0.1' }, { host: '127.0.0.1' }],
    [
      'a Slack API URL',
      { SLACK_API_URL: 'http://127.0.0.1:9999/api/' },
      { apiUrl: 'http://127.0.0.1:9999/api/' },
    ],
  ])('reads %s from the environment', (_, env, slack) => {
    expect(load({ ...HTTP_ENV, ...env }).slack).toMatchObject(slack);
  });

  it('reads the log level and AWS region, leaving the region out when empty', () => {
    expect(load({ ...HTTP_ENV, LOG_LEVEL: 'debug', AWS_REGION: 'eu-west-1' })).toMatchObject({
      logLevel: 'debug',
      awsRegion: 'eu-west-1',
    });
    expect(load({ ...HTTP_ENV, AWS_REGION: '' })).not.toHaveProperty('awsRegion');
  });

  it('lists every problem of the environment and the file in one error', () => {
    const content = { distributions: { web: { id: 'bad-id', aproval: 'always' } }, extra: true };
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'shh' }, content)).toEqual([
      'environment variable SLACK_BOT_TOKEN is required (xoxb-…)',
      `${CONFIG_PATH}: distributions.web.id must be a CloudFront distribution id such as E2ABCDEF123XYZ`,
      `${CONFIG_PATH}: unknown key distributions.web.aproval`,
      `${CONFIG_PATH}: unknown key extra`,
      `${CONFIG_PATH}: distributions.web.approvers needs a usergroup or users: approval is 'wildcard', and nobody could approve`,
    ]);
  });

  it('puts every problem in the error message too', () => {
    expect(() => load({}, minimal({ id: 'nope' }))).toThrow(
      /Invalid configuration:\n {2}- environment variable SLACK_BOT_TOKEN[\s\S]*- invalidator\.config\.yml: distributions\.web\.id/,
    );
  });

  it.each([
    [
      'a missing bot token',
      { SLACK_SIGNING_SECRET: 'shh' },
      'environment variable SLACK_BOT_TOKEN is required (xoxb-…)',
    ],
    [
      'an empty bot token',
      { ...HTTP_ENV, SLACK_BOT_TOKEN: '' },
      'environment variable SLACK_BOT_TOKEN is required (xoxb-…)',
    ],
    [
      'a bot token without xoxb-',
      { ...HTTP_ENV, SLACK_BOT_TOKEN: 'xapp-123' },
      'environment variable SLACK_BOT_TOKEN must start with xoxb-',
    ],
    [
      'an app token without xapp-',
      { ...HTTP_ENV, SLACK_APP_TOKEN: 'xoxb-123' },
      'environment variable SLACK_APP_TOKEN must start with xapp-',
    ],
    [
      'no signing secret in HTTP mode',
      { SLACK_BOT_TOKEN: 'xoxb-1' },
      'environment variable SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    ],
    [
      'an empty signing secret in HTTP mode',
      { ...HTTP_ENV, SLACK_SIGNING_SECRET: '' },
      'environment variable SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    ],
    [
      'a PORT that is not a number',
      { ...HTTP_ENV, PORT: 'http' },
      'environment variable PORT must be a port number (0–65535)',
    ],
    [
      'a negative PORT',
      { ...HTTP_ENV, PORT: '-1' },
      'environment variable PORT must be a port number (0–65535)',
    ],
    [
      'a PORT above 65535',
      { ...HTTP_ENV, PORT: '65536' },
      'environment variable PORT must be a port number (0–65535)',
    ],
    [
      'a six-digit PORT',
      { ...HTTP_ENV, PORT: '300000' },
      'environment variable PORT must be a port number (0–65535)',
    ],
    [
      'a Slack API URL that is not a URL',
      { ...HTTP_ENV, SLACK_API_URL: 'slack' },
      'environment variable SLACK_API_URL',
    ],
    ['an unknown log level', { ...HTTP_ENV, LOG_LEVEL: 'verbose' }, 'environment variable LOG_LEVEL'],
    [
      'INVALIDATOR_CREATE_TABLE that is not a boolean',
      { ...HTTP_ENV, INVALIDATOR_CREATE_TABLE: 'maybe' },
      'environment variable INVALIDATOR_CREATE_TABLE',
    ],
  ])('rejects %s', (_, env, problem) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it.each([
    ['an empty file', null, '(top level)'],
    ['no distributions', { distributions: {} }, 'distributions configure at least one distribution'],
    [
      'the reserved alias help',
      { distributions: { help: { id: 'E2ABCDEF123XYZ', approval: 'never' } } },
      'distributions.help',
    ],
    [
      'a reserved alias in capitals',
      { distributions: { STATUS: { id: 'E2ABCDEF123XYZ', approval: 'never' } } },
      'distributions.STATUS',
    ],
    [
      'the reserved alias export',
      { distributions: { Export: { id: 'E2ABCDEF123XYZ', approval: 'never' } } },
      'distributions.Export',
    ],
    [
      'an auditor that is not a user id',
      { ...minimal(), auditors: { users: ['alice'] } },
      'auditors.users.0',
    ],
    [
      'a misspelt auditors key',
      { ...minimal(), auditors: { group: 'S0123AUDIT' } },
      'unknown key auditors.group',
    ],
    [
      'an alias with a space',
      { distributions: { 'my web': { id: 'E2ABCDEF123XYZ', approval: 'never' } } },
      'distributions.my web',
    ],
    ['a lower-case distribution id', minimal({ id: 'e2abcdef123xyz' }), 'distributions.web.id'],
    ['an unknown approval mode', minimal({ approval: 'sometimes' }), 'distributions.web.approval'],
    [
      'a misspelt key, named by its path',
      minimal({ aproval: 'always' }),
      'unknown key distributions.web.aproval',
    ],
    [
      'a misspelt approvers key',
      minimal({ approval: 'never', approvers: { user: ['U1'] } }),
      'unknown key distributions.web.approvers.user',
    ],
    [
      'a user group id that is not one',
      minimal({ approvers: { usergroup: 'U0123' } }),
      'distributions.web.approvers.usergroup must be a Slack user group id',
    ],
    [
      'a user id that is not one',
      minimal({ approvers: { users: ['S0123'] } }),
      'distributions.web.approvers.users.0 must be a Slack user id',
    ],
    [
      'a channel name instead of an id',
      minimal({ channels: ['#deploys'] }),
      'distributions.web.channels.0 must be a Slack channel id',
    ],
    ['an empty channel list', minimal({ channels: [] }), 'distributions.web.channels'],
    ['a zero approval timeout', { ...minimal(), approvalTimeoutMinutes: 0 }, 'approvalTimeoutMinutes'],
    [
      'more paths per request than the bot splits into batches',
      { ...minimal(), maxPathsPerRequest: 15001 },
      'maxPathsPerRequest',
    ],
    ['a negative price', { ...minimal(), cost: { pricePerPathUsd: -1 } }, 'cost.pricePerPathUsd'],
    [
      'a fractional free allowance',
      { ...minimal(), cost: { freePathsPerMonth: 0.5 } },
      'cost.freePathsPerMonth',
    ],
    [
      'an unknown polling key',
      { ...minimal(), polling: { firstCheck: 5 } },
      'unknown key polling.firstCheck',
    ],
  ])('rejects a file with %s', (_, content, problem) => {
    const problems = problemsOf(HTTP_ENV, content);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${CONFIG_PATH}: `);
    expect(problems[0]).toContain(problem);
  });

  // zod 4 reports a refused record key as `invalid_key` with the real reason nested in `issues`.
  it.each([
    ['a reserved alias', 'help', 'is a sub-command of /invalidate'],
    ['an alias with a space', 'my web', 'aliases use letters, digits, dot, dash and underscore'],
  ])('says why it rejects %s', (_, alias, reason) => {
    const problems = problemsOf(HTTP_ENV, {
      distributions: { [alias]: { id: 'E2ABCDEF123XYZ', approval: 'never' } },
    });
    expect(problems[0]).toContain(reason);
  });
});

describe('findDistribution', () => {
  const policy = load(HTTP_ENV, {
    distributions: {
      web: { id: 'E2ABCDEF123XYZ', approval: 'never' },
      'Docs.v2': { id: 'E9DOCS0000', approval: 'never' },
    },
  }).policy;

  it.each([
    ['its alias', 'web', 'web'],
    ['its alias in another case', 'WEB', 'web'],
    ['a mixed-case alias in lower case', 'docs.v2', 'Docs.v2'],
    ['its CloudFront id', 'E2ABCDEF123XYZ', 'web'],
    ['another CloudFront id', 'E9DOCS0000', 'Docs.v2'],
  ])('finds a distribution by %s', (_, target, alias) => {
    expect(findDistribution(policy, target)?.alias).toBe(alias);
  });

  it.each([
    ['an unknown alias', 'api'],
    ['an unknown id', 'E0000000000000'],
    ['an empty target', ''],
  ])('finds nothing for %s', (_, target) => {
    expect(findDistribution(policy, target)).toBeUndefined();
  });
});

describe('parseConfig, consistency of distributions', () => {
  it('refuses a distribution that needs approval but names no approvers', () => {
    const problems = problemsOf(HTTP_ENV, {
      distributions: { web: { id: 'E2ABCDEF123XYZ', approval: 'always' } },
    });
    expect(problems).toEqual([
      `${CONFIG_PATH}: distributions.web.approvers needs a usergroup or users: approval is 'always', and nobody could approve`,
    ]);
  });

  it('refuses two aliases that differ only in case', () => {
    const distributions = {
      web: { id: 'E2ABCDEF123XYZ', approval: 'never' },
      Web: { id: 'E9DOCS0000', approval: 'never' },
    };
    expect(problemsOf(HTTP_ENV, { distributions })).toEqual([
      `${CONFIG_PATH}: distributions.Web repeats another alias (aliases ignore case)`,
    ]);
  });
});

describe('the shipped example file', () => {
  it('is a valid config', async () => {
    const { readFileSync } = await import('node:fs');
    const content = parse(
      readFileSync(new URL('../invalidator.config.example.yml', import.meta.url), 'utf8'),
    );
    const config = load(HTTP_ENV, content);
    expect(config.policy.distributions.map((d) => d.alias)).toEqual(['web', 'docs']);
  });
});

describe('parseConfig, auditors', () => {
  it('keeps the auditors as listed users and a user group', () => {
    const auditors = { users: ['U0123AUDIT'], usergroup: 'S0123FINANCE' };
    expect(load(HTTP_ENV, { ...minimal(), auditors }).policy.auditors).toEqual(auditors);
  });

  it('takes a user group alone', () => {
    const content = { ...minimal(), auditors: { usergroup: 'S0123FINANCE' } };
    expect(load(HTTP_ENV, content).policy.auditors).toEqual({ usergroup: 'S0123FINANCE', users: [] });
  });

  it('has no auditors when the file names none', () => {
    expect(load(HTTP_ENV, minimal()).policy).not.toHaveProperty('auditors');
  });
});

describe('parseConfig, pipelines of the HTTP API', () => {
  const HASH = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
  const distributions = {
    web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0123LEAD'] }, channels: ['C0123DEPLOY'] },
    'Docs.v2': { id: 'E9DOCS0000', approval: 'never' },
  };

  it('resolves aliases (any case) and ids to ids, once each, and stores the hash in lower case', () => {
    const pipelines = {
      'web-deploy': {
        tokenSha256: HASH.toUpperCase(),
        distributions: ['web', 'docs.v2', 'E2ABCDEF123XYZ'],
        channel: 'C0123DEPLOY',
        requestsPerHour: 60,
      },
      docs_ci: { tokenSha256: 'a'.repeat(64), distributions: ['E9DOCS0000'], channel: 'G0123PRIVATE' },
    };
    expect(load(HTTP_ENV, { distributions, pipelines }).policy.pipelines).toEqual([
      {
        name: 'web-deploy',
        tokenSha256: HASH,
        distributions: ['E2ABCDEF123XYZ', 'E9DOCS0000'],
        channel: 'C0123DEPLOY',
        requestsPerHour: 60,
      },
      {
        name: 'docs_ci',
        tokenSha256: 'a'.repeat(64),
        distributions: ['E9DOCS0000'],
        channel: 'G0123PRIVATE',
      },
    ]);
  });

  it('has no pipelines when the file names none', () => {
    expect(load(HTTP_ENV, { distributions }).policy).not.toHaveProperty('pipelines');
  });

  it('lists pipeline problems with the others', () => {
    const content = {
      distributions,
      approvalTimeoutMinutes: 0,
      pipelines: { p: { tokenSha256: HASH, distributions: ['api'], channel: 'C0123DEPLOY' } },
    };
    expect(problemsOf(HTTP_ENV, content)).toEqual([
      `${CONFIG_PATH}: approvalTimeoutMinutes Too small: expected number to be >0`,
      `${CONFIG_PATH}: pipelines.p.distributions.0 'api' is not a configured distribution (known: web, Docs.v2)`,
    ]);
  });
});

describe('parseConfig, approval rules and who may request', () => {
  it('applies top-level rule defaults to every distribution, and lets one override them', () => {
    const content = {
      approvalAbovePaths: 100,
      approvalForRootWildcard: true,
      distributions: {
        web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0123LEAD'] } },
        docs: {
          id: 'E9DOCS0000',
          approval: 'never',
          approvalAbovePaths: 500,
          approvalAboveUsd: 1.5,
          approvalPastFreeAllowance: true,
          approvers: { users: ['U0123LEAD'] },
          selfApproval: true,
          requesters: { usergroup: 'S0DOCSTEAM' },
        },
      },
    };
    const [web, docs] = load(HTTP_ENV, content).policy.distributions;
    expect(web?.policy).toEqual({
      mode: 'wildcard',
      abovePaths: 100,
      rootWildcard: true,
      pastFreeAllowance: false,
    });
    expect(docs?.policy).toEqual({
      mode: 'never',
      abovePaths: 500,
      aboveUsd: 1.5,
      rootWildcard: true,
      pastFreeAllowance: true,
    });
    expect(docs?.selfApproval).toBe(true);
    expect(docs?.requesters).toEqual({ usergroup: 'S0DOCSTEAM', users: [] });
  });

  it('needs approvers for a never-mode distribution once a rule could ask for approval', () => {
    const content = {
      approvalForRootWildcard: true,
      distributions: { docs: { id: 'E9DOCS0000', approval: 'never' } },
    };
    expect(problemsOf(HTTP_ENV, content)).toEqual([
      `${CONFIG_PATH}: distributions.docs.approvers needs a usergroup or users: an approval rule is on, and nobody could approve`,
    ]);
  });
});

describe('parseConfig, domains of pasted URLs', () => {
  const withDomains = (web: unknown, docs?: unknown) => ({
    distributions: {
      web: { id: 'E2ABCDEF123XYZ', approval: 'never', domains: web },
      docs: { id: 'E9DOCS0000', approval: 'never', ...(docs === undefined ? {} : { domains: docs }) },
    },
  });

  it('keeps host names in lower case, wildcards too, each once', () => {
    const config = load(
      HTTP_ENV,
      withDomains(['WWW.Example.com', 'example.com.', '*.Preview.example.com', 'example.com']),
    );
    expect(findDistribution(config.policy, 'web')?.domains).toEqual([
      'www.example.com',
      'example.com',
      '*.preview.example.com',
    ]);
    expect(findDistribution(config.policy, 'docs')?.domains).toBeUndefined();
  });

  it.each([
    ['a URL', 'https://www.example.com'],
    ['a path', 'www.example.com/app'],
    ['a port', 'www.example.com:443'],
    ['a wildcard inside', 'a.*.example.com'],
    ['an empty name', ''],
  ])('refuses %s', (_name, domain) => {
    expect(problemsOf(HTTP_ENV, withDomains([domain]))).toEqual([
      `${CONFIG_PATH}: distributions.web.domains.0 must be a host name such as www.example.com (or *.example.com)`,
    ]);
  });

  it('refuses an empty list', () => {
    expect(problemsOf(HTTP_ENV, withDomains([]))).toEqual([
      `${CONFIG_PATH}: distributions.web.domains must list at least one host name (or leave domains out)`,
    ]);
  });

  it('refuses a domain listed under two distributions, whatever its case', () => {
    expect(
      problemsOf(HTTP_ENV, withDomains(['www.example.com'], ['docs.example.com', 'WWW.example.com'])),
    ).toEqual([
      `${CONFIG_PATH}: distributions.docs.domains.1 www.example.com is also listed under 'web'; a domain belongs to one distribution`,
    ]);
  });
});

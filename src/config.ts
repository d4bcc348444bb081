import * as z from 'zod';
import type { Budget } from './core/budgets.js';
import { RESERVED_WORDS } from './core/command.js';
import { isHostname, normaliseHost } from './core/hosts.js';
import type { ApprovalPolicy, Approvers } from './core/policy.js';

const DISTRIBUTION_ID = /^E[A-Z0-9]{5,}$/;

/**
 * An IAM role's ARN in any partition: `arn:aws:iam::<account>:role/<path/name>`. Role names are 1–64 of
 * `[\w+=,.@-]`, paths `/`-separated segments of the same.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** An AWS account id: 12 digits. */
const ACCOUNT_ID = /^\d{12}$/;

/**
 * STS's rule for an external id: 2–1224 characters of `[\w+=,.@:/-]`.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** Longer aliases do not fit on a card's header or a `/invalidate` line people type. */
const MAX_ALIAS_LENGTH = 64;
/** 7 days: a pending request's expiry must stay a date every store and Slack's date formatting accept. */
const MAX_APPROVAL_TIMEOUT_MINUTES = 7 * 24 * 60;
/** Polling CloudFront more often than this only spends its API rate limit (GetInvalidation is throttled). */
const MIN_POLL_SECONDS = 1;

/** Empty strings count as unset, so `FOO=` in a .env file behaves like no FOO at all. */
const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());

const baseEnvSchema = z.object({
  SLACK_BOT_TOKEN: optionalText.pipe(z.string().startsWith('xoxb-', 'must start with xoxb-').optional()),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.pipe(z.string().startsWith('xapp-', 'must start with xapp-').optional()),
  SLACK_API_URL: optionalText.pipe(z.url().optional()),
  PORT: optionalText
    .pipe(
      z
        .string()
        .regex(/^\d{1,5}$/, 'must be a port number (0–65535)')
        .optional(),
    )
    .transform((port) => (port === undefined ? 3000 : Number(port)))
    .pipe(z.number().max(65535, 'must be a port number (0–65535)')),
  HOST: optionalText,
  TABLE_NAME: optionalText,
  INVALIDATOR_DATA_DIR: optionalText.pipe(z.string().default('.invalidator')),
  INVALIDATOR_CREATE_TABLE: optionalText.pipe(z.stringbool().default(false)),
  INVALIDATOR_CONFIG: optionalText.pipe(z.string().default('invalidator.config.yml')),
  AWS_REGION: optionalText,
  LOG_LEVEL: optionalText.pipe(z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  /** lets `polling` go below MIN_POLL_SECONDS: for tests against the local CloudFront stand-in only */
  INVALIDATOR_ALLOW_FAST_POLLING: optionalText.pipe(z.stringbool().default(false)),
  POWERTOOLS_SERVICE_NAME: optionalText,
  /** PagerDuty REST API key, for `approvers.pagerduty` (also read from the Lambda secret) */
  PAGERDUTY_API_KEY: optionalText,
  PAGERDUTY_API_URL: optionalText.pipe(z.url().default('https://api.pagerduty.com')),
  /** Opsgenie API integration key, for `approvers.opsgenie` (also read from the Lambda secret) */
  OPSGENIE_API_KEY: optionalText,
  /** https://api.eu.opsgenie.com for an EU account */
  OPSGENIE_API_URL: optionalText.pipe(z.url().default('https://api.opsgenie.com')),
});

/** A variable a runtime cannot do without; `why` says who sets it. Empty counts as unset. */
export function requiredVariable(why: string) {
  return optionalText.pipe(z.string({ error: `is required (${why})` }));
}

/** The variables of both Lambda functions beyond the shared ones, set by the stack (infra/lib/invalidator.ts). */
export const lambdaVariables = {
  /** the secret holding the signing secret and bot token, read at a cold start */
  SLACK_SECRET_ARN: requiredVariable('the stack sets it'),
};

/** For a runtime that reads no variables beyond the shared ones (the server). */
export const NO_RUNTIME_VARIABLES = z.object({});

/** The environment of the bot itself: Slack's credentials are required. */
const envSchema = baseEnvSchema.superRefine((env, ctx) => {
  if (env.SLACK_BOT_TOKEN === undefined) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'is required (xoxb-…)' });
  }
  if (env.SLACK_APP_TOKEN === undefined && env.SLACK_SIGNING_SECRET === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['SLACK_SIGNING_SECRET'],
      message: 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    });
  }
});

const slackId = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^${prefix}[A-Z0-9]+$`), `must be a Slack ${what} id (${prefix}…)`);

const userSetSchema = z.strictObject({
  usergroup: slackId('S', 'user group').optional(),
  users: z.array(slackId('[UW]', 'user')).default([]),
});

/** A PagerDuty schedule id: P and six upper-case letters or digits (https://developer.pagerduty.com). */
const PAGERDUTY_SCHEDULE = /^P[A-Z0-9]{6}$/;

/** Approvers may also be whoever is on call now in a PagerDuty or Opsgenie schedule. */
const approverSetSchema = userSetSchema.extend({
  pagerduty: z
    .strictObject({
      schedule: z.string().regex(PAGERDUTY_SCHEDULE, 'must be a PagerDuty schedule id such as P1ABCDE'),
    })
    .optional(),
  opsgenie: z
    .strictObject({ schedule: z.string().trim().min(1, 'must be an Opsgenie schedule name or id') })
    .optional(),
});

/** Rules that also require approval; set at the top level as defaults, or per distribution. */
const ruleFields = {
  approvalAbovePaths: z.number().int().min(0).optional(),
  approvalAboveUsd: z.number().min(0).optional(),
  approvalForRootWildcard: z.boolean().optional(),
  approvalPastFreeAllowance: z.boolean().optional(),
  requesterLimits: z
    .strictObject({
      pathsPerHour: z.number().int().positive().optional(),
      requestsPerHour: z.number().int().positive().optional(),
    })
    .optional(),
};

/**
 * A monthly budget: paths, USD or both (the stricter applies). Past it a request needs approval
 * (`onExceed: approval`, the default) or is refused with the figures (`refuse`).
 */
const budgetSchema = z
  .strictObject({
    monthlyUsd: z.number().positive('must be a positive amount of USD').optional(),
    monthlyPaths: z.number().int('must be a whole number of paths').positive('must be positive').optional(),
    onExceed: z.enum(['approval', 'refuse'], { error: "must be 'approval' or 'refuse'" }).default('approval'),
  })
  .refine((budget) => budget.monthlyUsd !== undefined || budget.monthlyPaths !== undefined, {
    message: 'needs monthlyUsd or monthlyPaths (or both)',
  });

/**
 * S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or
 * digit, no `..`, not an IP address. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name> (or any http(s) endpoint standing in for it). */
const QUEUE_URL = /^https?:\/\/[^/\s]+\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** A distribution's S3 origin, for deploy-aware proposals (core/origin.ts, usecases/origin-watch.ts). */
const originSchema = z.strictObject({
  bucket: z
    .string()
    .regex(BUCKET_NAME, 'must be an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)'),
  prefix: z.string().max(1024).default(''),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
    .optional(),
  settleSeconds: z.number().positive('must be a positive number of seconds').max(3600).default(60),
  proposalMinutes: z
    .number()
    .positive('must be a positive number of minutes')
    .max(7 * 24 * 60)
    .default(120),
  queueUrl: z
    .string()
    .regex(
      QUEUE_URL,
      'must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/my-queue',
    )
    .optional(),
  channel: slackId('[CG]', 'channel').optional(),
  errorCachingMinTtlSeconds: z.number().int().min(0).default(10),
  defaultRootObject: z.string().default('index.html'),
  indexDocument: z.string().default('index.html'),
});

const distributionId = z
  .string()
  .regex(DISTRIBUTION_ID, 'must be a CloudFront distribution id such as E2ABCDEF123XYZ');

/** A distribution tenant of a multi-tenant distribution, as CloudFront names it (`dt_…`). */
const DISTRIBUTION_TENANT_ID = /^dt_[A-Za-z0-9]+$/;

const distributionSchema = z
  .strictObject({
    id: distributionId.optional(),
    /** one site behind several distributions: one request invalidates each of them */
    ids: z
      .array(distributionId)
      .min(2, 'must list at least two distribution ids (use id for one)')
      .refine((ids) => new Set(ids).size === ids.length, 'must not list an id twice')
      .optional(),
    tenant: z
      .string()
      .regex(DISTRIBUTION_TENANT_ID, 'must be a CloudFront distribution tenant id such as dt_2abcDEF3ghi')
      .optional(),
    approval: z.enum(['always', 'wildcard', 'never']).default('wildcard'),
    approvers: approverSetSchema.default({ users: [] }),
    selfApproval: z.boolean().default(false),
    requesters: userSetSchema.optional(),
    channels: z.array(slackId('[CGD]', 'channel')).min(1).optional(),
    budget: budgetSchema.optional(),
    roleArn: z
      .string()
      .regex(ROLE_ARN, 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/invalidator')
      .optional(),
    externalId: z
      .string()
      .regex(EXTERNAL_ID, 'must be 2–1224 characters of letters, digits and + = , . @ : / - _')
      .optional(),
    origin: originSchema.optional(),
    domains: z
      .array(
        z
          .string()
          .refine(isHostname, 'must be a host name such as www.example.com (or *.example.com)')
          .transform(normaliseHost),
      )
      .min(1, 'must list at least one host name (or leave domains out)')
      .optional(),
    ...ruleFields,
  })
  .superRefine(checkTargets);

/** Exactly one of `id` and `ids`; a tenant belongs to one multi-tenant distribution, named by `id`. */
function checkTargets(
  distribution: { id?: string | undefined; ids?: string[] | undefined; tenant?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const { id, ids, tenant } = distribution;
  if (id === undefined && ids === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['id'],
      message: 'is required (or ids, for several distributions)',
    });
  if (id !== undefined && ids !== undefined)
    ctx.addIssue({ code: 'custom', path: ['ids'], message: 'cannot be set with id: use one of them' });
  if (tenant !== undefined && ids !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['tenant'],
      message: 'needs a single id (the multi-tenant distribution), not ids',
    });
}

/** Every id a distribution entry names: `id`, or each of `ids`. */
function idsOf(distribution: { id?: string | undefined; ids?: string[] | undefined }): string[] {
  return distribution.ids ?? (distribution.id === undefined ? [] : [distribution.id]);
}

/** A name people type and read: a distribution's alias, a pipeline's name. */
const nameSchema = (what: string) =>
  z
    .string()
    .max(MAX_ALIAS_LENGTH, `${what} are at most ${MAX_ALIAS_LENGTH} characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, `${what} use letters, digits, dot, dash and underscore`);

const pipelineNameSchema = nameSchema('pipeline names');

/** Why `name` cannot name a pipeline in the file, or undefined when it can (for `npm run token`). */
export function pipelineNameProblem(name: string): string | undefined {
  const result = pipelineNameSchema.safeParse(name);
  return result.success ? undefined : result.error.issues.map((issue) => issue.message).join('; ');
}

/** Not the token: a token pasted here by mistake is refused without being repeated in the error. */
const TOKEN_SHA256 = /^[0-9A-Fa-f]{64}$/;

/**
 * A deploy pipeline of the HTTP API. Its distributions are aliases or ids, resolved (and checked against
 * the distributions and their channels) once the whole file is parsed: checkPipelines.
 */
const pipelineSchema = z.strictObject({
  tokenSha256: z
    .string()
    .regex(
      TOKEN_SHA256,
      "must be 64 hex characters: put the token's SHA-256 here (npm run token prints it), never the token",
    )
    .transform((hash) => hash.toLowerCase()),
  distributions: z.array(z.string()).min(1, 'must name at least one distribution (alias or id)'),
  // Cards are posted to a channel: a public (C…) or private (G…) one, never a DM.
  channel: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel id (C… or G…)'),
  requestsPerHour: z.number().int().positive().optional(),
});

const fileSchema = z.strictObject({
  distributions: z
    .record(
      nameSchema('aliases').refine(
        (alias) => !(RESERVED_WORDS as readonly string[]).includes(alias.toLowerCase()),
        {
          message: `is a sub-command of /invalidate (${RESERVED_WORDS.join(', ')}); choose another alias`,
        },
      ),
      distributionSchema,
    )
    .refine((record) => Object.keys(record).length > 0, 'configure at least one distribution')
    .superRefine((record, ctx) => {
      const seen = new Set<string>();
      for (const alias of Object.keys(record)) {
        if (seen.has(alias.toLowerCase())) {
          ctx.addIssue({
            code: 'custom',
            path: [alias],
            message: 'repeats another alias (aliases ignore case)',
          });
        }
        seen.add(alias.toLowerCase());
      }
    })
    .superRefine(checkDistinctIds)
    .superRefine(checkDistinctDomains)
    .superRefine(checkOrigins),
  approvalTimeoutMinutes: z
    .number()
    .positive()
    .max(MAX_APPROVAL_TIMEOUT_MINUTES, `must be at most ${MAX_APPROVAL_TIMEOUT_MINUTES} (7 days)`)
    .default(30),
  maxPathsPerRequest: z.number().int().min(1).max(15000).default(3000),
  // 15 minutes at most: a request waiting for its requester's choice holds its paths in the month meanwhile.
  suggestionWaitSeconds: z.number().int().min(0).max(900).default(60),
  cost: z
    .strictObject({
      freePathsPerMonth: z.number().int().min(0).default(1000),
      pricePerPathUsd: z.number().min(0).default(0.005),
    })
    .default({ freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  polling: z
    .strictObject({
      firstCheckSeconds: z.number().positive().default(5),
      maxIntervalSeconds: z.number().positive().default(60),
      slowNoticeMinutes: z.number().positive().default(15),
    })
    .default({ firstCheckSeconds: 5, maxIntervalSeconds: 60, slowNoticeMinutes: 15 }),
  workLeaseSeconds: z.number().min(1).max(900).default(30),
  budget: budgetSchema.optional(),
  reconciliation: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMinutes: z.number().positive().default(60),
    })
    .default({ enabled: true, intervalMinutes: 60 }),
  usergroupCacheSeconds: z.number().min(0).max(3600).default(60),
  digest: z
    .strictObject({
      // Posted to a channel: a public (C…) or private (G…) one, never a DM.
      channel: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel id (C… or G…)'),
      weekly: z.boolean().default(true),
      monthly: z.boolean().default(true),
    })
    .optional(),
  pipelines: z.record(pipelineNameSchema, pipelineSchema).optional(),
  auditors: userSetSchema.optional(),
  accountId: z.string().regex(ACCOUNT_ID, 'must be an AWS account id (12 digits)').optional(),
  ...ruleFields,
});

/** One distribution under two aliases would split its policy in two: which one applies is a guess. */
function checkDistinctIds(
  record: Record<
    string,
    { id?: string | undefined; ids?: string[] | undefined; tenant?: string | undefined }
  >,
  ctx: z.RefinementCtx,
): void {
  const aliasOf = new Map<string, string>();
  for (const [alias, distribution] of Object.entries(record)) {
    const key = distribution.ids === undefined ? 'id' : 'ids';
    for (const id of idsOf(distribution)) {
      // Each tenant of a multi-tenant distribution is a site of its own, under its own alias.
      const target = distribution.tenant === undefined ? id : `${id} ${distribution.tenant}`;
      const first = aliasOf.get(target);
      if (first === undefined) aliasOf.set(target, alias);
      else if (first !== alias)
        ctx.addIssue({
          code: 'custom',
          path: [alias, key],
          message: key === 'id' ? `is also the id of '${first}'` : `names ${id}, also an id of '${first}'`,
        });
    }
  }
}

/** A pasted URL's host must name one distribution: a domain listed under two could purge either. */
function checkDistinctDomains(record: Record<string, { domains?: string[] }>, ctx: z.RefinementCtx): void {
  const aliasOf = new Map<string, string>();
  for (const [alias, { domains = [] }] of Object.entries(record)) {
    domains.forEach((domain, index) => {
      const first = aliasOf.get(domain);
      if (first === undefined) aliasOf.set(domain, alias);
      else if (first !== alias)
        ctx.addIssue({
          code: 'custom',
          path: [alias, 'domains', index],
          message: `${domain} is also listed under '${first}'; a domain belongs to one distribution`,
        });
    });
  }
}

/**
 * A proposal is posted in one channel, where people may request the distribution: `origin.channel`, else
 * the first of its `channels`; one of the distribution's `channels` when it has them.
 */
function checkOrigins(
  record: Record<
    string,
    { channels?: string[] | undefined; origin?: { channel?: string | undefined } | undefined }
  >,
  ctx: z.RefinementCtx,
): void {
  for (const [alias, { channels, origin }] of Object.entries(record)) {
    if (!origin) continue;
    if (origin.channel === undefined && channels === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [alias, 'origin', 'channel'],
        message: "is needed where the distribution has no 'channels': proposals are posted there",
      });
    else if (origin.channel !== undefined && channels !== undefined && !channels.includes(origin.channel))
      ctx.addIssue({
        code: 'custom',
        path: [alias, 'origin', 'channel'],
        message: `must be one of the distribution's channels (${channels.join(', ')})`,
      });
  }
}

type FileConfig = z.infer<typeof fileSchema>;
type FileDistribution = FileConfig['distributions'][string];

/** The approval rules of one distribution: its own settings, else the file's top-level defaults. */
function rulesOf(file: FileConfig, distribution: FileDistribution): Omit<ApprovalPolicy, 'mode'> {
  const abovePaths = distribution.approvalAbovePaths ?? file.approvalAbovePaths;
  const aboveUsd = distribution.approvalAboveUsd ?? file.approvalAboveUsd;
  // A distribution's own limits replace the top-level ones as a whole.
  const requesterLimits = distribution.requesterLimits ?? file.requesterLimits;
  return {
    ...(abovePaths === undefined ? {} : { abovePaths }),
    ...(aboveUsd === undefined ? {} : { aboveUsd }),
    ...(requesterLimits === undefined ? {} : { requesterLimits }),
    rootWildcard: distribution.approvalForRootWildcard ?? file.approvalForRootWildcard ?? false,
    pastFreeAllowance: distribution.approvalPastFreeAllowance ?? file.approvalPastFreeAllowance ?? false,
  };
}

/** A distribution whose policy can ever ask for approval must name someone who can give it. */
function checkApprovers(file: FileConfig, ctx: z.RefinementCtx): void {
  for (const [alias, distribution] of Object.entries(file.distributions)) {
    const rules = rulesOf(file, distribution);
    const budgetNeedsApproval = [file.budget, distribution.budget].some(
      (budget) => budget?.onExceed === 'approval',
    );
    const canNeedApproval =
      budgetNeedsApproval ||
      distribution.approval !== 'never' ||
      rules.abovePaths !== undefined ||
      rules.aboveUsd !== undefined ||
      rules.rootWildcard ||
      rules.pastFreeAllowance ||
      rules.requesterLimits !== undefined;
    const { usergroup, users, pagerduty, opsgenie } = distribution.approvers;
    const onCall = pagerduty !== undefined || opsgenie !== undefined;
    if (canNeedApproval && usergroup === undefined && users.length === 0 && !onCall) {
      const why =
        distribution.approval !== 'never'
          ? `approval is '${distribution.approval}'`
          : budgetNeedsApproval
            ? 'a budget is set (past it, approval is required)'
            : 'an approval rule is on';
      ctx.addIssue({
        code: 'custom',
        path: ['distributions', alias, 'approvers'],
        message: `needs a usergroup or users: ${why}, and nobody could approve`,
      });
    }
  }
}

type FilePipeline = NonNullable<FileConfig['pipelines']>[string];

/** The distribution an alias (any case) or a CloudFront id names, as findDistribution finds it. */
function resolveDistribution(
  file: FileConfig,
  target: string,
): { alias: string; distribution: FileDistribution } | undefined {
  const lower = target.toLowerCase();
  const found = Object.entries(file.distributions).find(
    ([alias, distribution]) => alias.toLowerCase() === lower || idsOf(distribution).includes(target),
  );
  return found && { alias: found[0], distribution: found[1] };
}

/**
 * Each pipeline names distributions that exist, and a channel where each of them may be requested (a
 * restricted distribution's `channels`); no two pipelines share a token, or the API could not tell them apart,
 * nor a name apart from case.
 */
function checkPipelines(file: FileConfig, ctx: z.RefinementCtx): void {
  const nameOfHash = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [name, pipeline] of Object.entries(file.pipelines ?? {})) {
    const path = ['pipelines', name];
    // Cards and the audit trail name a pipeline as configured: two names apart only by case would read alike.
    const same = names.get(name.toLowerCase());
    if (same === undefined) names.set(name.toLowerCase(), name);
    else
      ctx.addIssue({ code: 'custom', path, message: `repeats the pipeline '${same}' (names ignore case)` });
    pipeline.distributions.forEach((target, index) => {
      const found = resolveDistribution(file, target);
      if (found === undefined) {
        const known = Object.keys(file.distributions).join(', ');
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'distributions', index],
          message: `'${target}' is not a configured distribution (known: ${known})`,
        });
      } else if (found.distribution.channels && !found.distribution.channels.includes(pipeline.channel)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'channel'],
          message: `${pipeline.channel} is not one of the channels where '${found.alias}' may be requested (${found.distribution.channels.join(', ')})`,
        });
      }
    });
    const first = nameOfHash.get(pipeline.tokenSha256);
    if (first === undefined) nameOfHash.set(pipeline.tokenSha256, name);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'tokenSha256'],
        message: `is also the token hash of '${first}': give each pipeline its own token`,
      });
    }
  }
}

/** An external id is sent with AssumeRole only: without a role to assume it would be silently unused. */
function checkExternalIds(file: FileConfig, ctx: z.RefinementCtx): void {
  for (const [alias, distribution] of Object.entries(file.distributions)) {
    if (distribution.externalId !== undefined && distribution.roleArn === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['distributions', alias, 'externalId'],
        message: 'needs roleArn: the external id is sent only when assuming that role',
      });
    }
  }
}

const checkedFileSchema = fileSchema
  .superRefine(checkApprovers)
  .superRefine(checkPipelines)
  .superRefine(checkExternalIds);

/** One distribution as configured, under its alias. */
export interface DistributionConfig {
  alias: string;
  /** the distribution; with `ids`, the first of them (its queue and its budget's key) */
  id: string;
  /** every distribution one request goes to, `id` first, when the entry lists `ids` (at least two) */
  ids?: string[];
  /** a tenant (`dt_…`) of the multi-tenant distribution `id`: invalidations go through the tenant calls */
  tenant?: string;
  /** when approval is needed: the mode and the rules that also require it */
  policy: ApprovalPolicy;
  approvers: Approvers;
  /** the requester may approve their own request (small teams) */
  selfApproval: boolean;
  /** when set, only these users may request invalidations of this distribution */
  requesters?: Approvers;
  /** when set, the only channels where this distribution may be requested */
  channels?: string[];
  /** this distribution's own monthly budget: its paths and the cost its requests' cards showed */
  budget?: BudgetConfig;
  /**
   * the IAM role (in the distribution's own AWS account) the bot assumes for every CloudFront call on it;
   * absent: the bot's own credentials, in its own account
   */
  roleArn?: string;
  /** sent as `ExternalId` when assuming `roleArn` (the role's trust policy may require it) */
  externalId?: string;
  /**
   * host names (lower case, `*.example.com` for one label) whose pasted URLs belong to this distribution;
   * checked before the CNAMEs CloudFront lists
   */
  domains?: string[];
  /** its S3 origin: deploys to it are proposed for invalidation in `origin.channel` */
  origin?: OriginConfig;
}

/** A distribution's S3 origin as configured (`origin:`), its channel resolved. */
export interface OriginConfig {
  bucket: string;
  /** the distribution's origin path; keys outside it are not its objects */
  prefix: string;
  /** the bucket's region; absent: the bot's */
  region?: string;
  /** how long writes are quiet before a proposal is posted */
  settleSeconds: number;
  /** how long a proposal stays open */
  proposalMinutes: number;
  /** the SQS queue the bucket's events arrive in (server runtime); absent: listings are compared */
  queueUrl?: string;
  /** where proposals are posted: `origin.channel`, else the first of the distribution's `channels` */
  channel: string;
  errorCachingMinTtlSeconds: number;
  defaultRootObject: string;
  indexDocument: string;
}

/**
 * A monthly budget (`budget`, at the top level for the whole account or per distribution): paths, USD or
 * both, and what happens past it: a person decides (`approval`) or the request is refused (`refuse`).
 */
export type BudgetConfig = Budget;

/** The policy the policy file (`INVALIDATOR_CONFIG`) sets: who may purge what, what needs approval, cost. */
export interface PolicyConfig {
  distributions: DistributionConfig[];
  approvalTimeoutMinutes: number;
  maxPathsPerRequest: number;
  /**
   * how long a request with cheaper forms on its card (a wildcard, hashed files to drop) waits for its
   * requester's choice before it goes as it is; 0: it does not wait (the card still shows them)
   */
  suggestionWaitSeconds: number;
  cost: { freePathsPerMonth: number; pricePerPathUsd: number };
  /**
   * the monthly budget over every AWS account the bot invalidates in, summed (core/budgets.ts): the card
   * warns at 80%; past it, `onExceed`
   */
  budget?: BudgetConfig;
  /** the bot's own AWS account (that of the distributions without `roleArn`), to name it in reports */
  accountId?: string;
  /** deploy pipelines that may request through the HTTP API (`pipelines` in the file); none when absent */
  pipelines?: PipelineConfig[];
  /**
   * who may take the whole audit export from Slack (`/invalidate export`), every distribution and the
   * refusals; approvers get their own distributions' rows without being listed here. None when absent.
   */
  auditors?: Approvers;
}

/**
 * A deploy pipeline allowed to call the HTTP API (`POST /api/v1/requests`). Only the token's SHA-256 is
 * configured: the token itself is never in the config or the logs.
 */
export interface PipelineConfig {
  name: string;
  /** lowercase hex SHA-256 of the pipeline's bearer token */
  tokenSha256: string;
  /** ids of the distributions it may request (the file may name them by alias or id) */
  distributions: string[];
  /** where its request cards are posted */
  channel: string;
  /** at most this many requests an hour; unlimited when absent */
  requestsPerHour?: number;
}

/** How the bot runs its work, from the same file: polling, leases, caches, reconciliation. */
export interface OperationsConfig {
  /**
   * a distribution is polled every `firstCheckSeconds` while its youngest invalidation is young, then every
   * quarter of that invalidation's age, up to the maximum (core/schedule.ts); one thread note once it is slow
   */
  polling: { firstCheckSeconds: number; maxIntervalSeconds: number; slowNoticeMinutes: number };
  /** how long a worker's claim on a step of work lasts; after a crash, that work resumes within this time */
  workLeaseSeconds: number;
  /** how long user group members are cached (`usergroups.users.list` is rate-limited) */
  usergroupCacheSeconds: number;
  /** counting invalidations made outside the bot into usage, checked every `intervalMinutes` */
  reconciliation: { enabled: boolean; intervalMinutes: number };
  /** a usage digest posted to `channel` after each week (Monday 00:00 UTC) and month (the 1st); none when absent */
  digest?: DigestConfig;
}

/** Which digests to post, and where (usecases/digest.ts). */
export interface DigestConfig {
  channel: string;
  weekly: boolean;
  monthly: boolean;
}

export type SlackConfig =
  | { mode: 'http'; botToken: string; signingSecret: string; apiUrl?: string; port: number; host?: string }
  | {
      mode: 'socket';
      botToken: string;
      appToken: string;
      signingSecret?: string;
      apiUrl?: string;
      port: number;
      host?: string;
    };

export type StoreConfig =
  | { kind: 'dynamodb'; tableName: string; createTable: boolean }
  | { kind: 'embedded'; dataDir: string; tableName: string };

export interface Config {
  slack: SlackConfig;
  store: StoreConfig;
  policy: PolicyConfig;
  operations: OperationsConfig;
  configPath: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** the SDK's own region setting; CloudFront is global, so us-east-1 serves when it is unset */
  awsRegion?: string;
  /** the metrics' `service` dimension (POWERTOOLS_SERVICE_NAME); the metrics adapter's default when unset */
  metricsService?: string;
  /** the on-call services whose API keys are set (only those the approvers name are required); absent when none */
  onCall?: OnCallConfig;
}

/** Where an on-call service's API answers, and its key (never from the config file, never logged). */
export interface OnCallServiceConfig {
  apiUrl: string;
  apiKey: string;
}

export interface OnCallConfig {
  pagerduty?: OnCallServiceConfig;
  opsgenie?: OnCallServiceConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The name of the table inside the embedded store. */
export const EMBEDDED_TABLE = 'invalidator';

/**
 * Parses the environment and the already-read config file (its YAML parsed to a value) once, at start.
 * Throws a ConfigError listing every problem at once.
 */
export function parseConfig(
  env: Record<string, string | undefined>,
  file: { path: string; content: unknown },
): Config {
  return parseRuntimeConfig(NO_RUNTIME_VARIABLES, env, file);
}

/**
 * parseConfig with the variables only one runtime reads (`runtime`, e.g. a Lambda function's names), in
 * the same parse: its values join the configuration, and its problems are listed with all the others.
 */
export function parseRuntimeConfig<T extends object>(
  runtime: z.ZodType<T>,
  env: Record<string, string | undefined>,
  file: { path: string; content: unknown },
): Config & T {
  const runtimeResult = runtime.safeParse(env);
  const parsed = parseBoth(
    envSchema,
    env,
    file,
    runtimeResult.success ? [] : environmentIssues(runtimeResult.error),
  );
  return { ...build(parsed.env, parsed.file, file.path), ...(runtimeResult.data as T) };
}

/** Parses both sources, and throws one ConfigError with the problems of both (and `more`). */
function parseBoth(
  schema: typeof envSchema | typeof baseEnvSchema,
  env: Record<string, string | undefined>,
  file: { path: string; content: unknown },
  more: string[] = [],
): { env: z.infer<typeof baseEnvSchema>; file: FileConfig } {
  const envResult = schema.safeParse(env);
  const fileResult = checkedFileSchema.safeParse(file.content);
  const fastPolling = envResult.success && envResult.data.INVALIDATOR_ALLOW_FAST_POLLING;
  const pollingIssues = fileResult.success
    ? [
        ...filePollingProblems(fileResult.data, fastPolling, file.path),
        ...(envResult.success ? onCallKeyProblems(fileResult.data, envResult.data, file.path) : []),
      ]
    : [];
  if (envResult.success && fileResult.success && pollingIssues.length === 0 && more.length === 0) {
    return { env: envResult.data, file: fileResult.data };
  }
  throw new ConfigError([
    ...(envResult.success ? [] : environmentIssues(envResult.error)),
    ...more,
    ...(fileResult.success ? [] : describe(fileResult.error, `${file.path}: `)),
    ...pollingIssues,
  ]);
}

function environmentIssues(error: z.ZodError): string[] {
  return describe(error, 'environment variable ');
}

/** Each on-call service a distribution's approvers name needs its API key: in the environment or the Lambda secret. */
function onCallKeyProblems(file: FileConfig, env: z.infer<typeof baseEnvSchema>, path: string): string[] {
  const services = [
    { key: 'pagerduty', variable: 'PAGERDUTY_API_KEY', value: env.PAGERDUTY_API_KEY },
    { key: 'opsgenie', variable: 'OPSGENIE_API_KEY', value: env.OPSGENIE_API_KEY },
  ] as const;
  return services.flatMap(({ key, variable, value }) => {
    const aliases = Object.entries(file.distributions)
      .filter(([, distribution]) => distribution.approvers[key] !== undefined)
      .map(([alias]) => alias);
    if (value !== undefined || aliases.length === 0) return [];
    return [
      `environment variable ${variable} is required (or in the Lambda secret): ${path} names a ${key} schedule in the approvers of ${aliases.join(', ')}`,
    ];
  });
}

/** The file's polling problems, unless INVALIDATOR_ALLOW_FAST_POLLING allows them. */
function filePollingProblems(file: FileConfig, fastPolling: boolean, path: string): string[] {
  return fastPolling ? [] : pollingProblems(file).map((problem) => `${path}: ${problem}`);
}

/** Polling intervals under MIN_POLL_SECONDS (allowed only with INVALIDATOR_ALLOW_FAST_POLLING, for tests). */
function pollingProblems(file: FileConfig): string[] {
  return (['firstCheckSeconds', 'maxIntervalSeconds'] as const)
    .filter((key) => file.polling[key] < MIN_POLL_SECONDS)
    .map((key) => `polling.${key} must be at least ${MIN_POLL_SECONDS} second`);
}

/** The environment's problems alone: reported with a config file that could not be read at all. */
export function environmentProblems(
  env: Record<string, string | undefined>,
  runtime: z.ZodType = NO_RUNTIME_VARIABLES,
): string[] {
  return [envSchema, runtime].flatMap((schema) => {
    const result = schema.safeParse(env);
    return result.success ? [] : environmentIssues(result.error);
  });
}

/**
 * The parts of the configuration that tools without Slack need (the audit export): where the table is,
 * and the policy file. Slack variables are not required here.
 */
export function parseStoreConfig(
  env: Record<string, string | undefined>,
  file: { path: string; content: unknown },
): Pick<Config, 'store' | 'policy' | 'configPath' | 'awsRegion'> {
  const parsed = parseBoth(baseEnvSchema, env, file);
  const { store, policy, configPath, awsRegion } = build(parsed.env, parsed.file, file.path);
  return awsRegion ? { store, policy, configPath, awsRegion } : { store, policy, configPath };
}

/**
 * The policy file alone, without any environment: for tools that only need what the file says (the CDK
 * construct, `npm run iam-policy`), so they need not make up Slack tokens. Checked exactly as the bot
 * checks the file at start, without INVALIDATOR_ALLOW_FAST_POLLING (so polling under 1 second is refused,
 * as on Lambda). Throws a ConfigError listing the file's problems.
 */
export function parsePolicyFile(file: { path: string; content: unknown }): PolicyConfig {
  const result = checkedFileSchema.safeParse(file.content);
  if (!result.success) throw new ConfigError(describe(result.error, `${file.path}: `));
  const problems = filePollingProblems(result.data, false, file.path);
  if (problems.length > 0) throw new ConfigError(problems);
  return policyOf(result.data);
}

/**
 * The configuration of the local playground, which brings its own Slack and store: Slack variables are
 * not required, and `slack` and `store` come from the playground. Throws a ConfigError as parseConfig does.
 */
export function parsePlaygroundConfig(
  env: Record<string, string | undefined>,
  file: { path: string; content: unknown },
  local: { slack: SlackConfig; store: StoreConfig },
): Config {
  const parsed = parseBoth(baseEnvSchema, env, file);
  return { ...build(parsed.env, parsed.file, file.path), ...local };
}

function build(env: z.infer<typeof baseEnvSchema>, file: FileConfig, configPath: string): Config {
  const common = {
    botToken: env.SLACK_BOT_TOKEN ?? '',
    apiUrl: env.SLACK_API_URL,
    port: env.PORT,
    host: env.HOST,
  };
  const slack: SlackConfig = env.SLACK_APP_TOKEN
    ? { mode: 'socket', ...common, appToken: env.SLACK_APP_TOKEN, signingSecret: env.SLACK_SIGNING_SECRET }
    : { mode: 'http', ...common, signingSecret: env.SLACK_SIGNING_SECRET ?? '' };
  const store: StoreConfig = env.TABLE_NAME
    ? { kind: 'dynamodb', tableName: env.TABLE_NAME, createTable: env.INVALIDATOR_CREATE_TABLE }
    : { kind: 'embedded', dataDir: env.INVALIDATOR_DATA_DIR, tableName: EMBEDDED_TABLE };
  const config: Config = {
    slack,
    store,
    policy: policyOf(file),
    operations: operationsOf(file),
    configPath,
    logLevel: env.LOG_LEVEL,
  };
  const onCall = onCallOf(env);
  if (onCall.pagerduty || onCall.opsgenie) config.onCall = onCall;
  if (env.POWERTOOLS_SERVICE_NAME) config.metricsService = env.POWERTOOLS_SERVICE_NAME;
  return env.AWS_REGION ? { ...config, awsRegion: env.AWS_REGION } : config;
}

/** The on-call API keys, for the logger to redact. */
export function onCallSecrets(config: Pick<Config, 'onCall'>): string[] {
  return [config.onCall?.pagerduty?.apiKey, config.onCall?.opsgenie?.apiKey].filter(
    (key): key is string => key !== undefined,
  );
}

function onCallOf(env: z.infer<typeof baseEnvSchema>): OnCallConfig {
  const onCall: OnCallConfig = {};
  if (env.PAGERDUTY_API_KEY)
    onCall.pagerduty = { apiUrl: env.PAGERDUTY_API_URL, apiKey: env.PAGERDUTY_API_KEY };
  if (env.OPSGENIE_API_KEY) onCall.opsgenie = { apiUrl: env.OPSGENIE_API_URL, apiKey: env.OPSGENIE_API_KEY };
  return onCall;
}

function policyOf(file: FileConfig): PolicyConfig {
  return {
    distributions: Object.entries(file.distributions).map(([alias, value]) =>
      distributionOf(file, alias, value),
    ),
    approvalTimeoutMinutes: file.approvalTimeoutMinutes,
    maxPathsPerRequest: file.maxPathsPerRequest,
    suggestionWaitSeconds: file.suggestionWaitSeconds,
    cost: file.cost,
    ...(file.budget ? { budget: file.budget } : {}),
    ...(file.pipelines ? { pipelines: pipelinesOf(file, file.pipelines) } : {}),
    ...(file.auditors ? { auditors: file.auditors } : {}),
    ...(file.accountId ? { accountId: file.accountId } : {}),
  };
}

/** The pipelines with their distributions resolved to ids (each once); checkPipelines made sure they exist. */
function pipelinesOf(file: FileConfig, pipelines: Record<string, FilePipeline>): PipelineConfig[] {
  return Object.entries(pipelines).map(([name, value]) => {
    const ids = value.distributions.flatMap((target) => {
      const found = resolveDistribution(file, target);
      return found ? idsOf(found.distribution).slice(0, 1) : [];
    });
    const pipeline: PipelineConfig = {
      name,
      tokenSha256: value.tokenSha256,
      distributions: [...new Set(ids)],
      channel: value.channel,
    };
    if (value.requestsPerHour !== undefined) pipeline.requestsPerHour = value.requestsPerHour;
    return pipeline;
  });
}

function operationsOf(file: FileConfig): OperationsConfig {
  const { polling, workLeaseSeconds, usergroupCacheSeconds, reconciliation, digest } = file;
  const operations: OperationsConfig = { polling, workLeaseSeconds, usergroupCacheSeconds, reconciliation };
  if (digest) operations.digest = digest;
  return operations;
}

function distributionOf(file: FileConfig, alias: string, value: FileDistribution): DistributionConfig {
  const distribution: DistributionConfig = {
    alias,
    id: idsOf(value)[0] ?? '',
    policy: { mode: value.approval, ...rulesOf(file, value) },
    approvers: value.approvers,
    selfApproval: value.selfApproval,
  };
  if (value.requesters) distribution.requesters = value.requesters;
  if (value.channels) distribution.channels = value.channels;
  if (value.budget) distribution.budget = value.budget;
  if (value.ids) distribution.ids = value.ids;
  if (value.tenant) distribution.tenant = value.tenant;
  if (value.roleArn) distribution.roleArn = value.roleArn;
  if (value.externalId) distribution.externalId = value.externalId;
  if (value.domains) distribution.domains = [...new Set(value.domains)];
  const origin = originOf(value);
  if (origin) distribution.origin = origin;
  return distribution;
}

/** The origin block with its channel resolved (checkOrigins made sure there is one). */
function originOf(value: FileDistribution): OriginConfig | undefined {
  if (!value.origin) return undefined;
  const { channel, region, queueUrl, ...rest } = value.origin;
  const origin: OriginConfig = { ...rest, channel: channel ?? value.channels?.[0] ?? '' };
  if (region) origin.region = region;
  if (queueUrl) origin.queueUrl = queueUrl;
  return origin;
}

function describe(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => (where ? `${where}.${key}` : key));
      return `${prefix}unknown key ${keys.join(', ')}`;
    }
    // A rejected record key (an alias) carries the real reason in its nested issues.
    if (issue.code === 'invalid_key') {
      return `${prefix}${where} ${issue.issues.map((nested) => nested.message).join('; ')}`;
    }
    return `${prefix}${where || '(top level)'} ${issue.message}`;
  });
}

/** Finds a distribution by alias (case-insensitive) or by CloudFront id. */
export function findDistribution(policy: PolicyConfig, target: string): DistributionConfig | undefined {
  const lower = target.toLowerCase();
  return policy.distributions.find(
    (distribution) =>
      distribution.alias.toLowerCase() === lower ||
      distribution.id === target ||
      (distribution.ids?.includes(target) ?? false),
  );
}

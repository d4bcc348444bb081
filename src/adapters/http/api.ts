import { distance } from 'fastest-levenshtein';
import * as z from 'zod';
import type { PipelineConfig } from '../../config.js';
import { MAX_REASON_LENGTH } from '../../core/command.js';
import { MAX_PATH_LENGTH } from '../../core/paths.js';
import type { Proposal } from '../../core/proposal.js';
import type { InvalidationRequest } from '../../core/request.js';
import { type Candidate, nearest } from '../../core/suggest.js';
import type { CancelRefusal } from '../../usecases/cancel.js';
import { changesForPipeline, type PipelineChangesServices } from '../../usecases/pipeline-proposals.js';
import {
  cancelForPipeline,
  type PipelineRefusal,
  type PipelineServices,
  pipelineRequest,
  requestForPipeline,
} from '../../usecases/pipeline-requests.js';
import type { FollowUps, Services, StoredRequest } from '../../usecases/ports.js';
import { recordCommandRefusal } from '../../usecases/record-refusal.js';
import { auditSentences } from '../slack/audit-lines.js';
import { approverWords, ruleWords } from '../slack/blocks.js';
import { cancelRefusalText, commandRefusalText, overBudgetText, problemText } from '../slack/messages.js';
import { pipelineForToken } from './pipeline-token.js';

/**
 * The HTTP API for deploy pipelines, the same on the server and behind the Lambda Function URL:
 * `POST /api/v1/requests`, `GET` and `DELETE /api/v1/requests/{id}`, and `GET /api/v1/openapi.json`.
 * Framework-free: each runtime hands it the method, path, headers and body, and writes back its answer.
 */

/** The largest body read. A request is recorded in one DynamoDB item of at most 400 KB, so any body past
 * this could not be recorded anyway; reading stops here instead of buffering whatever is sent. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const API_PREFIX = '/api/';
const REQUESTS = '/api/v1/requests';
const OPENAPI = '/api/v1/openapi.json';
/** A DynamoDB outage: the pipeline may retry after this many seconds (its key makes the retry safe). */
const UNAVAILABLE_RETRY_SECONDS = 5;

export interface ApiRequest {
  method: string;
  /** the path without the query string */
  path: string;
  header(name: string): string | undefined;
  body: string;
  /** the body was longer than MAX_BODY_BYTES and was not read */
  bodyTooLarge?: boolean;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const contextSchema = z
  .strictObject({
    url: z.string().max(2000).optional().describe("the CI run's page, linked from the card"),
    commit: z.string().max(200).optional().describe('the commit deployed, shown on the card'),
    pipeline: z.string().max(200).optional().describe("the pipeline's own name for this run"),
  })
  .describe('Where the request comes from, shown on the card.');

export const requestBodySchema = z
  .strictObject({
    distribution: z.string().min(1).max(200).describe('a configured alias or distribution id'),
    paths: z
      .array(z.string().max(MAX_PATH_LENGTH * 3))
      .min(1)
      .max(15_000)
      .describe('paths as for /invalidate: each starts with `/`, `*` only at the end'),
    reason: z.string().max(MAX_REASON_LENGTH).optional(),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'use printable ASCII without spaces, e.g. the CI run id')
      .optional()
      .describe('the same key again returns the request it made (200) instead of making another'),
    context: contextSchema.optional(),
  })
  .describe('A request to invalidate paths of one distribution.');

export type RequestBody = z.infer<typeof requestBodySchema>;

/** S3's longest key, in UTF-8 bytes. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html */
const MAX_KEY_BYTES = 1024;

export const changesBodySchema = z
  .strictObject({
    distribution: z.string().min(1).max(200).describe('a configured alias or distribution id'),
    changedKeys: z
      .array(
        z
          .string()
          .min(1)
          .refine((key) => Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES, {
            message: `an S3 key is at most ${MAX_KEY_BYTES} bytes in UTF-8`,
          }),
      )
      .min(1)
      .max(10_000)
      .describe("the S3 keys the deploy wrote or deleted in the distribution's origin bucket"),
    request: z
      .boolean()
      .optional()
      .describe('true: request the proposed paths now (as with `paths`) instead of proposing them in Slack'),
    reason: z.string().max(MAX_REASON_LENGTH).optional(),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'use printable ASCII without spaces, e.g. the CI run id')
      .optional()
      .describe('the same key again returns what it made (200) instead of making another'),
    context: contextSchema.optional(),
  })
  .describe("A deploy's changed keys: proposed for invalidation in Slack, or requested at once.");

export const proposalViewSchema = z.object({
  proposal: z.object({
    id: z.string(),
    status: z.enum(['open', 'accepted', 'dismissed', 'expired']),
    distribution: z.object({ alias: z.string(), id: z.string() }),
    channel: z.string(),
    objects: z.number().int().describe('keys counted, under the origin path'),
    paths: z.array(z.string()).describe('the viewer paths proposed'),
    leftOut: z.object({ hashed: z.number().int() }),
    expiresAt: z.string(),
  }),
});

const eventSchema = z.object({
  at: z.string(),
  type: z.string(),
  actor: z.string().optional(),
  text: z.string().describe('the event in words'),
});

export const requestViewSchema = z.object({
  id: z.string(),
  status: z.enum([
    'new',
    'awaiting_choice',
    'pending_approval',
    'approved',
    'queued',
    'in_progress',
    'completed',
    'denied',
    'failed',
    'undeliverable',
    'expired',
    'cancelled',
  ]),
  distribution: z.object({ alias: z.string(), id: z.string() }),
  paths: z.number().int().describe('how many paths'),
  requester: z.string(),
  createdAt: z.string(),
  requiredApprovals: z.array(z.string()).describe('why approval is needed, in words; empty when it is not'),
  approvers: z.string().describe('who may approve, in words'),
  expiresAt: z.string().optional(),
  decision: z
    .object({
      outcome: z.enum(['approved', 'denied']),
      by: z.string(),
      at: z.string(),
      reason: z.string().optional(),
    })
    .optional(),
  invalidationIds: z.array(z.string()),
  submittedAt: z.string().optional(),
  completedAt: z.string().optional(),
  failure: z.object({ code: z.string(), message: z.string() }).optional(),
  cancelledBy: z.string().optional(),
  cardUrl: z.string().optional(),
  events: z.array(eventSchema),
});

export type RequestView = z.infer<typeof requestViewSchema>;

const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string().optional(), message: z.string() })).optional(),
  }),
});

type ErrorDetail = { path?: string; message: string };

export type ApiServices = PipelineServices & PipelineChangesServices & Pick<Services, 'policy'>;

/** The API's handler over `services`; `followUps` as for Slack's listeners (the worker posts cards on Lambda). */
export function createApi(services: ApiServices, followUps: FollowUps = 'caller') {
  return async (request: ApiRequest): Promise<ApiResponse> => {
    try {
      return await route(services, followUps, request);
    } catch (error) {
      // The store or Slack failed mid-call: nothing unrecorded was submitted, and the key makes a retry safe.
      services.logger.error('an API call failed', { method: request.method, path: request.path, error });
      return failure(
        503,
        'unavailable',
        'The bot could not reach its database just now; nothing was submitted. Retry shortly with the same idempotencyKey.',
        {
          'retry-after': String(UNAVAILABLE_RETRY_SECONDS),
        },
      );
    }
  };
}

async function route(services: ApiServices, followUps: FollowUps, request: ApiRequest): Promise<ApiResponse> {
  const { method, path } = request;
  if (path === OPENAPI) return method === 'GET' ? json(200, openApiDocument()) : notAllowed('GET');
  const id = path.startsWith(`${REQUESTS}/`)
    ? decodeURIComponent(path.slice(REQUESTS.length + 1))
    : undefined;
  if (path !== REQUESTS && (id === undefined || id.includes('/')))
    return failure(404, 'not_found', `Nothing is at ${path}. The API is ${REQUESTS} and ${OPENAPI}.`);
  const allowed = id === undefined ? 'POST' : 'GET, DELETE';
  if (!allowed.split(', ').includes(method)) return notAllowed(allowed);
  const pipeline = authenticate(services, request);
  if (!pipeline) {
    // No identity to record a refusal under; the log says it happened, never with what was sent.
    services.logger.warn('an API call without a known pipeline token was refused', { method, path });
    return failure(
      401,
      'unauthorized',
      'Send a pipeline token as `Authorization: Bearer <token>` (`npm run token` makes one).',
      {
        'www-authenticate': 'Bearer realm="invalidator"',
      },
    );
  }
  if (id === undefined) return create(services, followUps, pipeline, request);
  if (method === 'GET') {
    const found = await pipelineRequest(services, pipeline, id);
    return found ? json(200, await requestView(services, found)) : unknownRequest(id);
  }
  const cancelled = await cancelForPipeline(services, pipeline, id, followUps);
  if (!cancelled) return unknownRequest(id);
  if (!cancelled.ok) return cancelFailure(cancelled.error);
  return json(200, await requestView(services, cancelled.value));
}

function authenticate(services: Pick<Services, 'policy'>, request: ApiRequest): PipelineConfig | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.header('authorization') ?? '');
  return match?.[1] ? pipelineForToken(services.policy.pipelines ?? [], match[1]) : undefined;
}

async function create(
  services: ApiServices,
  followUps: FollowUps,
  pipeline: PipelineConfig,
  request: ApiRequest,
): Promise<ApiResponse> {
  if (request.bodyTooLarge)
    return failure(
      413,
      'body_too_large',
      `The body is larger than ${MAX_BODY_BYTES.toLocaleString('en-US')} bytes; a request holds far fewer paths. Split it, or use a wildcard.`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(request.body);
  } catch {
    return failure(
      400,
      'malformed_json',
      'The body is not JSON. Send `{"distribution": "web", "paths": ["/index.html"]}` with `Content-Type: application/json`.',
    );
  }
  if (typeof raw === 'object' && raw !== null && 'changedKeys' in raw)
    return createFromChanges(services, followUps, pipeline, raw);
  const parsed = requestBodySchema.safeParse(raw);
  if (!parsed.success) return invalidBody(parsed.error);
  const answer = await requestForPipeline(services, pipeline, parsed.data, followUps);
  if (!answer.ok) return refusal(services, pipeline, parsed.data, answer.error);
  return json(answer.value.created ? 201 : 200, await requestView(services, answer.value.stored));
}

/** `{ distribution, changedKeys }`: a proposal (201; 200 when its key made it before), or a request. */
async function createFromChanges(
  services: ApiServices,
  followUps: FollowUps,
  pipeline: PipelineConfig,
  raw: unknown,
): Promise<ApiResponse> {
  const parsed = changesBodySchema.safeParse(raw);
  if (!parsed.success) return invalidBody(parsed.error);
  const body = parsed.data;
  const answer = await changesForPipeline(services, pipeline, body, followUps);
  if (!answer.ok) return refusal(services, pipeline, { ...body, paths: body.changedKeys }, answer.error);
  const { value } = answer;
  switch (value.kind) {
    case 'nothing':
      return json(200, {
        proposal: null,
        message: `None of the ${value.figures.objects.toLocaleString('en-US')} keys under the origin path can be held at edges (${value.figures.hashed.toLocaleString('en-US')} have hashed names); nothing to invalidate.`,
      });
    case 'request':
      return json(value.answer.created ? 201 : 200, await requestView(services, value.answer.stored));
    case 'proposal':
      return json(value.created ? 201 : 200, proposalView(value.proposal));
    default: {
      const unreachable: never = value;
      throw new Error(`unknown answer ${JSON.stringify(unreachable)}`);
    }
  }
}

function proposalView(proposal: Proposal): z.infer<typeof proposalViewSchema> {
  return {
    proposal: {
      id: proposal.id,
      status: proposal.status,
      distribution: proposal.distribution,
      channel: proposal.channel,
      objects: proposal.objects.changed,
      paths: proposal.paths,
      leftOut: { hashed: proposal.leftOut.hashed },
      expiresAt: proposal.expiresAt,
    },
  };
}

function invalidBody(error: z.ZodError): ApiResponse {
  const details = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  return failure(
    400,
    'invalid_request',
    'The request does not match the API; fix every field listed.',
    {},
    details,
  );
}

async function refusal(
  services: ApiServices,
  pipeline: PipelineConfig,
  body: RequestBody,
  refused: PipelineRefusal,
): Promise<ApiResponse> {
  switch (refused.code) {
    case 'unknown_distribution':
      return failure(
        400,
        'unknown_distribution',
        `I don't know the distribution ${quote(body.distribution)}.${didYouMean(body.distribution, refused.known)} This pipeline may request: ${aliases(refused.known)}.`,
      );
    case 'distribution_not_allowed': {
      const { alias, id } = refused.distribution;
      // An authorization refusal, recorded for audit as a refused command is.
      await recordCommandRefusal(services, {
        user: `pipeline:${pipeline.name}`,
        channel: pipeline.channel,
        distribution: { alias, id },
        code: 'pipeline_not_allowed',
        text: body.paths.join(' ').slice(0, 1000),
      });
      return failure(
        403,
        'distribution_not_allowed',
        `Pipeline ${quote(pipeline.name)} may not request ${quote(alias)}; it may request: ${aliases(refused.allowed)}. Add it to the pipeline's \`distributions\` in the config to allow it.`,
      );
    }
    case 'reason_too_long':
      return failure(
        400,
        'reason_too_long',
        `Shorten the reason to at most ${refused.max.toLocaleString('en-US')} characters (it is ${refused.length.toLocaleString('en-US')}).`,
      );
    case 'paths':
      return pathsFailure(refused.refusal);
    case 'idempotency_conflict':
      return failure(
        409,
        'idempotency_conflict',
        `The idempotencyKey was used before for request ${refused.requestId} with other paths, distribution or reason. Use a new key for a new request.`,
      );
    case 'rate_limited':
      return failure(
        429,
        'rate_limited',
        `Pipeline ${quote(pipeline.name)} may make ${refused.limit.toLocaleString('en-US')} requests an hour; retry after ${refused.retryAfterSeconds.toLocaleString('en-US')} s.`,
        {
          'retry-after': String(refused.retryAfterSeconds),
        },
      );
    case 'over_budget':
      // Well-formed but against the budget: the pipeline should not retry it as it is.
      return failure(422, 'over_budget', plainText(overBudgetText(refused.overrun)));
    default: {
      const unreachable: never = refused;
      throw new Error(`unknown refusal ${JSON.stringify(unreachable)}`);
    }
  }
}

function pathsFailure(refused: Extract<PipelineRefusal, { code: 'paths' }>['refusal']): ApiResponse {
  if (refused.code === 'invalid_paths') {
    // Worded as the slash command words them, without Slack's markup.
    const details = refused.problems.map((problem) => ({
      path: problem.input,
      message: plainText(problemText(problem)),
    }));
    return failure(
      400,
      'invalid_paths',
      'Nothing was submitted. Fix these paths and send the request again.',
      {},
      details,
    );
  }
  // CloudFront could not say whether the distribution takes cache tags: worth retrying, unless denied.
  const status = refused.code === 'cache_tags_unreadable' && !refused.denied ? 503 : 400;
  return failure(status, refused.code, plainText(commandRefusalText(refused)));
}

function cancelFailure(refused: CancelRefusal): ApiResponse {
  return failure(
    refused.code === 'not_found' ? 404 : 409,
    refused.code,
    plainText(cancelRefusalText(refused)),
  );
}

function unknownRequest(id: string): ApiResponse {
  return failure(
    404,
    'not_found',
    `This pipeline has no request ${quote(id.slice(0, 100))}. Ids look like INV-7K2M9QX4PA, as the POST answered.`,
  );
}

/** The request as the API shows it: the card's facts and the audit trail in words, without Slack markup. */
export async function requestView(
  services: Pick<Services, 'cards'>,
  { request, events }: StoredRequest,
): Promise<RequestView> {
  const sentences = auditSentences(events, request);
  const view: RequestView = {
    id: request.id,
    status: request.status,
    distribution: request.distribution,
    paths: request.paths.length,
    requester: request.requester,
    createdAt: request.createdAt,
    requiredApprovals: request.approval.required
      ? request.approval.rules.map((rule) => plainText(ruleWords(rule)))
      : [],
    approvers: plainText(approverWords(request.approval.approvers)),
    invalidationIds:
      'batches' in request
        ? request.batches.flatMap((b) => (b.invalidationId ? [b.invalidationId] : []))
        : [],
    events: events.map((event, index) => ({
      at: event.at,
      type: event.type,
      ...(event.actor ? { actor: event.actor } : {}),
      // The sentence without its leading time: `at` carries it.
      text: plainText((sentences[index] ?? event.type).replace(/^<!date\^[^>]*> /, '')),
    })),
  };
  Object.assign(view, endings(request));
  const link = request.card ? await services.cards.permalink(request.card) : undefined;
  if (link) view.cardUrl = link;
  return view;
}

function endings(request: InvalidationRequest): Partial<RequestView> {
  const parts: Partial<RequestView> = {};
  if (request.status === 'pending_approval') parts.expiresAt = request.expiresAt;
  if ('decision' in request && request.decision) {
    const { outcome, by, at, reason } = request.decision;
    parts.decision = { outcome, by, at, ...(reason === undefined ? {} : { reason }) };
  }
  if ('submittedAt' in request) parts.submittedAt = request.submittedAt;
  if (request.status === 'completed') parts.completedAt = request.completedAt;
  if (request.status === 'failed')
    parts.failure = { code: request.failure.code, message: request.failure.message };
  if (request.status === 'cancelled') parts.cancelledBy = request.cancelledBy;
  return parts;
}

/**
 * Slack mrkdwn as plain text: dates as their fallback text, mentions as the ids they name, escapes undone.
 * The sentences are the cards' own, so a pipeline reads what people read in Slack.
 */
export function plainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>/g, 'user group $1')
    .replace(/<@([A-Z0-9]+)>/g, '$1')
    .replace(/<#([A-Z0-9]+)(?:\|[^>]*)?>/g, '#$1')
    .replace(/<(https?:[^|>]+)\|([^>]*)>/g, '$2 ($1)')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** " Did you mean "web"?" for a slip of the fingers, among what the pipeline may request (core/suggest.ts). */
function didYouMean(typed: string, known: readonly { alias: string }[]): string {
  const candidates = known.map((d): Candidate => ({ kind: 'distribution', word: d.alias }));
  const near = nearest(typed, candidates, distance);
  return near ? ` Did you mean ${quote(near.word)}?` : '';
}

function quote(text: string): string {
  return JSON.stringify(text.slice(0, 100));
}

function aliases(distributions: readonly { alias: string }[]): string {
  return distributions.length > 0 ? distributions.map((d) => d.alias).join(', ') : 'none';
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

function failure(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  details?: ErrorDetail[],
): ApiResponse {
  return json(status, { error: { code, message, ...(details ? { details } : {}) } }, headers);
}

function notAllowed(allow: string): ApiResponse {
  return failure(405, 'method_not_allowed', `Use ${allow} here.`, { allow });
}

/** The OpenAPI 3.1 document, its schemas generated from the zod schemas that check the requests. */
export function openApiDocument(): Record<string, unknown> {
  const schema = (value: z.ZodType) => z.toJSONSchema(value, { target: 'draft-2020-12', io: 'input' });
  const errorResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  const viewResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Request' } } },
  });
  const idParameter = {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string' },
    example: 'INV-7K2M9QX4PA',
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Invalidator pipeline API',
      version: '1',
      description:
        'Deploy pipelines request CloudFront invalidations through the same policy, approval and audit as people in Slack.',
    },
    security: [{ bearer: [] }],
    paths: {
      [REQUESTS]: {
        post: {
          summary: 'Request an invalidation',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { $ref: '#/components/schemas/RequestBody' },
                    { $ref: '#/components/schemas/ChangesBody' },
                  ],
                },
              },
            },
          },
          responses: {
            '201': viewResponse("Recorded; the card is posted in the pipeline's channel."),
            '200': viewResponse('The idempotencyKey was seen before: the request it made.'),
            '400': errorResponse('Bad input; `details` lists every problem.'),
            '401': errorResponse('Missing or unknown token.'),
            '403': errorResponse('The pipeline may not request that distribution.'),
            '409': errorResponse('The idempotencyKey was used for another request.'),
            '413': errorResponse('The body is too large.'),
            '429': errorResponse("Past the pipeline's hourly rate; see Retry-After."),
            '503': errorResponse(
              'The database did not answer; nothing was submitted. Retry with the same key.',
            ),
          },
        },
      },
      [`${REQUESTS}/{id}`]: {
        parameters: [idParameter],
        get: {
          summary: "One of the pipeline's requests, with its audit trail",
          responses: {
            '200': viewResponse('The request now.'),
            '404': errorResponse('No such request of this pipeline.'),
          },
        },
        delete: {
          summary: 'Cancel a request while it waits for approval',
          responses: {
            '200': viewResponse('Cancelled.'),
            '404': errorResponse('No such request of this pipeline.'),
            '409': errorResponse('It no longer waits for a decision.'),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        RequestBody: schema(requestBodySchema),
        ChangesBody: schema(changesBodySchema),
        Proposal: schema(proposalViewSchema),
        Request: schema(requestViewSchema),
        Error: schema(errorSchema),
      },
    },
  };
}

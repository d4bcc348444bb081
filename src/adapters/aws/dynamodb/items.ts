import * as z from 'zod';
import type { Load } from '../../../core/capacity.js';
import type { Proposal, ProposalEvent } from '../../../core/proposal.js';
import {
  type AuditEvent,
  type AuditEventType,
  type Batch,
  type BatchWithPaths,
  type CommandRefusalRecord,
  type InvalidationRequest,
  indexedBatches,
} from '../../../core/request.js';
import type { UsageRow } from '../../../core/usage.js';
import type {
  DigestMarker,
  DistributionListing,
  KeyClaim,
  QueuedRequest,
  ReconcileProgress,
  StoredRequest,
  Task,
} from '../../../usecases/ports.js';
import { Keys } from './keys.js';
import type { Item } from './table.js';

/**
 * The items as the stores read them back (keys.ts describes each), parsed once per item read: a malformed
 * item fails here, naming its key, instead of somewhere later as a missing field. Objects are loose: an
 * attribute this version does not know is kept, so an item written by a newer version still reads.
 */

/** A stored item that does not have the shape its kind requires. */
export class MalformedItemError extends Error {
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MalformedItemError';
  }
}

const text = z.string();
const count = z.number().int();
const optionalText = z.string().optional();
const distribution = z.looseObject({ alias: text, id: text });
const card = z.looseObject({ channel: text, ts: text });
const decision = z.looseObject({
  outcome: z.enum(['approved', 'denied']),
  by: text,
  at: text,
  reason: optionalText,
});
const failure = z.looseObject({ code: text, message: text, at: text });
const notice = z.enum(['completed', 'failed', 'denied', 'expired', 'cancelled', 'reminder', 'slow']);
const approvers = z.looseObject({ usergroup: optionalText, users: z.array(text) });

/** Batches written before they indexed the request's paths hold a copy of them (withIndexedBatches). */
const batch = z.union([
  z.looseObject({
    callerReference: text,
    start: count,
    end: count,
    invalidationId: optionalText,
    completed: z.boolean(),
  }),
  z.looseObject({
    callerReference: text,
    paths: z.array(text),
    invalidationId: optionalText,
    completed: z.boolean(),
  }),
]);

const base = {
  id: text,
  version: count,
  distribution,
  paths: z.array(text),
  reason: optionalText,
  requester: text,
  source: z
    .looseObject({ pipeline: text, url: optionalText, commit: optionalText, run: optionalText })
    .optional(),
  channel: text,
  createdAt: text,
  approval: z.looseObject({
    required: z.boolean(),
    rules: z.array(z.looseObject({ rule: text })),
    approvers,
    selfApproval: z.boolean().default(false),
    groupUnresolved: z.boolean().optional(),
  }),
  cost: z.looseObject({
    paths: z.number(),
    usedBefore: z.number(),
    freePerMonth: z.number(),
    freeRemaining: z.number(),
    billable: z.number(),
    costUsd: z.number(),
    budgetPaths: z.number().optional(),
  }),
  notes: z
    .looseObject({ encoded: z.array(z.unknown()), duplicates: z.array(text), covered: z.array(z.unknown()) })
    .optional(),
  card: card.optional(),
  attempts: count.default(0),
  dueAt: optionalText,
  outbox: z.looseObject({ kind: notice, tries: count }).optional(),
  noticesSent: z.array(notice).default([]),
  cardStale: z.literal(true).optional(),
  choiceWaitMs: count.optional(),
  revision: count.optional(),
  savings: z.looseObject({ paths: z.number(), usd: z.number() }).optional(),
  offers: z
    .looseObject({
      wildcards: z.array(z.looseObject({ wildcard: text, replaces: count, savesUsd: z.number() })),
      hashed: count,
    })
    .optional(),
};
const submitted = { decision, batches: z.array(batch), submittedAt: text };

/** The request by status: each status with the fields the core's union gives it (request-model.ts). */
const requestSchema = z.discriminatedUnion('status', [
  z.looseObject({ ...base, status: z.literal('new') }),
  z.looseObject({
    ...base,
    status: z.literal('awaiting_choice'),
    card,
    choiceUntil: text,
    countdownFrom: text,
  }),
  z.looseObject({ ...base, status: z.literal('pending_approval'), card, expiresAt: text, remindAt: text }),
  z.looseObject({ ...base, status: z.literal('approved'), decision }),
  z.looseObject({
    ...base,
    status: z.literal('queued'),
    decision,
    queue: z.looseObject({ code: z.enum(['capacity', 'behind_older', 'too_many_in_progress']) }),
    queuedAt: text,
    turn: count.optional(),
  }),
  z.looseObject({
    ...base,
    status: z.literal('in_progress'),
    ...submitted,
    pollsItself: z.literal(true).optional(),
  }),
  z.looseObject({ ...base, status: z.literal('completed'), ...submitted, completedAt: text }),
  z.looseObject({ ...base, status: z.literal('denied'), decision }),
  z.looseObject({ ...base, status: z.literal('failed'), decision: decision.optional(), failure }),
  z.looseObject({ ...base, status: z.literal('undeliverable'), failure }),
  z.looseObject({
    ...base,
    status: z.literal('expired'),
    card,
    expiredAt: text,
    timeoutMs: count.optional(),
  }),
  z.looseObject({ ...base, status: z.literal('cancelled'), card, cancelledBy: text, cancelledAt: text }),
]);

/** Every audit event type: a type the core adds and this misses fails to compile. */
const EVENT_TYPES: { [T in AuditEventType]: T } = {
  requested: 'requested',
  changed: 'changed',
  approved: 'approved',
  denied: 'denied',
  undeliverable: 'undeliverable',
  expired: 'expired',
  cancelled: 'cancelled',
  queued: 'queued',
  submitted: 'submitted',
  completed: 'completed',
  failed: 'failed',
  reminder_sent: 'reminder_sent',
  notice_sent: 'notice_sent',
  refused: 'refused',
};

const eventSchema = z.looseObject({
  requestId: text,
  type: z.enum(EVENT_TYPES),
  key: text,
  at: text,
  actor: optionalText,
  details: z.record(text, z.union([text, z.number(), z.boolean(), z.array(text)])),
});

const storedSchema = z.looseObject({
  version: count,
  request: requestSchema,
  events: z.array(eventSchema).default([]),
  refusalsNotKept: count.optional(),
  lastRefusalNotKeptAt: optionalText,
});

const proposalBase = {
  id: text,
  version: count,
  distribution,
  bucket: text,
  channel: text,
  source: z.enum(['events', 'listing', 'pipeline']),
  deployedAt: text,
  createdAt: text,
  expiresAt: text,
  objects: z.looseObject({ changed: count, created: count, deleted: count }),
  leftOut: z.looseObject({ hashed: count, created: count }),
  paths: z.array(text),
  cost: base.cost,
  approvalRules: z.array(z.looseObject({ rule: text })),
  card: card.optional(),
  dueAt: optionalText,
  cardStale: z.literal(true).optional(),
};

/** A deploy proposal by status, as core/proposal.ts gives each its fields. */
const proposalSchema = z.discriminatedUnion('status', [
  z.looseObject({ ...proposalBase, status: z.literal('open') }),
  z.looseObject({ ...proposalBase, status: z.literal('accepted'), by: text, at: text, requestId: text }),
  z.looseObject({ ...proposalBase, status: z.literal('dismissed'), by: text, at: text }),
  z.looseObject({ ...proposalBase, status: z.literal('expired'), at: text }),
]);

const proposalEventSchema = z.looseObject({
  proposalId: text,
  type: z.enum(['proposed', 'accepted', 'dismissed', 'expired']),
  at: text,
  actor: optionalText,
  details: z.record(text, z.union([text, z.number()])),
});

const storedProposalSchema = z.looseObject({
  version: count,
  proposal: proposalSchema,
  events: z.array(proposalEventSchema).default([]),
});

const commandRefusalSchema = z.looseObject({
  refusal: z.looseObject({
    id: text,
    at: text,
    user: text,
    channel: text,
    distribution,
    code: z.enum(['not_a_requester', 'channel_not_allowed', 'pipeline_not_allowed', 'over_budget']),
    command: text,
    truncated: z.boolean(),
  }),
});

const taskSchema = z.looseObject({
  taskKind: z.enum(['poll', 'reconcile', 'digest', 'origin']).catch('poll'),
  distributionId: text,
  dueAt: text,
});

const dueSchema = z.looseObject({ dueAt: text });

const inFlightSchema = z.looseObject({
  pk: text,
  flightPaths: z.number().default(0),
  flightWildcards: z.number().default(0),
});

const queuedSchema = z.looseObject({
  pk: text,
  createdSk: text,
  queueRequester: text.default(''),
  queueTurn: z.number().default(0),
  queuePaths: z.number().default(0),
  queueWildcards: z.number().default(0),
});

const usageSchema = z.looseObject({
  usageSk: text,
  usagePaths: z.number().default(0),
  distributionId: text.default(''),
  external: z.boolean().optional(),
  requester: optionalText,
});

const seenSchema = z.looseObject({ invalidationId: text });

const markerSchema = z.looseObject({ sk: text, requestId: text });

const digestMarkerSchema = z.discriminatedUnion('state', [
  z.looseObject({ state: z.literal('posting'), at: text }),
  z.looseObject({ state: z.literal('posted') }),
]);

const listingSchema = z.discriminatedUnion('coverage', [
  z.looseObject({
    coverage: z.literal('account'),
    listedAt: text,
    distributions: z.array(
      z.looseObject({
        id: text,
        domainName: z.string(),
        aliases: z.array(z.string()).default([]),
        account: text.optional(),
      }),
    ),
    deniedAccounts: z.array(text).optional(),
  }),
  z.looseObject({ coverage: z.literal('configured'), listedAt: text, reason: z.literal('denied') }),
]);

const progressSchema = z.looseObject({
  watermark: text.optional(),
  passNewest: text.optional(),
  passMarker: text.optional(),
});

const counterSchema = z.looseObject({
  amount: z.number().default(0),
  holders: z.number().default(0),
  open: z.set(text).optional(),
});

/** Parses an item against its kind's schema, or fails naming the item's key and every problem. */
function parse<S extends z.ZodType>(schema: S, item: Item, kind: string): z.output<S> {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  const key = [item.pk, item.sk].filter((part) => part !== undefined).join(' / ') || '(no key)';
  throw new MalformedItemError(key, `malformed ${kind} item ${key}: ${z.prettifyError(result.error)}`, {
    cause: result.error,
  });
}

/** A request item as the stores return it: the request, its events, and its refusals only counted. */
export function parseStored(item: Item): StoredRequest {
  const parsed = parse(storedSchema, item, 'request');
  // The schema checks what the core's union requires; its loose objects type wider than the union.
  const stored: StoredRequest = {
    request: withIndexedBatches(parsed.request as InvalidationRequest),
    events: parsed.events as AuditEvent[],
  };
  if (parsed.refusalsNotKept !== undefined) {
    stored.refusalsNotKept = { count: parsed.refusalsNotKept, lastAt: parsed.lastRefusalNotKeptAt ?? '' };
  }
  return stored;
}

/** A proposal item: the proposal and its events. */
export function parseProposal(item: Item): { proposal: Proposal; events: ProposalEvent[] } {
  const parsed = parse(storedProposalSchema, item, 'proposal');
  // The schema checks what the core's union requires; its loose objects type wider than the union.
  return { proposal: parsed.proposal as Proposal, events: parsed.events as ProposalEvent[] };
}

/** A refused command's item. */
export function parseCommandRefusal(item: Item): CommandRefusalRecord {
  return parse(commandRefusalSchema, item, 'refused command').refusal as CommandRefusalRecord;
}

/** A task item of the due index: which task, and when it is due. */
export function parseTask(item: Item): { task: Task; dueAt: string } {
  const { taskKind, distributionId, dueAt } = parse(taskSchema, item, 'task');
  // Written `!<time>` since tasks share the requests' due partition (keys.ts); plain by earlier versions.
  const at = dueAt.startsWith(Keys.taskDuePrefix) ? dueAt.slice(Keys.taskDuePrefix.length) : dueAt;
  return { task: { kind: taskKind, distributionId }, dueAt: at };
}

/** When a request item of the due index is due (its lease's end while claimed). */
export function parseDueAt(item: Item): string {
  return parse(dueSchema, item, 'due request').dueAt;
}

/** What an in-flight index entry holds of capacity, and whose (the request item's `pk`). */
export function parseInFlight(item: Item): { pk: string; load: Load } {
  const { pk, flightPaths, flightWildcards } = parse(inFlightSchema, item, 'in-flight entry');
  return { pk, load: { paths: flightPaths, wildcards: flightWildcards } };
}

/** A queue index entry. */
export function parseQueued(item: Item): QueuedRequest {
  const entry = parse(queuedSchema, item, 'queue entry');
  const [createdAt = ''] = entry.createdSk.split('#');
  return {
    id: entry.pk.slice('REQ#'.length),
    requester: entry.queueRequester,
    createdAt,
    turn: entry.queueTurn,
    load: { paths: entry.queuePaths, wildcards: entry.queueWildcards },
  };
}

/** A usage index entry: a billed submission, the bot's or (reconciled) an external one. */
export function parseUsageRow(item: Item): UsageRow {
  const entry = parse(usageSchema, item, 'usage entry');
  const [submittedAt = '', id = '', account] = entry.usageSk.split('#');
  const row: UsageRow = {
    id,
    paths: entry.usagePaths,
    distributionId: entry.distributionId,
    external: entry.external === true,
    submittedAt,
  };
  if (entry.requester !== undefined) row.requester = entry.requester;
  if (account !== undefined && account !== '') row.account = account;
  return row;
}

/** A seen invalidation's id. */
export function parseSeen(item: Item): string {
  return parse(seenSchema, item, 'seen invalidation').invalidationId;
}

/** An activity marker: its sort key (the request's creation time and id) and the request it names. */
export function parseMarker(item: Item): { sk: string; requestId: string } {
  return parse(markerSchema, item, 'activity marker');
}

/** A digest marker: posting since `at`, or posted. */
export function parseDigestMarker(item: Item): DigestMarker {
  const marker = parse(digestMarkerSchema, item, 'digest marker');
  return marker.state === 'posted' ? { state: 'posted' } : { state: 'posting', at: marker.at };
}

/** The last listing of the account's distributions (reconciliation). */
export function parseListing(item: Item): DistributionListing {
  const listing = parse(listingSchema, item, 'distribution listing');
  if (listing.coverage === 'configured')
    return { coverage: 'configured', listedAt: listing.listedAt, reason: listing.reason };
  const distributions = listing.distributions.map(({ id, domainName, aliases, account }) => ({
    id,
    domainName,
    aliases,
    ...(account === undefined ? {} : { account }),
  }));
  const { deniedAccounts } = listing;
  return {
    coverage: 'account',
    listedAt: listing.listedAt,
    distributions,
    ...(deniedAccounts === undefined || deniedAccounts.length === 0 ? {} : { deniedAccounts }),
  };
}

/** How far reconciliation has read a distribution's invalidations. */
export function parseProgress(item: Item): ReconcileProgress {
  const { watermark, passNewest, passMarker } = parse(progressSchema, item, 'reconcile progress');
  const progress: ReconcileProgress = {};
  if (watermark !== undefined) progress.watermark = watermark;
  if (passMarker !== undefined)
    progress.pass =
      passNewest === undefined ? { marker: passMarker } : { newest: passNewest, marker: passMarker };
  return progress;
}

/** A counter's figures and open holders; an absent counter reads as empty. */
export function parseCounter(item: Item): { amount: number; holders: number; open?: Set<string> } {
  return parse(counterSchema, item, 'counter');
}

/** Items written before batches indexed the request's paths keep a copy of them in each batch. */
function withIndexedBatches(request: InvalidationRequest): InvalidationRequest {
  if (!('batches' in request)) return request;
  const batches = request.batches as ReadonlyArray<Batch | BatchWithPaths>;
  return { ...request, batches: indexedBatches(batches) };
}

const keyClaimSchema = z.looseObject({ requestId: text, fingerprint: text });

/** What a pipeline's claim of an idempotency key named. */
export function parseKeyClaim(item: Item): KeyClaim {
  const { requestId, fingerprint } = parse(keyClaimSchema, item, 'idempotency key');
  return { requestId, fingerprint };
}

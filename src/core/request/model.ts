import type { WildcardOffer } from '../cheaper.js';
import type { CostPreview } from '../cost.js';
import type { ApprovalRule, Approvers } from '../policy.js';

/** Every status a request can be in; terminal ones never change again (except for sending their notice). */
export const Status = {
  new: 'new',
  awaitingChoice: 'awaiting_choice',
  pendingApproval: 'pending_approval',
  approved: 'approved',
  queued: 'queued',
  inProgress: 'in_progress',
  completed: 'completed',
  denied: 'denied',
  failed: 'failed',
  undeliverable: 'undeliverable',
  expired: 'expired',
  cancelled: 'cancelled',
} as const;
export type Status = (typeof Status)[keyof typeof Status];

export const TERMINAL: ReadonlySet<Status> = new Set<Status>([
  'completed',
  'denied',
  'failed',
  'undeliverable',
  'expired',
  'cancelled',
]);

export interface Distribution {
  alias: string;
  /** the distribution; with `ids`, the first of them */
  id: string;
  /**
   * Every distribution one request goes to (an alias with `ids`: one site behind several distributions),
   * `id` first; absent when there is only `id`. Each gets its own invalidation, capacity and bill.
   */
  ids?: string[];
  /** a tenant (`dt_…`) of the multi-tenant distribution `id`: its invalidations go through the tenant calls */
  tenant?: string;
}

/** What a request keeps of its configured distribution: where its invalidations go. */
export function requestDistribution(config: Distribution): Distribution {
  const distribution: Distribution = { alias: config.alias, id: config.id };
  if (config.ids && config.ids.length > 1) distribution.ids = [...config.ids];
  if (config.tenant !== undefined) distribution.tenant = config.tenant;
  return distribution;
}

/** Every distribution a request goes to, its own `id` first. */
export function distributionIds(distribution: Pick<Distribution, 'id' | 'ids'>): string[] {
  return distribution.ids && distribution.ids.length > 0 ? distribution.ids : [distribution.id];
}

/** The configured distribution (or request target) that names CloudFront distribution `id`, as `id` or in `ids`. */
export function distributionWithId<D extends Pick<Distribution, 'id' | 'ids'>>(
  distributions: readonly D[],
  id: string,
): D | undefined {
  return distributions.find((distribution) => distributionIds(distribution).includes(id));
}

/**
 * The paths a request is billed for: each of its paths once per distribution, since each distribution gets
 * an invalidation of its own and CloudFront bills every invalidation's paths.
 */
export function billedPaths(request: { distribution: Distribution; paths: readonly string[] }): number {
  return request.paths.length * distributionIds(request.distribution).length;
}

/** Where the request card lives in Slack; its thread carries the follow-ups. */
export interface Card {
  channel: string;
  ts: string;
}

export interface Decision {
  outcome: 'approved' | 'denied';
  /** Slack user id, or `policy` when no approval was needed */
  by: string;
  at: string;
  reason?: string;
}

/**
 * One CreateInvalidation call: at most 3,000 paths and 15 wildcards (CloudFront's in-progress limits).
 * Its paths are `request.paths[start]` up to (not including) `request.paths[end]`: each path is stored
 * once, in the request, so submitting never grows the item by a copy of its paths (DynamoDB's 400 KB).
 */
export interface Batch {
  callerReference: string;
  /** the distribution it goes to; absent: the request's `distribution.id` (every batch written before `ids`) */
  distributionId?: string;
  start: number;
  end: number;
  invalidationId?: string;
  completed: boolean;
}

export interface Failure {
  code: string;
  message: string;
  at: string;
}

/** What normalisation changed, shown on the card. */
export interface PathNotes {
  encoded: Array<{ input: string; path: string }>;
  duplicates: string[];
  covered: Array<{ path: string; by: string }>;
  /** paths sent with a query string (absent on requests recorded before it was noted) */
  queryKept?: string[];
}

/** What the policy decided about approval when the request was made, and who may give it. */
export interface RequestApproval {
  required: boolean;
  rules: ApprovalRule[];
  approvers: Approvers;
  /** the requester may approve their own request (a distribution's `selfApproval`) */
  selfApproval: boolean;
  /** the approvers' user group could not be resolved when the request was made */
  groupUnresolved?: boolean;
}

/** Messages in the card's thread: each kind goes out at most once per request. */
export type NoticeKind = 'completed' | 'failed' | 'denied' | 'expired' | 'cancelled' | 'reminder' | 'slow';

/** The notices that tell the requester how their request ended: each ending sends its own, once. */
export const ENDING_NOTICES: ReadonlySet<NoticeKind> = new Set<NoticeKind>([
  'completed',
  'failed',
  'denied',
  'expired',
  'cancelled',
]);

/** A thread message that is due; `tries` counts attempts that may have reached Slack. */
export interface Outbox {
  kind: NoticeKind;
  tries: number;
}

/**
 * What a request's card offers its requester before submission: wildcards for prefixes that hold many of its
 * paths, and how many of its files carry a content hash (the paths themselves say which).
 */
export interface Offers {
  wildcards: WildcardOffer[];
  hashed: number;
}

/** Why an approved request waits before it is submitted. */
export type QueueReason =
  | { code: 'capacity'; inFlightPaths: number; inFlightWildcards: number }
  | { code: 'behind_older' }
  | { code: 'too_many_in_progress' };

/**
 * A request made by a deploy pipeline through the HTTP API rather than a person in Slack: its requester of
 * record is `pipeline:<name>` (`pipelineRequester`), and the card shows the CI run and the commit.
 */
export interface PipelineSource {
  pipeline: string;
  /** the CI run's page, as the pipeline sent it (`context.url`) */
  url?: string;
  commit?: string;
  /** the pipeline's own name for the run (`context.pipeline`) */
  run?: string;
}

/** The requester of record of a pipeline's requests: never a Slack user id, so nobody decides as it. */
export function pipelineRequester(pipeline: string): string {
  return `pipeline:${pipeline}`;
}

export interface Base {
  id: string;
  /** incremented by every write; each write is conditional on the version it read */
  version: number;
  distribution: Distribution;
  paths: string[];
  reason?: string;
  /** a Slack user id, or `pipeline:<name>` for a request made through the HTTP API (`source` says more) */
  requester: string;
  source?: PipelineSource;
  channel: string;
  createdAt: string;
  approval: RequestApproval;
  cost: CostPreview;
  notes?: PathNotes;
  card?: Card;
  /** retries of the current step */
  attempts: number;
  /** when the next step of work is due; absent when none is */
  dueAt?: string;
  /** a thread message waiting to be sent */
  outbox?: Outbox;
  /** thread messages already sent */
  noticesSent: NoticeKind[];
  /**
   * Set on a request that will wait for its requester's choice among cheaper forms (core/cheaper.ts) once its
   * card is posted: how long it waits before it goes as it is (`suggestionWaitSeconds`).
   */
  choiceWaitMs?: number;
  /** the cheaper forms its card offers its requester (core/request/choice.ts); absent when none */
  offers?: Offers;
  /** changes of its paths since it was made (a cheaper form chosen); a decision clicked on an older card is refused */
  revision?: number;
  /** what the cheaper forms chosen spared the month's bill: paths, and USD as the card counted them */
  savings?: { paths: number; usd: number };
  /**
   * The card shows an older state and the worker redraws it: set with a change whose writer may not call
   * Slack before answering (the Lambda handler), where no next step of the request would draw the card.
   */
  cardStale?: true;
}

export type InvalidationRequest =
  | (Base & { status: 'new' })
  /** posted with cheaper forms to choose from: goes as it is at `choiceUntil` unless its requester chooses */
  | (Base & {
      status: 'awaiting_choice';
      card: Card;
      choiceUntil: string;
      /** when the card was last drawn: its countdown reads from here */
      countdownFrom: string;
    })
  | (Base & { status: 'pending_approval'; card: Card; expiresAt: string; remindAt: string })
  | (Base & { status: 'approved'; decision: Decision })
  | (Base & {
      status: 'queued';
      decision: Decision;
      queue: QueueReason;
      queuedAt: string;
      /** its requester's turn in the queue (core/queue-order.ts); absent on requests queued before turns */
      turn?: number;
    })
  | (Base & {
      status: 'in_progress';
      decision: Decision;
      batches: Batch[];
      submittedAt: string;
      /**
       * Polled on its own due time, not with its distribution: set when it was submitted with nothing else
       * of the bot's in flight there (one GetInvalidation beats a scheduled ListInvalidations task)
       */
      pollsItself?: true;
    })
  | (Base & {
      status: 'completed';
      decision: Decision;
      batches: Batch[];
      submittedAt: string;
      completedAt: string;
    })
  | (Base & { status: 'denied'; decision: Decision })
  | (Base & { status: 'failed'; decision?: Decision; failure: Failure })
  | (Base & { status: 'undeliverable'; failure: Failure })
  | (Base & {
      status: 'expired';
      card: Card;
      expiredAt: string;
      /** how long it waited for a decision (the approval timeout); absent on requests expired before it was kept */
      timeoutMs?: number;
    })
  | (Base & { status: 'cancelled'; card: Card; cancelledBy: string; cancelledAt: string });

type RequestsByStatus = { [R in InvalidationRequest as R['status']]: R };

/**
 * The requests in status `S` (one or several). Looked up by status rather than filtered out of the union, so
 * that TypeScript sees `RequestIn<'expired'>` as a narrower `RequestIn<Status>` and a `Transition<'expired'>`
 * as a `Transition`.
 */
export type RequestIn<S extends Status> = RequestsByStatus[S];

export type AuditEventType =
  | 'requested'
  /** its requester chose a cheaper form: the paths changed before submission */
  | 'changed'
  | 'approved'
  | 'denied'
  | 'undeliverable'
  | 'expired'
  | 'cancelled'
  | 'queued'
  | 'submitted'
  | 'completed'
  | 'failed'
  | 'reminder_sent'
  | 'notice_sent'
  /** a click the clicker was not allowed to make; the request itself did not change (core/refusals.ts) */
  | 'refused';

/** An append-only record of one step, written in the same conditional write as the state change. */
export interface AuditEvent {
  requestId: string;
  type: AuditEventType;
  /** unique per request: a step that happens once has one key */
  key: string;
  at: string;
  actor?: string;
  details: Record<string, string | number | boolean | string[]>;
}

/**
 * A state change and the audit event that records it, always produced together. Typed by the status it
 * produces: a step that can only end a request in `expired` returns a `Transition<'expired'>`.
 */
export interface Transition<S extends Status = Status> {
  request: RequestIn<S>;
  event?: AuditEvent;
}

/** The distribution a batch goes to. */
export function batchDistribution(request: { distribution: Distribution }, batch: Batch): string {
  return batch.distributionId ?? request.distribution.id;
}

export function bump<R extends InvalidationRequest>(request: R): R {
  return { ...request, version: request.version + 1 };
}

// Each of these drops a field that every status has as optional, so the request keeps its own type.
export function withoutDue<R extends { dueAt?: string }>(request: R): R {
  const { dueAt: _dueAt, ...rest } = request;
  return rest as R;
}

export function withoutOutbox<R extends { outbox?: Outbox }>(request: R): R {
  const { outbox: _outbox, ...rest } = request;
  return rest as R;
}

export function withoutCardStale<R extends { cardStale?: true }>(request: R): R {
  const { cardStale: _cardStale, ...rest } = request;
  return rest as R;
}

export function auditEvent(
  request: InvalidationRequest,
  type: AuditEventType,
  at: string,
  actor: string | undefined,
  details: AuditEvent['details'],
  key: string = type,
): AuditEvent {
  const base = { requestId: request.id, type, key, at, details };
  return actor === undefined ? base : { ...base, actor };
}

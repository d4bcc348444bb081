import type { PolicyConfig } from '../config.js';
import type {
  AuditEvent,
  Card,
  InvalidationRequest,
  NoticeKind,
  RequestIn,
  Transition,
} from '../core/request.js';

/** A request as stored, with its audit trail: events are appended atomically with each state change. */
export interface StoredRequest {
  request: InvalidationRequest;
  events: AuditEvent[];
}

/** A unit of due work: one request's next step, or one poll of a distribution's in-flight requests. */
export type DueWork =
  | { kind: 'request'; request: InvalidationRequest }
  | { kind: 'poll'; distributionId: string; dueAt: string };

/** Durable state of requests, their audit events and their due work. */
export interface RequestStore {
  /** Records a new request; fails (throws) if DynamoDB cannot be reached, so nothing unrecorded goes on. */
  create(transition: Transition): Promise<void>;
  get(id: string): Promise<StoredRequest | undefined>;
  /**
   * Writes `transition.request` only if the stored version is still `transition.request.version - 1`,
   * appending its event in the same single-item write; `false` when another writer got there first.
   */
  save(transition: Transition): Promise<boolean>;
  /** Work due at or before `now`, earliest first: requests, and distributions to poll. */
  due(now: string, limit: number): Promise<DueWork[]>;
  /** Takes a lease on a request's due work until `until`; `false` when another worker holds it or it moved on. */
  claim(request: InvalidationRequest, owner: string, now: string, until: string): Promise<boolean>;
  /** Takes a lease on polling a distribution; `false` when another worker holds it. */
  claimPoll(distributionId: string, owner: string, now: string, until: string): Promise<boolean>;
  /** Makes a distribution's next poll due at `at`, unless one is due sooner already. */
  schedulePoll(distributionId: string, at: string): Promise<void>;
  /**
   * Ends a poll: the next is due at `next` (none when nothing is in flight), unless a submission moved
   * it meanwhile (then that earlier time stands). Releases the lease.
   */
  finishPoll(
    distributionId: string,
    owner: string,
    claimedDueAt: string,
    next: string | undefined,
  ): Promise<void>;
  /** The requests in progress on a distribution, by the bot's own records. */
  inFlightRequests(distributionId: string): Promise<Array<RequestIn<'in_progress'>>>;
  /** The id of the oldest request queued for capacity on a distribution, if any. */
  oldestQueued(distributionId: string): Promise<string | undefined>;
  /** Makes a queued request due now (capacity freed up). */
  nudge(requestId: string, now: string): Promise<void>;
  /** Paths submitted to CloudFront in a UTC month (`YYYY-MM`), the figure AWS bills. */
  monthPaths(month: string): Promise<number>;
  /** Whether the store answers; for the health check. */
  ping(): Promise<void>;
}

export type InvalidationStatus = 'InProgress' | 'Completed';

export type CdnErrorKind = 'transient' | 'capacity' | 'permanent';

/** A failed CDN call, classified so use cases can retry, queue or fail. */
export class CdnError extends Error {
  constructor(
    readonly code: string,
    readonly kind: CdnErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CdnError';
  }
}

/** The CloudFront operations the bot needs, in its own terms. Throws CdnError. */
export interface Cdn {
  /** CreateInvalidation; the same callerReference and paths return the existing invalidation. */
  create(input: {
    distributionId: string;
    paths: string[];
    callerReference: string;
  }): Promise<{ invalidationId: string }>;
  /** Status of one invalidation. */
  status(input: { distributionId: string; invalidationId: string }): Promise<InvalidationStatus>;
  /** Status of a distribution's recent invalidations, newest first: one call covers many. */
  recent(distributionId: string): Promise<Map<string, InvalidationStatus>>;
}

/**
 * A Slack post that failed. `ambiguous` means it may still have arrived (a timeout or a dropped
 * connection): look before posting again, and give a slow post time to land. `retryAfterMs` is Slack's
 * Retry-After on a 429.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly ambiguous: boolean,
    readonly retryAfterMs = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

export type PostError = 'not_in_channel' | 'channel_not_found' | 'is_archived';

/**
 * The request card in Slack and its thread. Rendering belongs to the adapter; use cases only say which
 * request to show. Methods throw on transient failure, after the client's own small retry policy.
 */
export interface Cards {
  /** Posts the card for a new request; a channel the bot cannot post in is an expected outcome. */
  post(request: InvalidationRequest): Promise<{ ok: true; card: Card } | { ok: false; error: PostError }>;
  /** Redraws the card from the request's current state (buttons, decision, status). */
  update(request: InvalidationRequest): Promise<void>;
  /** Posts a notice in the card's thread (completion, failure, reminder, still in progress). */
  notify(request: InvalidationRequest, kind: NoticeKind): Promise<void>;
  /** Whether that notice is already in the thread (a previous attempt may have reached Slack). */
  hasNotice(request: InvalidationRequest, kind: NoticeKind): Promise<boolean>;
}

/** Resolves a Slack user group to its members; undefined when it cannot be resolved (the log says why). */
export interface ApproverDirectory {
  /** cached members; `refresh` asks Slack again (at most once per short interval per group) */
  members(usergroup: string, options?: { refresh?: boolean }): Promise<string[] | undefined>;
}

/** Month-to-date usage as shown on new cards; may lag by a few seconds (see usage-cache.ts). */
export interface UsageView {
  monthPaths(month: string): Promise<number>;
}

export interface Clock {
  now(): string;
}

export interface Ids {
  requestId(): string;
  random(): number;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Everything a use case may touch, wired once in compose.ts. */
export interface Services {
  store: RequestStore;
  usage: UsageView;
  cdn: Cdn;
  cards: Cards;
  directory: ApproverDirectory;
  clock: Clock;
  ids: Ids;
  logger: Logger;
  policy: PolicyConfig;
  /** identifies this process in work leases */
  workerId: string;
  /** asks the work loop to run now, because a step just became due */
  wake(): void;
}

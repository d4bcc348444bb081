import type { OperationsConfig, PolicyConfig } from '../config.js';
import type { BudgetCrossing } from '../core/budgets.js';
import type { DigestFigures } from '../core/digest.js';
import type { KeyChange, ObjectChange, OriginEvent } from '../core/origin.js';
import type { OnCallSchedule } from '../core/policy.js';
import type { Proposal, ProposalEvent } from '../core/proposal.js';
import type { QueueEntry } from '../core/queue-order.js';
import type {
  AuditEvent,
  Card,
  CommandRefusalRecord,
  InvalidationRequest,
  Load,
  NoticeKind,
  RequestIn,
  Transition,
} from '../core/request.js';
import type { UsageRow } from '../core/usage.js';
import type { DistributionFacts } from './distribution-facts.js';

/** A request as stored, with its audit trail: events are appended atomically with each state change. */
export interface StoredRequest {
  request: InvalidationRequest;
  events: AuditEvent[];
  /** refused clicks beyond those kept as events (REFUSALS_KEPT_PER_REQUEST): how many, and the last one's time */
  refusalsNotKept?: { count: number; lastAt: string };
}

/** A deploy proposal as stored, with its events (proposed, then how it ended). */
export interface StoredProposal {
  proposal: Proposal;
  events: ProposalEvent[];
}

/**
 * What recording a refused click did: kept it as an event, only counted it (the request keeps enough
 * already), or nothing (the same refusal was recorded before, or there is no such request).
 */
export type RefusalRecorded = 'kept' | 'counted' | 'unchanged';

/** A request queued for capacity, as the queue index holds it (see core/queue-order.ts). */
export type QueuedRequest = QueueEntry;

export interface RecentQuery {
  distributionId?: string;
  requester?: string;
  /** for the listing of all requests: the month to start from */
  month: string;
  limit: number;
  cursor?: string;
}

export interface SeenInvalidation {
  distributionId: string;
  invalidationId: string;
  external: boolean;
  paths: number;
  createTime: string;
  /** the AWS account it was made in (core/accounts.ts), for a distribution of another account */
  account?: string;
}

/** A unit of due work: one request's next step, or one poll of a distribution's in-flight requests. */
export type DueWork =
  | {
      kind: 'request';
      request: InvalidationRequest;
      /** when it fell due: a wake-up or a recheck moves this without rewriting the request */
      dueAt: string;
    }
  | { kind: 'task'; task: Task; dueAt: string }
  /**
   * A due item that does not read as any known kind (written by hand, or by a broken version): set aside,
   * out of the due work but kept in the table for an operator, so one bad item cannot stall all the rest.
   */
  | { kind: 'unreadable'; key: string; problem: string; dueAt: string }
  /** a deploy proposal's next step: its card's post, its expiry, a redraw (core/proposal.ts) */
  | { kind: 'proposal'; proposal: Proposal; dueAt: string };

/**
 * Recurring work: per distribution, polling its in-flight invalidations or reconciling its usage; once for
 * the whole bot, posting the usage digest (`distributionId` is then DIGEST_TASK's `-`).
 */
export interface Task {
  kind: 'poll' | 'reconcile' | 'digest' | 'origin';
  /** the distribution's id; for `origin`, the S3 bucket watched (usecases/origin-watch.ts) */
  distributionId: string;
}

/** The one digest task of the bot (usecases/digest.ts). */
export const DIGEST_TASK: Task = { kind: 'digest', distributionId: '-' };

/** A request was to be created under an id that is taken: a retry that lost to its first try. */
export class RequestExistsError extends Error {
  constructor(readonly requestId: string) {
    super(`request ${requestId} exists already`);
    this.name = 'RequestExistsError';
  }
}

/** The requests themselves, with their audit events: every state change is one conditional write. */
export interface Requests {
  /**
   * Records a new request; fails (throws) if DynamoDB cannot be reached, so nothing unrecorded goes on,
   * and with `RequestExistsError` when one is recorded under its id already.
   */
  create(transition: Transition): Promise<void>;
  /** The request as stored now (a strongly consistent read), or undefined when there is none. */
  get(id: string): Promise<StoredRequest | undefined>;
  /**
   * Writes `transition.request` only if the stored version is still `transition.request.version - 1`,
   * appending its event in the same single-item write; `false` when another writer got there first.
   * With `lease`, the same write takes the lease on the request's due work, as a claim does (due again
   * when it runs out): the writer goes on with its next step at once, without looking for it.
   */
  save(transition: Transition, lease?: Lease): Promise<boolean>;
}

/** Deploy proposals (core/proposal.ts), each with its audit events: every change one conditional write. */
export interface Proposals {
  /** Records a new proposal and its `proposed` event; `false` when one is recorded under its id already. */
  create(proposal: Proposal, event: ProposalEvent): Promise<boolean>;
  /** The proposal as stored now (a strongly consistent read) with its events, or undefined. */
  get(id: string): Promise<StoredProposal | undefined>;
  /**
   * Writes `proposal` only if the stored version is still `proposal.version - 1`, with `event` appended in
   * the same write; `false` when another writer got there first. Its due time follows `proposal.dueAt`.
   */
  save(proposal: Proposal, event?: ProposalEvent): Promise<boolean>;
}

/** A worker's hold on a request's due work: `owner` (a worker id) until `until`. */
export interface Lease {
  owner: string;
  until: string;
}

/** Authorization refusals kept for audit: refused clicks on their requests, refused commands on their own. */
export interface Refusals {
  /**
   * Records a refused click (a `refused` event) on its request without changing the request or its
   * version; past REFUSALS_KEPT_PER_REQUEST kept events it is only counted. Repeating the same event
   * changes nothing. `requestCreatedAt` (the request's `createdAt`) tells the store whether the refusal
   * falls in a later month than the request, where the export must still find it (requestsActiveIn).
   */
  recordRefusal(event: AuditEvent, requestCreatedAt: string): Promise<RefusalRecorded>;
  /** Records a refused command as an item of its own, listed by UTC month; repeating it changes nothing. */
  recordCommandRefusal(refusal: CommandRefusalRecord): Promise<void>;
  /** Every refused command of a UTC month (`YYYY-MM`), oldest first. */
  commandRefusalsIn(month: string): AsyncIterable<CommandRefusalRecord>;
}

/** What is due and who works on it: requests' next steps and recurring tasks, each under a lease. */
export interface WorkQueue {
  /** Work due at or before `now`, earliest first: requests, and distributions to poll. */
  due(now: string, limit: number): Promise<DueWork[]>;
  /** Takes a lease on a request's due work until `until`; `false` when another worker holds it or it moved on. */
  claim(request: InvalidationRequest, owner: string, now: string, until: string): Promise<boolean>;
  /** Takes a lease on a proposal's due step until `until`; `false` when another worker holds it or it moved on. */
  claimProposal(proposal: Proposal, owner: string, now: string, until: string): Promise<boolean>;
  /** Takes a lease on a task; `false` when another worker holds it. */
  claimTask(task: Task, owner: string, now: string, until: string): Promise<boolean>;
  /** Makes a task due at `at`, unless it is due sooner already. */
  scheduleTask(task: Task, at: string): Promise<void>;
  /**
   * Ends a run of a task: the next is due at `next` (none when there is nothing to do), unless someone
   * moved it meanwhile (then that earlier time stands). Releases the lease.
   */
  finishTask(task: Task, owner: string, claimedDueAt: string, next: string | undefined): Promise<void>;
  /** Makes a queued request due now (capacity freed up). */
  nudge(requestId: string, now: string): Promise<void>;
  /**
   * A queued request claimed by `owner` found no room: it looks again at `at`, unless a nudge made it due
   * while it looked (then it stays due now). Writes its due time and lease only, never the request.
   */
  recheckQueued(request: RequestIn<'queued'>, owner: string, at: string): Promise<void>;
}

/** CloudFront's capacity per distribution as the bot's records hold it: what is in flight, what waits. */
export interface Capacity {
  /** The requests in progress on a distribution, by the bot's own records. */
  inFlightRequests(distributionId: string): Promise<Array<RequestIn<'in_progress'>>>;
  /**
   * What the requests in progress on a distribution (all but `exceptId`) hold of CloudFront's capacity: the
   * same figure as summing `inFlightLoad` over inFlightRequests, read without the requests themselves.
   */
  inFlightLoad(distributionId: string, exceptId?: string): Promise<Load>;
  /** Every request queued for capacity on a distribution, oldest first. */
  queued(distributionId: string): Promise<QueuedRequest[]>;
}

/** Billed usage: the bot's submissions, and the invalidations reconciliation looked at (external ones count). */
export interface UsageLedger {
  /** Which of these invalidations of a distribution were looked at already (reconciliation). */
  seenInvalidations(distributionId: string, invalidationIds: string[]): Promise<Set<string>>;
  /** Records that an invalidation was looked at; an external one counts into usage. Idempotent. */
  markSeen(seen: SeenInvalidation): Promise<void>;
  /** Every billed submission of a UTC month, the bot's and (reconciled) external ones. */
  usageRows(month: string): Promise<UsageRow[]>;
  /** Paths submitted to CloudFront in a UTC month (`YYYY-MM`), the figure AWS bills. */
  monthPaths(month: string): Promise<number>;
}

/**
 * Which distributions reconciliation covers: every one of the account (ListDistributions answered), or
 * only the configured ones because the bot may not call ListDistributions (`denied`).
 */
export type DistributionListing =
  | {
      coverage: 'account';
      listedAt: string;
      distributions: DistributionSummary[];
      /** accounts whose ListDistributions was refused: only their configured distributions are counted */
      deniedAccounts?: string[];
    }
  | { coverage: 'configured'; listedAt: string; reason: 'denied' };

/**
 * How far reconciliation has read one distribution's invalidations. `watermark`: the CreateTime of the
 * newest invalidation when the last complete pass began (everything older was read then). `pass`: a pass
 * under way, begun when `newest` was the newest, to continue at `marker` (a ListInvalidations marker).
 */
export interface ReconcileProgress {
  watermark?: string;
  pass?: { newest?: string; marker: string };
}

/** What reconciliation keeps between runs, shared by every instance and the Lambda worker. */
export interface ReconcileState {
  /** The last listing of the account's distributions; undefined before the first. */
  listing(): Promise<DistributionListing | undefined>;
  saveListing(listing: DistributionListing): Promise<void>;
  progress(distributionId: string): Promise<ReconcileProgress>;
  saveProgress(distributionId: string, progress: ReconcileProgress): Promise<void>;
}

/** Reading requests back for people: listings and the audit export. */
export interface AuditQueries {
  /**
   * Recent requests, newest first, a page at a time: of one distribution, or one requester, or all (by
   * month of creation, starting at `month` and going back). `cursor` continues a previous page.
   */
  recentRequests(query: RecentQuery): Promise<{ requests: InvalidationRequest[]; cursor?: string }>;
  /** Every request created in a UTC month, with its audit events, oldest first. */
  requestsCreatedIn(month: string): AsyncIterable<StoredRequest>;
  /**
   * Every request created before the first of these UTC months (consecutive, oldest first) that had an
   * event recorded in one of them, with its audit events: each once, oldest first. Together with
   * requestsCreatedIn of the same months, every request with an event in them.
   */
  requestsActiveIn(months: readonly string[]): AsyncIterable<StoredRequest>;
  /** Every deploy proposal created in a UTC month, with its events, oldest first. */
  proposalsCreatedIn(month: string): AsyncIterable<StoredProposal>;
  /** Every request waiting for a decision now, in no particular order (who may decide is the caller's to say). */
  pendingApprovals(): Promise<Array<RequestIn<'pending_approval'>>>;
}

/** Where posting one period's digest stands: begun by a runner at `at` (it may have died), or done. */
export type DigestMarker = { state: 'posting'; at: string } | { state: 'posted' };

/** One marker per digest period (`DigestPeriod.key`), so each period's digest is posted once. */
export interface DigestMarkers {
  get(periodKey: string): Promise<DigestMarker | undefined>;
  /**
   * Writes `posting` at `at` if the period has no marker, or, with `replacing`, if its marker is still the
   * `posting` begun at that time (its runner died); `false` when another runner wrote first.
   */
  begin(periodKey: string, at: string, replacing?: string): Promise<boolean>;
  /** Marks the period's digest posted. */
  posted(periodKey: string): Promise<void>;
}

/** Whether the store answers; for the health check. */
export interface StoreHealth {
  ping(): Promise<void>;
}

/** What an earlier claim of an idempotency key named: the request it made, and its body's fingerprint. */
export interface KeyClaim {
  requestId: string;
  fingerprint: string;
}

/** What the HTTP API keeps per pipeline: idempotency keys, and its hourly request count. */
export interface PipelineLedger {
  /**
   * Claims `key` for `pipeline`, naming `requestId` and a `fingerprint` of the request body, in one conditional
   * write. When the key was claimed before (by any earlier call, even a concurrent one), returns what that
   * claim named instead; nothing is overwritten.
   */
  claimKey(input: {
    pipeline: string;
    key: string;
    requestId: string;
    fingerprint: string;
    at: string;
  }): Promise<{ claimed: true } | ({ claimed: false } & KeyClaim)>;
  /**
   * Counts one request in the pipeline's current UTC hour when fewer than `limit` were counted; otherwise
   * counts nothing and says how many seconds remain until the hour ends (for Retry-After, at least 1).
   */
  countHourly(
    pipeline: string,
    now: string,
    limit: number,
  ): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

/** Every store port, as one table provides them (wired into Services by src/compose/services.ts). */
export interface Stores {
  requests: Requests;
  refusals: Refusals;
  work: WorkQueue;
  capacity: Capacity;
  ledger: UsageLedger;
  reconcileState: ReconcileState;
  audit: AuditQueries;
  health: StoreHealth;
  counters: Counters;
  pipelineLedger: PipelineLedger;
  digestMarkers: DigestMarkers;
  proposals: Proposals;
}

/** What recording a batch of S3 events did: keys written, and events that changed nothing (stale or repeated). */
export interface RecordedEvents {
  recorded: number;
  unchanged: number;
}

/** A bucket's changes since its period began, as `claimQuiet` hands them over once. */
export interface SettledChanges {
  bucket: string;
  /** the period's number; `changesIn` reads it again */
  period: number;
  /** the time of the period's last write: the quiet began then */
  quietSince: string;
  /** each key once, by its last event */
  changes: KeyChange[];
}

/**
 * Where a bucket's current period stands: its number, and the time of its latest write while it holds
 * changes not yet claimed (`pending`).
 */
export interface OriginPeriod {
  period: number;
  pending: boolean;
  lastWriteAt?: string;
}

/**
 * S3 object changes per origin bucket, gathered into periods that end when writes have been quiet: any
 * number of processes record and claim at once, and each period is claimed once.
 */
export interface OriginChanges {
  /**
   * Records events (of any buckets, in any order, repeated): each key is kept once per period, by its last
   * event; an event older than the one kept, or kept already, changes nothing. Marks the bucket written at `now`.
   */
  record(events: readonly OriginEvent[], now: string): Promise<RecordedEvents>;
  /** The bucket's current period; undefined before its first event. */
  period(bucket: string): Promise<OriginPeriod | undefined>;
  /**
   * Hands over the bucket's changes when a write marked its period and none came in the last `settleMs`
   * before `now`, to exactly one of any number of callers, and begins a new period; undefined otherwise.
   * The changes may be none, when every event of the period was stale or recorded before.
   */
  claimQuiet(bucket: string, now: string, settleMs: number): Promise<SettledChanges | undefined>;
  /** The changes of a period, claimed or not (to post again a proposal whose poster died). */
  changesIn(bucket: string, period: number): Promise<KeyChange[]>;
}

/** A listing of an origin bucket under a prefix: each key's ETag, as ListObjectsV2 gave them. */
export interface OriginSnapshot {
  /** which save this is; a save names the one it replaces */
  generation: number;
  takenAt: string;
  /** absent when a losing save wrote over its shards: the next save takes a new baseline in its place */
  etags?: Map<string, string>;
}

/** The last listing of each origin bucket and prefix, for the comparison when no events are set up. */
export interface OriginSnapshots {
  /** The last saved listing; undefined before the first. */
  read(bucket: string, prefix: string): Promise<OriginSnapshot | undefined>;
  /**
   * Saves a listing in place of generation `replacing` (none: the first); `false` when another save came
   * first, which then stands.
   */
  save(
    bucket: string,
    prefix: string,
    listing: { etags: ReadonlyMap<string, string>; takenAt: string },
    replacing?: number,
  ): Promise<boolean>;
}

/** The stores of deploy-aware proposals, on the same table. */
export interface OriginStores {
  originChanges: OriginChanges;
  originSnapshots: OriginSnapshots;
}

/** What comparing an origin bucket's listing with the last one found. */
export type ListingComparison =
  /** no earlier listing readable whole: this one is kept as the baseline, nothing reported as changed */
  | { kind: 'baseline'; keys: number }
  | { kind: 'compared'; changes: ObjectChange[]; keys: number }
  /** another run saved a listing after this one read the last: that run reports the changes */
  | { kind: 'superseded' };

/**
 * An origin's objects without events: lists the bucket under a prefix (ListObjectsV2) and compares the
 * ETags with the last listing kept, keeping this one in its place.
 */
export interface OriginListings {
  compare(
    origin: { bucket: string; prefix: string; region?: string },
    now: string,
  ): Promise<ListingComparison>;
}

export type InvalidationStatus = 'InProgress' | 'Completed';

export interface InvalidationSummary {
  id: string;
  status: InvalidationStatus;
  createTime: string;
}

export interface InvalidationDetail extends InvalidationSummary {
  callerReference: string;
  paths: number;
}

/** CloudFront's word on one invalidation for a status answer, or the error code that kept it from us. */
export type LiveInvalidation = InvalidationDetail | { id: string; unavailable: string };

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

/**
 * ListDistributions was refused (AccessDenied) in some of the AWS accounts the config names and answered
 * in the others: `distributions` is what those listed. Reconciliation then counts every distribution of
 * the accounts that answered, and the configured ones of those that did not.
 */
export class PartialListingError extends CdnError {
  constructor(
    readonly distributions: DistributionSummary[],
    readonly deniedAccounts: string[],
    options?: { cause?: unknown },
  ) {
    super(
      'AccessDenied',
      'permanent',
      `ListDistributions was refused in account ${deniedAccounts.join(', ')}`,
      options,
    );
    this.name = 'PartialListingError';
  }
}

/** The CloudFront operations the bot needs, in its own terms. Throws CdnError. */
export interface Cdn {
  /**
   * CreateInvalidation; the same callerReference and paths return the existing invalidation. With
   * `tenantId`, CreateInvalidationForDistributionTenant: the tenant's invalidation on the multi-tenant
   * distribution `distributionId` (whose capacity it takes).
   */
  create(input: {
    distributionId: string;
    tenantId?: string;
    paths: string[];
    callerReference: string;
  }): Promise<{ invalidationId: string }>;
  /** Status of one invalidation (of the tenant, with `tenantId`). */
  status(input: {
    distributionId: string;
    tenantId?: string;
    invalidationId: string;
  }): Promise<InvalidationStatus>;
  /** A distribution's (or its tenant's) recent invalidations, newest first (first page): one call covers many. */
  recent(distributionId: string, tenantId?: string): Promise<InvalidationSummary[]>;
  /** One invalidation in full: who made it (CallerReference), how many paths, when. */
  describe(input: {
    distributionId: string;
    tenantId?: string;
    invalidationId: string;
  }): Promise<InvalidationDetail>;
  /** One page of a distribution's invalidations, newest first; `nextMarker` continues it, absent at the end. */
  invalidationsPage(distributionId: string, marker?: string, tenantId?: string): Promise<InvalidationPage>;
  /**
   * Every distribution of every account the config names (every ListDistributions page of each), those
   * of other accounts tagged with theirs; AccessDenied when one account does not allow it.
   */
  distributions(): Promise<DistributionSummary[]>;
  /**
   * What the bot needs of one distribution's configuration (GetDistributionConfig): the header its
   * origin names cache tags in, absent when cache tags are not set up. AccessDenied when not allowed.
   */
  distributionConfig(distributionId: string): Promise<{ cacheTagHeader?: string }>;
}

/** One page of ListInvalidations: summaries newest first, and where the next page starts. */
export interface InvalidationPage {
  items: InvalidationSummary[];
  nextMarker?: string;
}

/** A distribution of the account as ListDistributions describes it. */
export interface DistributionSummary {
  id: string;
  /** e.g. d111111abcdef8.cloudfront.net */
  domainName: string;
  /** its alternate domain names (CNAMEs) */
  aliases: string[];
  /** the AWS account it is in (core/accounts.ts), when not the bot's own: listed through a role */
  account?: string;
}

/**
 * A Slack post that failed. `ambiguous` means it may still have arrived (a timeout or a dropped
 * connection): look before posting again, and give a slow post time to land. `retryAfterMs` is Slack's
 * Retry-After on a 429.
 */
export class SlackPostError extends Error {
  constructor(
    message: string,
    readonly ambiguous: boolean,
    readonly retryAfterMs = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SlackPostError';
  }
}

export type PostError = 'not_in_channel' | 'channel_not_found' | 'is_archived';

/**
 * The request card in Slack and its thread. Rendering belongs to the adapter; use cases only say which
 * request to show. Methods throw on transient failure, after the client's own small retry policy.
 */
export interface Cards {
  /**
   * Posts the card for a new request; a channel the bot cannot post in is an expected outcome. With
   * `lookFirst`, an earlier attempt may have posted it already: the channel is checked before posting.
   */
  post(
    request: InvalidationRequest,
    options: { lookFirst: boolean },
  ): Promise<{ ok: true; card: Card } | { ok: false; error: PostError }>;
  /** Redraws the card from the request's current state (buttons, decision, status). */
  update(request: InvalidationRequest): Promise<void>;
  /** Posts a notice in the card's thread (completion, failure, reminder, still in progress). */
  notify(request: InvalidationRequest, kind: NoticeKind): Promise<void>;
  /** Whether that notice is already in the thread (a previous attempt may have reached Slack). */
  hasNotice(request: InvalidationRequest, kind: NoticeKind): Promise<boolean>;
  /** Posts a budget's 50% or 80% warning in the card's thread (usecases/budget-warnings.ts). */
  warnBudget(request: InvalidationRequest, crossing: BudgetCrossing): Promise<void>;
  /** A link to the posted card, for people outside Slack (the HTTP API); undefined when Slack gives none. */
  permalink(card: Card): Promise<string | undefined>;
  /** Posts a deploy proposal's card, as `post` does a request's (with `lookFirst`, after looking for it). */
  postProposal(
    proposal: Proposal,
    options: { lookFirst: boolean },
  ): Promise<{ ok: true; card: Card } | { ok: false; error: PostError }>;
  /** Redraws a proposal's card from its current state. */
  updateProposal(proposal: Proposal): Promise<void>;
}

/** The usage digest in its Slack channel. Methods throw on failure (a post may then have landed). */
export interface DigestChannel {
  post(channel: string, figures: DigestFigures): Promise<void>;
  /** Whether this period's digest is in the channel already, looking at messages since `since`. */
  find(channel: string, periodKey: string, since: string): Promise<boolean>;
}

/** Who is on call in a schedule, as Slack users, or why that could not be read (in words, never a key). */
export type OnCallAnswer = { ok: true; users: string[] } | { ok: false; reason: string };

/**
 * Who is on call now in a PagerDuty or Opsgenie schedule, as Slack users (matched by email). The people
 * on call are never cached for a decision; only the email → Slack user mapping is.
 */
export interface OnCallDirectory {
  /**
   * Asks the schedule's service after the call was made (joining a lookup sent moments before, so clicks
   * that arrive together share one): what grants a decision.
   */
  confirm(schedule: OnCallSchedule): Promise<OnCallAnswer>;
  /** An answer up to a minute old: what a card, a reminder or the Home tab shows. Never grants a decision. */
  snapshot(schedule: OnCallSchedule): Promise<OnCallAnswer>;
}

/** What Slack said of a user group's members when asked for a decision, or why it said nothing. */
export type ConfirmedMembers = { ok: true; members: string[] } | { ok: false; reason: string };

/** Resolves a Slack user group to its members; undefined when it cannot be resolved (the log says why). */
export interface ApproverDirectory {
  /**
   * Cached members, for what may lag a little: who may request, what a card names, why someone was
   * refused. `refresh` asks Slack again (at most once per short interval per group). Never grants a decision.
   */
  members(usergroup: string, options?: { refresh?: boolean }): Promise<string[] | undefined>;
  /**
   * Members by a `usergroups.users.list` call still in flight or started by this one, never by a finished
   * one: what grants a decision. Calls that come together share one lookup. `reason` is Slack's error
   * code, or `unreachable`.
   */
  confirm(usergroup: string): Promise<ConfirmedMembers>;
}

/** A counter's figures: the amount reserved or used in it, and how many holders took part. */
export interface CounterFigures {
  amount: number;
  holders: number;
}

/** What a reservation may not take a counter past; an unset limit does not apply. */
export interface CounterLimits {
  amount?: number;
  holders?: number;
}

/**
 * The outcome of a reservation: taken (with the figures just before it, so concurrent holders each see
 * their own place in line), or refused because it would cross a limit (`limit`) or because the counter
 * keeps as many open holders as it can (`full`), with the figures as they stand.
 */
export type Reservation =
  | { ok: true; before: CounterFigures }
  | { ok: false; reason: 'limit' | 'full'; current: CounterFigures };

/**
 * Named counters that holders (requests) reserve amounts in, for budgets and rate limits: a month's paths,
 * a requester's hour. Every change is one conditional write on the counter, idempotent per holder: a
 * repeated reserve, release or commit of the same holder changes nothing, so a retry never counts twice.
 * A reservation is open until it is released (given back) or committed (it becomes usage for good).
 */
export interface Counters {
  /** Reserves `amount` for `holder`, only if the counter stays within `limits`; without limits it always fits. */
  reserve(scope: string, holder: string, amount: number, limits?: CounterLimits): Promise<Reservation>;
  /** Gives an open reservation back; `false` when the holder has none open (released or committed already). */
  release(scope: string, holder: string, amount: number): Promise<boolean>;
  /** Makes an open reservation usage for good; `false` when the holder has none open. */
  commit(scope: string, holder: string, amount: number): Promise<boolean>;
  /**
   * Changes an open reservation's amount by `delta` (a request whose paths changed before submission);
   * `false` when the holder has none open. Not idempotent: the caller applies it once, after the saved
   * change it follows, so a crash in between leaves the larger figure (the strict side).
   */
  adjust(scope: string, holder: string, delta: number): Promise<boolean>;
  /** What a counter holds now, reserved and committed together (zero for a counter never written). */
  figures(scope: string): Promise<CounterFigures>;
}

export interface Clock {
  now(): string;
}

export interface Ids {
  requestId(): string;
  /** identifies one recorded refusal (`REF-…`) */
  refusalId(): string;
  random(): number;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Numbers for dashboards and alarms, written as CloudWatch metrics (src/adapters/system/emf-metrics.ts).
 * Names are CloudWatch metric names, kept in one table with the alarms on them (worker-metrics.ts).
 */
export interface Metrics {
  /** adds `n` (default 1) to a count, e.g. of submissions CloudFront accepted that could not be saved */
  count(name: string, n?: number): void;
  /** records an age or duration in seconds, e.g. how long the oldest due work has waited */
  seconds(name: string, value: number): void;
  /** writes what was recorded since the last flush; nothing when nothing was */
  flush(): void;
}

/**
 * Who makes the Slack calls that follow a recorded change (posting a new request's card, redrawing it after
 * a denial or a cancellation): `caller`, right after answering Slack (the server); or `worker`, woken with
 * the work recorded as due (the Lambda handler, whose answer leaves only once every listener is done).
 */
export type FollowUps = 'caller' | 'worker';

/** Everything a use case may touch, wired once in src/compose/. */
export interface Services extends Stores, OriginStores {
  cdn: Cdn;
  /** which distribution a URL's host names, and which distributions take cache tags: read from CloudFront, cached */
  facts: DistributionFacts;
  /** listing comparisons of origin buckets without events; absent, such buckets are not watched */
  originListings?: OriginListings;
  /**
   * `eventbridge`: every origin bucket's events reach this process through EventBridge (the Lambda worker,
   * whose stack routes them there), so none is listed
   */
  originEvents?: 'eventbridge';
  cards: Cards;
  digests: DigestChannel;
  directory: ApproverDirectory;
  /** who is on call in the approvers' schedules; absent, on-call approvers are never granted */
  onCall?: OnCallDirectory;
  clock: Clock;
  ids: Ids;
  logger: Logger;
  metrics: Metrics;
  policy: PolicyConfig;
  /** polling, leases, caches and reconciliation: how the work runs, apart from what the policy allows */
  operations: OperationsConfig;
  /** identifies this process in work leases */
  workerId: string;
  /** asks the work loop to run now, because a step just became due */
  wake(): void;
  /**
   * Hands a request this process holds the lease of (written with its last save) to the work loop, which
   * runs its next step at `at` (at once without it) without looking for it. Absent where no loop runs in
   * the process (the Lambda handlers): the writer then leaves the request due and calls `wake`.
   */
  take?(request: InvalidationRequest, at?: string): void;
}

import { createHash } from 'node:crypto';

/**
 * The single table's items, keys and indexes in one place; schema.ts builds the table definition (which
 * the CDK stack reads too) from these names.
 *
 * Request item      pk = REQ#<id>   sk = REQUEST
 *   request         the request as the core models it (a map), source of truth for its state
 *   events          its audit events, appended in the same conditional write as each state change
 *   version         incremented on every write; every write is conditional on the version read
 *   duePk, dueAt    present only while work is due: the sparse `due` index is the work queue
 *   leaseOwner, leaseUntil   a worker's claim on the due work
 *   monthPk, createdSk       `byMonth`: recent requests, newest first, by UTC month of creation
 *   distPk, userPk           `byDistribution`, `byRequester`: the same, per distribution or requester
 *   usagePk, usageSk, usagePaths   `usage`: present once submitted; month-to-date paths as AWS bills them
 *   flightPk, flightPaths, flightWildcards   `inFlight`: present while in progress; what to poll, capacity in use
 *   queuePk, queuePaths, queueWildcards, queueRequester, queueTurn   `queue`: present while queued for
 *                   capacity; oldest first, read whole to put it in admission order (core/queue-order.ts)
 *   refusalsKept, refusalKeys   refused clicks kept in `events` (at most REFUSALS_KEPT_PER_REQUEST) and their keys;
 *                               written on their own, never touching `request` or `version`
 *   refusalsNotKept, lastRefusalNotKept, lastRefusalNotKeptAt   refused clicks beyond those: how many, the last
 *
 * Side flight      pk = REQ#<id>   sk = FLIGHT#<distribution id>   (side-flights.ts)
 *   flightPk, flightPaths, flightWildcards, createdSk   a request in flight on several distributions counts
 *                   in the `inFlight` index of its first one through its own item, and of each further one
 *                   through one of these; they leave the index (flightPk removed) once it has nothing open
 *                   there. Same pk as the request, so `exceptId` leaves them out of its own load too
 *   requestVersion  the request's version they follow: an older writer never overwrites a newer one's
 *
 * Refused command  pk = REFUSAL#<YYYY-MM>   sk = <at>#<refusal id>
 *   refusal         who, where, which distribution, why, and the command text (cut); one partition per UTC
 *                   month, read in order by the audit export (refusals are rare, so one partition keeps up)
 *
 * Activity marker  pk = ACTIVITY#<YYYY-MM>   sk = <request createdAt>#<request id>
 *   requestId       the request that had an audit event recorded in that UTC month, though created in an
 *                   earlier one; put (only if absent) before the event is written, so the audit export of
 *                   a period finds every event in it by reading the requests created in it plus those its
 *                   markers name (activity-markers.ts). The sort key orders them by creation, as `byMonth` does.
 *
 * Task item         pk = TASK#<kind>#<distribution id>   sk = TASK   (kind: poll | reconcile | digest; the
 *                    one digest task has `-` for a distribution id)
 *   duePk, dueAt     when the task next runs (a poll: one ListInvalidations call for the distribution), in
 *                    the requests' DUE partition but written `!<time>`: `!` sorts before every time, so
 *                    tasks come first in the one query of due work and no backlog of requests crowds them
 *                    out
 *   taskDueAt        the same time alone, a non-key attribute the query's filter can read: tasks not due
 *                    yet are left out of its answer. Tasks written by earlier versions (due `<time>` in DUE,
 *                    or in a DUE#TASK partition of their own) are still read (work-queue.ts)
 *   leaseOwner, leaseUntil   a worker's claim on that run
 *
 * Counter item      pk = COUNTER#<scope>   sk = COUNTER   (counters.ts; scopes in core/reservations.ts)
 *   amount, holders  reserved or used in the scope (a month's paths, a requester's hour) and by how many
 *   open             string set of the holders (request ids) whose reservation is open: what makes a
 *                    retried reserve, release or commit a no-op; at most MAX_OPEN_HOLDERS (the 400 KB limit)
 *   committed        the part of `amount` that became usage (submitted), for information
 *
 * Seen invalidation  pk = INV#<distribution id>#<invalidation id>   sk = SEEN
 *   external         true for an invalidation the bot did not make; it then carries the usage attributes
 *
 * Distribution listing  pk = RECONCILE#LISTING   sk = LISTING
 *   coverage, listedAt, distributions | reason   the account's distributions as ListDistributions last gave
 *                    them, or `configured` with `denied` when the bot may not call it (reconcile-state.ts);
 *                    with several accounts, `deniedAccounts` names those that refused it while others answered
 *
 * Reconcile progress  pk = RECONCILE#<distribution id>   sk = PROGRESS
 *   watermark        CreateTime of the newest invalidation when the last complete pass began
 *   passNewest, passMarker   a pass under way: the newest when it began, and the page to continue at
 *
 * Idempotency key   pk = PIPELINE#<pipeline name>   sk = KEY#<key>, or KEYHASH#<hex SHA-256 of a long key>
 *   requestId, fingerprint, claimedAt   what the first claim of the key named (pipeline-ledger.ts); never
 *                    overwritten
 *
 * Pipeline hour     pk = PIPELINE#<pipeline name>   sk = HOUR#<YYYY-MM-DDTHH>   (UTC)
 *   n                how many requests the pipeline made in that hour, for its `requestsPerHour`
 *
 * Digest marker     pk = DIGEST#<period key>   sk = DIGEST   (period key: weekly#<Monday> | monthly#<YYYY-MM>)
 *   state, at        `posting` since `at`, or `posted` (digest-markers.ts): each period's digest goes out once
 *
 * Proposal item     pk = PROPOSAL#<id>   sk = PROPOSAL   (proposals.ts; core/proposal.ts)
 *   proposal         the deploy proposal as the core models it; events, its audit events (as a request's)
 *   version          incremented on every write; every write is conditional on the version read
 *   duePk, dueAt, leaseOwner, leaseUntil   as a request's: in the due index while a step is due (its card's
 *                    post, its expiry, a redraw), under a worker's lease while one works on it
 *   monthPk, createdSk   `byMonth` under PROPOSALS#<YYYY-MM> (UTC month of creation), `<createdAt>#<id>`: the
 *                    audit export lists a month's proposals there, apart from its requests (MONTH#<YYYY-MM>)
 */
const TASK_DUE_PREFIX = '!';

/**
 * The longest idempotency key kept as it is in a sort key, in UTF-8 bytes: a sort key holds at most 1,024
 * bytes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). A longer key
 * is kept as its SHA-256, under another prefix, so no key as given can collide with a hashed one.
 */
export const MAX_PLAIN_KEY_BYTES = 512;

function idempotencyKeySk(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= MAX_PLAIN_KEY_BYTES) return `KEY#${key}`;
  return `KEYHASH#${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export const Keys = {
  request: (id: string) => ({ pk: `REQ#${id}`, sk: 'REQUEST' }),
  proposal: (id: string) => ({ pk: `PROPOSAL#${id}`, sk: 'PROPOSAL' }),
  proposalSk: 'PROPOSAL',
  sideFlight: (id: string, distributionId: string) => ({ pk: `REQ#${id}`, sk: `FLIGHT#${distributionId}` }),
  sideFlightPrefix: 'FLIGHT#',
  task: (kind: string, distributionId: string) => ({ pk: `TASK#${kind}#${distributionId}`, sk: 'TASK' }),
  taskSk: 'TASK',
  digest: (periodKey: string) => ({ pk: `DIGEST#${periodKey}`, sk: 'DIGEST' }),
  counter: (scope: string) => ({ pk: `COUNTER#${scope}`, sk: 'COUNTER' }),
  seen: (distributionId: string, invalidationId: string) => ({
    pk: `INV#${distributionId}#${invalidationId}`,
    sk: 'SEEN',
  }),
  listing: { pk: 'RECONCILE#LISTING', sk: 'LISTING' },
  progress: (distributionId: string) => ({ pk: `RECONCILE#${distributionId}`, sk: 'PROGRESS' }),
  duePartition: 'DUE',
  /** A task's due time in the due index: ahead of every request's, so a backlog of requests never hides it. */
  taskDue: (at: string) => `${TASK_DUE_PREFIX}${at}`,
  taskDuePrefix: TASK_DUE_PREFIX,
  /** where earlier versions kept due tasks; read once per process and moved to the DUE partition */
  olderTaskPartition: 'DUE#TASK',
  month: (month: string) => `MONTH#${month}`,
  proposalMonth: (month: string) => `PROPOSALS#${month}`,
  distribution: (distributionId: string) => `DIST#${distributionId}`,
  requester: (userId: string) => `USER#${userId}`,
  usage: (month: string) => `USAGE#${month}`,
  inFlight: (distributionId: string) => `FLIGHT#${distributionId}`,
  queue: (distributionId: string) => `QUEUE#${distributionId}`,
  refusal: (month: string, at: string, refusalId: string) => ({
    pk: `REFUSAL#${month}`,
    sk: `${at}#${refusalId}`,
  }),
  refusals: (month: string) => `REFUSAL#${month}`,
  activity: (month: string, createdAt: string, requestId: string) => ({
    pk: `ACTIVITY#${month}`,
    sk: `${createdAt}#${requestId}`,
  }),
  activities: (month: string) => `ACTIVITY#${month}`,
  idempotencyKey: (pipeline: string, key: string) => ({
    pk: `PIPELINE#${pipeline}`,
    sk: idempotencyKeySk(key),
  }),
  /** `hour`: YYYY-MM-DDTHH, in UTC */
  pipelineHour: (pipeline: string, hour: string) => ({ pk: `PIPELINE#${pipeline}`, sk: `HOUR#${hour}` }),
} as const;

export const Indexes = {
  due: 'due',
  byMonth: 'byMonth',
  byDistribution: 'byDistribution',
  byRequester: 'byRequester',
  usage: 'usage',
  inFlight: 'inFlight',
  queue: 'queue',
} as const;

import { requestBatches } from './capacity.js';
import {
  isHashedName,
  MAX_CHOICES,
  MAX_OFFERED_PREFIX,
  MAX_WILDCARD_OFFERS,
  wildcardOffers,
} from './cheaper.js';
import { itemBytes, MAX_ITEM_BYTES, utf8Bytes, valueBytes } from './item-size.js';
import { isWildcard } from './paths.js';
import type { Approvers } from './policy.js';
import { REFUSALS_KEPT_PER_REQUEST } from './refusals.js';
import type { Batch, Distribution, PathNotes } from './request/model.js';
import { FAILURE_MESSAGE_MAX_LENGTH } from './request/submission.js';

/** What a request's size depends on, known before anything is recorded. */
export interface RequestSizeInput {
  distribution: Distribution;
  /** the final paths, encoded */
  paths: readonly string[];
  notes: PathNotes;
  reason?: string;
  approvers: Approvers;
}

/**
 * The longest deny reason the Deny modal accepts (its `max_length`; Slack enforces it). Slack counts
 * characters, so each may take up to 4 bytes.
 */
export const DENY_REASON_MAX_LENGTH = 500;

/**
 * Room for fields a later version may add to a request item (a budget reservation, a new approval rule,
 * an audit detail): a request accepted today must still fit after an upgrade.
 */
export const ROOM_FOR_LATER_FIELDS = 8 * 1024;

/**
 * Whether a request can ever be offered a cheaper form, and so gather the fields and events of choices: a
 * choice only takes paths away, so a request offered nothing when it is made is never offered anything.
 */
function offerable(paths: readonly string[]): boolean {
  return wildcardOffers(paths).length > 0 || paths.some(isHashedName);
}

/** The fields of a request offered cheaper forms, at their largest. */
function choiceFields() {
  return {
    choiceWaitMs: NUMBER,
    choiceUntil: AT,
    countdownFrom: AT,
    revision: NUMBER,
    savings: { paths: NUMBER, usd: NUMBER },
    offers: {
      wildcards: Array.from({ length: MAX_WILDCARD_OFFERS }, () => ({
        wildcard: OFFERED_WILDCARD,
        replaces: NUMBER,
        savesUsd: NUMBER,
        needsApproval: true,
      })),
      hashed: NUMBER,
    },
  };
}

/** A wildcard a card offers, at its longest (its prefix comes from the request's paths, encoded to ASCII). */
const OFFERED_WILDCARD = `${'X'.repeat(MAX_OFFERED_PREFIX)}*`;

/** Generous lengths for values only known later: Slack and CloudFront ids, timestamps, worker names. */
const ID = 'X'.repeat(32);
const REQUEST_ID = 'INV-XXXXXXXXXX';
const AT = '0000-00-00T00:00:00.000Z';
const WORKER = 'X'.repeat(128);

const NUMBER = -0.12345678901234568;
/** A failure's message, cut to FAILURE_MESSAGE_MAX_LENGTH characters of up to 4 bytes each. */
const FAILURE_MESSAGE = 'X'.repeat(FAILURE_MESSAGE_MAX_LENGTH * 4);
/** CloudFront invalidation ids are 14 characters (e.g. I2J0I21PCUYOIK); counted as 32. */
const INVALIDATION_ID_BYTES = 32;

/**
 * The most bytes the request's DynamoDB item can ever take, at its largest: every field any status
 * adds, every audit event it can gather (refusals up to REFUSALS_KEPT_PER_REQUEST, a denial with the
 * longest reason, a submitted event per batch), the index attributes, and ROOM_FOR_LATER_FIELDS. Each
 * path counts once in the request and again in the approval's wildcard rule if it is a wildcard; the
 * batches refer to them by position. A request whose bound passes MAX_ITEM_BYTES is refused before it is
 * recorded, so no save along its life can fail for its size.
 */
export function largestRequestBytes(input: RequestSizeInput): number {
  // every distribution's batches (an alias with `ids` has one set per distribution, each naming its own)
  const batches = requestBatches({ id: REQUEST_ID, distribution: input.distribution, paths: input.paths });
  const wildcards = input.paths.filter(isWildcard);
  const item = largestItemWithoutSubmissions(input, wildcards);
  return (
    itemBytes(item) +
    batchesBytes(input.paths.length, batches) +
    submittedEventsBytes(batches.length) +
    ROOM_FOR_LATER_FIELDS
  );
}

/** Whether a request of this size can be recorded and carried to its end. */
export function fitsInOneItem(input: RequestSizeInput): boolean {
  return largestRequestBytes(input) <= MAX_ITEM_BYTES;
}

function largestItemWithoutSubmissions(input: RequestSizeInput, wildcards: readonly string[]) {
  const { distribution } = input;
  const reason = input.reason;
  const denyReason = 'X'.repeat(DENY_REASON_MAX_LENGTH * 4);
  const cost = {
    paths: NUMBER,
    usedBefore: NUMBER,
    freePerMonth: NUMBER,
    freeRemaining: NUMBER,
    billable: NUMBER,
    costUsd: NUMBER,
    budgetPaths: NUMBER,
  };
  const rules = [
    { rule: 'always' },
    { rule: 'wildcard', paths: wildcards },
    { rule: 'root_wildcard' },
    { rule: 'above_paths', count: NUMBER, limit: NUMBER },
    { rule: 'above_usd', costUsd: NUMBER, limit: NUMBER },
    { rule: 'past_free_allowance', usedBefore: NUMBER, free: NUMBER },
    { rule: 'over_budget', usedAfter: NUMBER, budget: NUMBER },
  ];
  const request = {
    id: REQUEST_ID,
    version: NUMBER,
    distribution,
    paths: input.paths,
    reason,
    requester: ID,
    channel: ID,
    createdAt: AT,
    approval: {
      required: true,
      rules,
      approvers: input.approvers,
      selfApproval: true,
      groupUnresolved: true,
    },
    cost,
    notes: input.notes,
    card: { channel: ID, ts: ID },
    attempts: NUMBER,
    dueAt: AT,
    outbox: { kind: 'reminder', tries: NUMBER },
    noticesSent: ['completed', 'failed', 'denied', 'expired', 'cancelled', 'reminder', 'slow'],
    status: 'pending_approval',
    expiresAt: AT,
    remindAt: AT,
    decision: { outcome: 'approved', by: ID, at: AT, reason: denyReason },
    queue: { code: 'too_many_in_progress', inFlightPaths: NUMBER, inFlightWildcards: NUMBER },
    queuedAt: AT,
    batches: [],
    submittedAt: AT,
    completedAt: AT,
    failure: { code: ID, message: FAILURE_MESSAGE, at: AT },
    expiredAt: AT,
    timeoutMs: NUMBER,
    cancelledBy: ID,
    cancelledAt: AT,
    ...(offerable(input.paths) ? choiceFields() : {}),
  };
  const event = (type: string, details: Record<string, unknown>, key = type) => ({
    requestId: REQUEST_ID,
    type,
    key,
    at: AT,
    actor: ID,
    details,
  });
  const refusalKey = (n: number) => `refused#${ID}${n}`;
  const refusals = Array.from({ length: REFUSALS_KEPT_PER_REQUEST }, (_, n) =>
    event('refused', { action: 'approve', refusal: 'approvers_unresolved' }, refusalKey(n)),
  );
  const events = [
    event('requested', {
      distribution: distribution.alias,
      distributionId: distribution.id,
      paths: NUMBER,
      approvalRequired: true,
      billablePaths: NUMBER,
      costUsd: NUMBER,
      reason,
    }),
    event('approved', { automatic: true }),
    event('denied', { reason: denyReason }),
    event('undeliverable', { code: ID }),
    event('expired', { expiresAt: AT }),
    event('cancelled', {}),
    event('queued', { reason: 'too_many_in_progress' }),
    event('completed', { durationMs: NUMBER }),
    event('failed', { code: ID, message: FAILURE_MESSAGE }),
    event('reminder_sent', { kind: 'reminder' }, 'reminder_sent:reminder'),
    ...['completed', 'failed', 'denied', 'expired', 'cancelled', 'slow'].map((kind) =>
      event('notice_sent', { kind }, `notice_sent:${kind}`),
    ),
    ...refusals,
    ...Array.from({ length: offerable(input.paths) ? MAX_CHOICES : 0 }, (_, n) =>
      event(
        'changed',
        {
          choice: 'drop_hashed',
          wildcard: OFFERED_WILDCARD,
          pathsBefore: NUMBER,
          pathsAfter: NUMBER,
          savedPaths: NUMBER,
          savedUsd: NUMBER,
          approvalRequired: true,
        },
        `changed#${n + 1}`,
      ),
    ),
  ];
  const keyed = (prefix: string) => `${prefix}${ID}`;
  return {
    pk: keyed('REQ#'),
    sk: 'REQUEST',
    request,
    events,
    version: NUMBER,
    status: 'pending_approval',
    duePk: keyed('DUE#'),
    dueAt: AT,
    leaseOwner: WORKER,
    leaseUntil: AT,
    monthPk: keyed('MONTH#'),
    createdSk: `${AT}#${REQUEST_ID}`,
    distPk: `DIST#${distribution.id}`,
    userPk: keyed('USER#'),
    usagePk: keyed('USAGE#'),
    usageSk: `${AT}#${REQUEST_ID}`,
    usagePaths: NUMBER,
    distributionId: distribution.id,
    requester: ID,
    flightPk: `FLIGHT#${distribution.id}`,
    flightPaths: NUMBER,
    flightWildcards: NUMBER,
    queuePk: `QUEUE#${distribution.id}`,
    queuePaths: NUMBER,
    queueWildcards: NUMBER,
    refusalsKept: NUMBER,
    refusalKeys: new Set(refusals.map((refusal) => refusal.key)),
    refusalsNotKept: NUMBER,
    lastRefusalNotKept: refusalKey(0),
    lastRefusalNotKeptAt: AT,
  };
}

/**
 * The request's batches (their list itself is counted with the request): positions, never paths, each
 * with its invalidation id at its longest and, past the first distribution, the distribution it goes to.
 */
function batchesBytes(pathCount: number, batches: readonly Batch[]): number {
  let bytes = 0;
  for (const batch of batches) {
    const largest = {
      ...batch,
      start: pathCount,
      end: pathCount,
      invalidationId: 'X'.repeat(INVALIDATION_ID_BYTES),
      completed: false,
    };
    bytes += 1 + valueBytes(largest);
  }
  return bytes;
}

/**
 * Batches submitted one at a time make one `submitted` event each, the k-th listing the k invalidation
 * ids sent so far: B batches give at most B events and B(B+1)/2 ids.
 */
function submittedEventsBytes(batchCount: number): number {
  const event = {
    requestId: REQUEST_ID,
    type: 'submitted',
    key: `submitted:${batchCount}`,
    at: AT,
    details: { invalidationIds: [], paths: NUMBER, distributionId: ID },
  };
  const ids = (batchCount * (batchCount + 1)) / 2;
  return batchCount * (1 + valueBytes(event)) + ids * (1 + INVALIDATION_ID_BYTES);
}

const NO_NOTES: PathNotes = { encoded: [], duplicates: [], covered: [] };

/**
 * How to split paths that do not fit: `requests` requests of at most `pathsEach` paths. The variable part
 * of the bound grows with the paths about linearly, so a first share is sized by the paths' share of it
 * (notes included); then it shrinks until the longest paths of that many fit on their own.
 */
export function splitAdvice(input: RequestSizeInput): { requests: number; pathsEach: number } {
  const count = input.paths.length;
  const fixed = largestRequestBytes({ ...input, paths: [], notes: NO_NOTES });
  const variable = Math.max(1, largestRequestBytes(input) - fixed);
  let pathsEach = Math.min(count, Math.max(1, Math.floor((count * (MAX_ITEM_BYTES - fixed)) / variable)));
  const longestFirst = [...input.paths].sort((a, b) => utf8Bytes(b) - utf8Bytes(a));
  const fits = (n: number) => fitsInOneItem({ ...input, paths: longestFirst.slice(0, n), notes: NO_NOTES });
  while (pathsEach > 1 && !fits(pathsEach)) pathsEach = Math.floor(pathsEach * 0.9);
  return { requests: Math.ceil(count / pathsEach), pathsEach };
}

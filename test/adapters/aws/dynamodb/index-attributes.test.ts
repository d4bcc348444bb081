import { describe, expect, it } from 'vitest';
import { indexAttributes } from '../../../../src/adapters/aws/dynamodb/index-attributes.js';
import { previewCost } from '../../../../src/core/cost.js';
import { type Batch, createRequest, type InvalidationRequest } from '../../../../src/core/request.js';

const AT = '2026-05-04T10:00:00.000Z';
const DUE = '2026-05-04T10:05:00.000Z';
const DISTRIBUTION = { alias: 'web', id: 'E2ABCDEF123XYZ' };
const card = { channel: 'C0DEPLOY', ts: '1.000100' };
const decision = { outcome: 'approved', by: 'U0LEAD', at: AT } as const;
const failure = { code: 'AccessDenied', message: 'no', at: AT };
const { request: made } = createRequest({
  id: 'INV-0000000001',
  distribution: DISTRIBUTION,
  paths: ['/a.html', '/img/*', '/css/*'],
  requester: 'U0DEV',
  channel: card.channel,
  createdAt: AT,
  approval: { required: false, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
  cost: previewCost(3, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
});
const base = { ...made, dueAt: DUE };
const { dueAt: _settled, ...done } = made;
// Two batches: the first (one plain path, one wildcard) submitted, the second not yet.
const batches: Batch[] = [
  { callerReference: made.id, start: 0, end: 2, invalidationId: 'I1', completed: false },
  { callerReference: `${made.id}-2`, start: 2, end: 3, completed: false },
];
const submitted = { decision, batches, submittedAt: '2026-05-31T23:59:00.000Z' };

/** One request in every status, and the sparse indexes its item must be in. */
const cases: Array<[InvalidationRequest, string[]]> = [
  [{ ...base, status: 'new' }, ['due']],
  [{ ...base, status: 'pending_approval', card, expiresAt: DUE, remindAt: DUE }, ['due']],
  [{ ...base, status: 'approved', decision }, ['due']],
  [
    { ...base, status: 'queued', decision, queue: { code: 'behind_older' }, queuedAt: AT, turn: 2 },
    ['due', 'queue'],
  ],
  [{ ...base, status: 'in_progress', ...submitted }, ['due', 'inFlight', 'usage']],
  [{ ...done, status: 'completed', ...submitted, completedAt: DUE }, ['usage']],
  [{ ...done, status: 'denied', decision }, []],
  [{ ...done, status: 'failed', decision, failure }, []],
  [{ ...done, status: 'undeliverable', failure }, []],
  [{ ...done, status: 'expired', card, expiredAt: DUE }, []],
  [{ ...done, status: 'cancelled', card, cancelledBy: 'U0DEV', cancelledAt: DUE }, []],
];

const INDEX_KEYS: Record<string, string[]> = {
  due: ['duePk', 'dueAt'],
  inFlight: ['flightPk', 'flightPaths', 'flightWildcards'],
  queue: ['queuePk', 'queuePaths', 'queueWildcards', 'queueRequester', 'queueTurn'],
  usage: ['usagePk', 'usageSk', 'usagePaths', 'distributionId', 'requester'],
};

describe('the index attributes a request’s status implies', () => {
  it.each(cases.map(([request, indexes]) => [request.status, request, indexes] as const))(
    '%s: in exactly the expected sparse indexes, out of the others',
    (_status, request, indexes) => {
      const { set, remove } = indexAttributes(request);
      const inIndexes = Object.keys(INDEX_KEYS).filter((index) =>
        INDEX_KEYS[index]?.every((name) => name in set),
      );
      expect(inIndexes).toEqual(indexes);
      // Billed usage stays once written; every other index the request is not in is left.
      const left = Object.keys(INDEX_KEYS).filter((index) => index !== 'usage' && !indexes.includes(index));
      expect(remove.sort()).toEqual(left.flatMap((index) => INDEX_KEYS[index] ?? []).sort());
    },
  );

  it('holds what the request takes of capacity, in the queue and in flight', () => {
    const queued = cases[3]?.[0];
    const inProgress = cases[4]?.[0];
    expect(queued && indexAttributes(queued).set).toMatchObject({
      queuePk: `QUEUE#${DISTRIBUTION.id}`,
      queuePaths: 3,
      queueWildcards: 2,
      queueRequester: 'U0DEV',
      queueTurn: 2,
    });
    // In flight: the submitted batch only. Billed: its paths, in the month it was submitted.
    expect(inProgress && indexAttributes(inProgress).set).toMatchObject({
      flightPk: `FLIGHT#${DISTRIBUTION.id}`,
      flightPaths: 2,
      flightWildcards: 1,
      usagePk: 'USAGE#2026-05',
      usageSk: `2026-05-31T23:59:00.000Z#${made.id}`,
      usagePaths: 2,
    });
  });
});

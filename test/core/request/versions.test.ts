import { describe, expect, it } from 'vitest';
import {
  applyDecision,
  batchesFor,
  cancel,
  cardPosted,
  expire,
  failed,
  type InvalidationRequest,
  moreSubmitted,
  noticeSent,
  noticeTried,
  polled,
  queue,
  type RequestIn,
  reminderDue,
  retryLater,
  submitted,
  type Transition,
  undeliverable,
  watchdog,
} from '../../../src/core/request.js';
import {
  approved,
  CAPACITY,
  CARD,
  completed,
  created,
  DECIDED,
  DONE,
  deepFrozen,
  failedRequest,
  ID,
  inProgress,
  manyPaths,
  NO_APPROVAL,
  POLL,
  POLLED,
  POSTED,
  partlySubmitted,
  pending,
  QUEUE_RETRY_MS,
  queued,
  REMIND,
  reminding,
  SLOW,
  SUBMITTED,
  slowlyInProgress,
  TIMEOUT_MS,
  WATCHDOG,
  withIds,
} from './fixtures.js';

describe('versions', () => {
  type Step = () => { before: InvalidationRequest; run: () => InvalidationRequest };

  /** Builds the input deep-frozen, so that writing to it throws as well as showing in the comparison. */
  function step<R extends InvalidationRequest>(
    name: string,
    build: () => R,
    apply: (request: R) => Transition | InvalidationRequest,
  ): [string, Step] {
    return [
      name,
      () => {
        const before = deepFrozen(build());
        return {
          before,
          run: () => {
            const result = apply(before);
            return 'request' in result ? result.request : result;
          },
        };
      },
    ];
  }

  const steps: Array<[string, Step]> = [
    step('cardPosted to pending', created, (r) => cardPosted(r, CARD, POSTED, TIMEOUT_MS)),
    step(
      'cardPosted to approved',
      () => created({ approval: NO_APPROVAL }),
      (r) => cardPosted(r, CARD, POSTED, TIMEOUT_MS),
    ),
    step('undeliverable', created, (r) => undeliverable(r, 'not_in_channel', POSTED)),
    step('reminderDue', pending, (r) => reminderDue(r, REMIND)),
    step('decide approve', reminding, (r) =>
      applyDecision(r, { outcome: 'approved', by: 'U0LEAD' }, DECIDED),
    ),
    step('decide deny', reminding, (r) =>
      applyDecision(r, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED),
    ),
    step('expire', reminding, (r) => expire(r, DONE)),
    step('cancel', reminding, (r) => cancel(r, 'U0DEV', DECIDED)),
    step('queue from approved', approved, (r) => queue(r, CAPACITY, DECIDED, QUEUE_RETRY_MS)),
    step('queue from queued', queued, (r) => queue(r, CAPACITY, POLLED, QUEUE_RETRY_MS)),
    step('submitted from approved', approved, (r) =>
      submitted(r, withIds(batchesFor(ID, r.paths)), SUBMITTED),
    ),
    step('submitted from queued', queued, (r) => submitted(r, withIds(batchesFor(ID, r.paths)), SUBMITTED)),
    step('moreSubmitted', partlySubmitted, (r) => moreSubmitted(r, withIds(r.batches), POLLED)),
    step(
      'polled, one of two batches done',
      () => inProgress(manyPaths(3001)),
      (r) => polled(r, new Set(['I1']), POLLED, POLL),
    ),
    step(
      'polled, slow',
      () => inProgress(),
      (r) => polled(r, new Set(), SLOW, POLL),
    ),
    step('polled, partly done', partlySubmitted, (r) => polled(r, new Set(['I1']), POLLED, POLL)),
    step(
      'polled, done',
      () => inProgress(),
      (r) => polled(r, new Set(['I1']), DONE, POLL),
    ),
    step('failed from new', created, (r) => failed(r, 'X', 'x', POLLED)),
    step('failed from queued', queued, (r) => failed(r, 'X', 'x', POLLED)),
    step(
      'failed from in_progress',
      () => inProgress(),
      (r) => failed(r, 'X', 'x', POLLED),
    ),
    step(
      'watchdog',
      () => inProgress(),
      (r) => watchdog(r, WATCHDOG),
    ),
    step('retryLater', approved, (r) => retryLater(r, POLLED, 1_000)),
    step('noticeTried', completed, noticeTried),
    step('noticeSent of a reminder', reminding, (r) => noticeSent(r, REMIND)),
    step('noticeSent of the slow note', slowlyInProgress, (r) => noticeSent(r, SLOW)),
    step('noticeSent of the outcome', failedRequest, (r) => noticeSent(r, DONE)),
  ];

  it.each(steps)('bumps the version by exactly one on %s', (_, build) => {
    const { before, run } = build();
    expect(run().version).toBe(before.version + 1);
  });

  it.each(steps)('never changes the request it was given on %s', (_, build) => {
    const { before, run } = build();
    const copy = structuredClone(before);
    run();
    expect(before).toEqual(copy);
  });

  it.each<[string, () => RequestIn<'in_progress'>, Set<string>]>([
    ['nothing completed', () => inProgress(), new Set()],
    ['only another invalidation completed', () => inProgress(), new Set(['I9'])],
  ])('keeps the version, and the very request, when a poll finds %s', (_, build, completedIds) => {
    const before = deepFrozen(build());
    const after = polled(before, completedIds, POLLED, POLL).request;
    expect(after).toBe(before);
    expect(after.version).toBe(before.version);
  });

  it('counts one version per transition along the whole happy path', () => {
    const versions = [created(), pending(), approved(), inProgress(), completed()].map(
      (request) => request.version,
    );
    expect(versions).toEqual([0, 1, 2, 3, 4]);
    const tried = noticeTried(completed());
    expect([tried.version, noticeSent(tried, DONE).request.version]).toEqual([5, 6]);
  });
});

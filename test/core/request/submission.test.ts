import { describe, expect, it } from 'vitest';
import {
  batchesFor,
  failed,
  moreSubmitted,
  noticeSent,
  pollAgainAt,
  polled,
  type QueueReason,
  queue,
  type RequestIn,
  retryLater,
  submitted,
  WATCHDOG_MS,
  watchdog,
} from '../../../src/core/request.js';
import { addMs } from '../../../src/core/schedule.js';
import {
  approved,
  as,
  CAPACITY,
  created,
  DECIDED,
  DONE,
  deepFrozen,
  ID,
  inProgress,
  manyPaths,
  POLL,
  POLLED,
  partlySubmitted,
  QUEUE_RETRY_MS,
  queued,
  SLOW,
  SUBMITTED,
  slowlyInProgress,
  WATCHDOG,
  withIds,
} from './fixtures.js';

describe('queue', () => {
  it('queues an approved request, due again after the retry delay', () => {
    const request = approved();
    const transition = queue(request, CAPACITY, DECIDED, QUEUE_RETRY_MS);
    expect(transition.request).toMatchObject({
      status: 'queued',
      queue: CAPACITY,
      queuedAt: DECIDED,
      dueAt: '2026-05-04T10:05:30.000Z',
      attempts: request.attempts,
      decision: { outcome: 'approved', by: 'U0LEAD' },
    });
  });

  it.each<QueueReason>([CAPACITY, { code: 'behind_older' }, { code: 'too_many_in_progress' }])(
    'records why it waits ($code)',
    (reason) => {
      expect(queue(approved(), reason, DECIDED, QUEUE_RETRY_MS).event).toEqual({
        requestId: ID,
        type: 'queued',
        key: 'queued',
        at: DECIDED,
        details: { reason: reason.code },
      });
    },
  );

  it('keeps a queued request waiting since it was first queued, counting the attempt, with no new event', () => {
    const request = queued();
    const later = '2026-05-04T10:05:30.000Z';
    const transition = queue(request, { code: 'behind_older' }, later, QUEUE_RETRY_MS);
    expect(transition.request).toMatchObject({
      status: 'queued',
      queue: { code: 'behind_older' },
      queuedAt: DECIDED,
      dueAt: '2026-05-04T10:06:00.000Z',
      attempts: request.attempts + 1,
    });
    expect(transition.event).toBeUndefined();
  });
});

describe('submitted', () => {
  it('tracks the batches, due only for its watchdog: the distribution is polled, not the request', () => {
    const request = { ...approved(), attempts: 3 };
    const batches = withIds(batchesFor(request.id, request.paths));
    const transition = submitted(request, batches, SUBMITTED);
    expect(WATCHDOG_MS).toBe(10 * 60_000);
    expect(transition.request).toMatchObject({
      status: 'in_progress',
      batches,
      submittedAt: SUBMITTED,
      attempts: 0,
      dueAt: WATCHDOG,
      decision: { outcome: 'approved', by: 'U0LEAD' },
    });
    expect(transition.request).not.toHaveProperty('nextPollAt');
    expect(transition.request).not.toHaveProperty('outbox');
    expect(transition.event).toEqual({
      requestId: ID,
      type: 'submitted',
      key: 'submitted:1',
      at: SUBMITTED,
      details: {
        invalidationIds: ['I1'],
        paths: 2,
        distributionId: 'E2ABCDEF123XYZ',
        distributionIds: ['E2ABCDEF123XYZ'],
      },
    });
  });

  it('leaves the queue once a queued request is submitted', () => {
    const request = queued();
    const batches = withIds(batchesFor(request.id, request.paths));
    const transition = submitted(request, batches, SUBMITTED);
    expect(transition.request).toMatchObject({ status: 'in_progress', attempts: 0, dueAt: WATCHDOG });
    expect(transition.request).not.toHaveProperty('queue');
    expect(transition.request).not.toHaveProperty('queuedAt');
  });

  it('records only the batches CloudFront accepted', () => {
    const request = approved(manyPaths(3001));
    const batches = withIds(batchesFor(request.id, request.paths), 1);
    const transition = submitted(request, batches, SUBMITTED);
    expect(transition.request).toMatchObject({ status: 'in_progress', batches });
    expect(transition.event).toMatchObject({
      key: 'submitted:1',
      details: { invalidationIds: ['I1'], paths: 3000 },
    });
  });
});

describe('a request that polls itself', () => {
  const FIRST_POLL = '2026-05-04T10:05:04.000Z';
  const AGAIN = '2026-05-04T10:05:09.000Z';
  const selfPolled = () => {
    const request = approved();
    const batches = withIds(batchesFor(request.id, request.paths));
    return as('in_progress', submitted(request, batches, SUBMITTED, FIRST_POLL).request);
  };

  it('is due for its own first poll when submitted with one, and says so', () => {
    const request = selfPolled();
    expect(request).toMatchObject({ status: 'in_progress', dueAt: FIRST_POLL, pollsItself: true });
    expect(inProgress()).not.toHaveProperty('pollsItself');
  });

  it('writes its next poll even when the poll changed nothing', () => {
    const request = deepFrozen(selfPolled());
    const transition = pollAgainAt(request, polled(request, new Set(), POLLED, POLL), AGAIN);
    expect(transition.request).toMatchObject({ dueAt: AGAIN, version: request.version + 1 });
    expect(transition.event).toBeUndefined();
  });

  it('leaves a completion, with its notice due now, as polled made it', () => {
    const request = selfPolled();
    const done = polled(request, new Set(['I1']), DONE, POLL);
    expect(pollAgainAt(request, done, AGAIN)).toBe(done);
    expect(done.request).toMatchObject({ status: 'completed', dueAt: DONE });
  });

  it('looks again at once after a notice, having no distribution poll to fall back on', () => {
    const request = as('in_progress', polled(selfPolled(), new Set(), SLOW, POLL).request);
    expect(request.outbox?.kind).toBe('slow');
    expect(noticeSent(request, DONE).request.dueAt).toBe(DONE);
  });
});

describe('moreSubmitted', () => {
  it('records batches accepted later under a key naming how many are submitted, keeping the watchdog', () => {
    const request = partlySubmitted();
    const batches = withIds(request.batches);
    const transition = moreSubmitted(request, batches, POLLED);
    expect(transition.request).toMatchObject({
      status: 'in_progress',
      batches,
      submittedAt: SUBMITTED,
      attempts: request.attempts,
      dueAt: WATCHDOG,
    });
    expect(transition.event).toEqual({
      requestId: ID,
      type: 'submitted',
      key: 'submitted:2',
      at: POLLED,
      details: {
        invalidationIds: ['I1', 'I2'],
        paths: 3001,
        distributionId: 'E2ABCDEF123XYZ',
        distributionIds: ['E2ABCDEF123XYZ', 'E2ABCDEF123XYZ'],
      },
    });
  });
});

describe('polled', () => {
  it.each<[string, () => RequestIn<'in_progress'>, Set<string>]>([
    ['no invalidation is completed', () => inProgress(manyPaths(3001)), new Set()],
    ['only another invalidation is completed', () => inProgress(manyPaths(3001)), new Set(['I9'])],
    [
      'only a batch completed on an earlier poll is completed',
      () => as('in_progress', polled(inProgress(manyPaths(3001)), new Set(['I1']), POLLED, POLL).request),
      new Set(['I1']),
    ],
    ['a batch waiting to be submitted has no invalidation yet', partlySubmitted, new Set(['I2'])],
  ])('returns the very same request, so nothing is written, when %s', (_, build, completedIds) => {
    const request = deepFrozen(build());
    const transition = polled(request, completedIds, '2026-05-04T10:06:00.000Z', POLL);
    expect(transition.request).toBe(request);
    expect(transition.event).toBeUndefined();
  });

  it('records a batch that completed while another is still in progress, keeping the watchdog', () => {
    const request = { ...inProgress(manyPaths(3001)), attempts: 2 };
    const transition = polled(request, new Set(['I1', 'I9']), POLLED, POLL);
    expect(transition.request).toEqual({
      ...request,
      version: request.version + 1,
      batches: [
        { ...request.batches[0], completed: true },
        { ...request.batches[1], completed: false },
      ],
    });
    expect(transition.request.dueAt).toBe(WATCHDOG);
    expect(transition.request.attempts).toBe(2);
    expect(transition.event).toBeUndefined();
  });

  it('remembers a batch that completed on an earlier poll', () => {
    const request = inProgress(manyPaths(3001));
    const first = as('in_progress', polled(request, new Set(['I1']), POLLED, POLL).request);
    expect(first.batches.map((batch) => batch.completed)).toEqual([true, false]);
    const second = polled(first, new Set(['I2']), DONE, POLL);
    expect(second.request.status).toBe('completed');
  });

  it('does not complete while a batch still waits to be submitted', () => {
    const transition = polled(partlySubmitted(), new Set(['I1']), POLLED, POLL);
    const request = as('in_progress', transition.request);
    expect(request.batches.map((batch) => batch.completed)).toEqual([true, false]);
    expect(request.dueAt).toBe(WATCHDOG);
    expect(transition.event).toBeUndefined();
  });

  it('completes once every batch is completed, with its notice due now and the duration', () => {
    const transition = polled(inProgress(), new Set(['I1']), DONE, POLL);
    expect(transition.request).toMatchObject({
      status: 'completed',
      completedAt: DONE,
      outbox: { kind: 'completed', tries: 0 },
      dueAt: DONE,
      attempts: 0,
      batches: [{ invalidationId: 'I1', completed: true }],
    });
    expect(transition.event).toMatchObject({ type: 'completed', at: DONE, details: { durationMs: 133_000 } });
  });

  it('does not make the slow note due a millisecond short of slowAfterMs, changing nothing', () => {
    const request = inProgress();
    expect(polled(request, new Set(), '2026-05-04T10:15:01.999Z', POLL).request).toBe(request);
  });

  it.each([
    ['exactly slowAfterMs', SLOW],
    ['well past slowAfterMs', '2026-05-04T10:40:00.000Z'],
  ])('makes the slow note due now once the request has been in progress %s', (_, now) => {
    const request = inProgress();
    const transition = polled(request, new Set(), now, POLL);
    expect(transition.request).toEqual({
      ...request,
      version: request.version + 1,
      outbox: { kind: 'slow', tries: 0 },
      dueAt: now,
    });
    expect(transition.event).toBeUndefined();
  });

  it('records a completed batch and makes the slow note due in one step', () => {
    const request = inProgress(manyPaths(3001));
    const transition = polled(request, new Set(['I2']), SLOW, POLL);
    const next = as('in_progress', transition.request);
    expect(next).toMatchObject({
      version: request.version + 1,
      outbox: { kind: 'slow', tries: 0 },
      dueAt: SLOW,
      attempts: request.attempts,
    });
    expect(next.batches.map((batch) => batch.completed)).toEqual([false, true]);
  });

  it('does not make the slow note due again once it was sent', () => {
    const sent = as('in_progress', noticeSent(slowlyInProgress(), SLOW).request);
    const transition = polled(sent, new Set(), '2026-05-04T10:20:00.000Z', POLL);
    expect(transition.request).toBe(sent);
    expect(transition.request.dueAt).toBe('2026-05-04T10:25:02.000Z');
  });

  it('does not replace a slow note that is still being sent', () => {
    const request = { ...slowlyInProgress(), outbox: { kind: 'slow' as const, tries: 1 } };
    const transition = polled(request, new Set(), '2026-05-04T10:20:00.000Z', POLL);
    expect(transition.request).toBe(request);
    expect(transition.request.outbox).toEqual({ kind: 'slow', tries: 1 });
    expect(transition.request.noticesSent).toEqual([]);
  });

  it('keeps a slow note still being sent, and its due time, when a batch completes', () => {
    const slow = as('in_progress', polled(inProgress(manyPaths(3001)), new Set(), SLOW, POLL).request);
    const request = { ...slow, outbox: { kind: 'slow' as const, tries: 1 } };
    const transition = polled(request, new Set(['I1']), '2026-05-04T10:20:00.000Z', POLL);
    const next = as('in_progress', transition.request);
    expect(next).toMatchObject({
      version: request.version + 1,
      outbox: { kind: 'slow', tries: 1 },
      dueAt: SLOW,
    });
    expect(next.batches.map((batch) => batch.completed)).toEqual([true, false]);
  });
});

describe('watchdog', () => {
  it('looks at an in-progress request again WATCHDOG_MS after it fired, changing nothing else', () => {
    const request = deepFrozen(inProgress());
    const fired = '2026-05-04T10:15:03.000Z';
    expect(watchdog(request, fired)).toEqual({
      ...request,
      version: request.version + 1,
      dueAt: addMs(fired, WATCHDOG_MS),
    });
    expect(watchdog(request, fired).dueAt).toBe('2026-05-04T10:25:03.000Z');
  });
});

describe('failed', () => {
  it.each<[string, () => RequestIn<'approved' | 'queued' | 'in_progress'>]>([
    ['an approved request', approved],
    ['a queued request', queued],
    ['an in-progress request', () => inProgress()],
  ])('fails %s keeping its decision, with its notice due now and nothing else waited for', (_, build) => {
    const transition = failed(build(), 'NoSuchDistribution', 'The distribution does not exist.', POLLED);
    expect(transition.request).toMatchObject({
      status: 'failed',
      failure: { code: 'NoSuchDistribution', message: 'The distribution does not exist.', at: POLLED },
      outbox: { kind: 'failed', tries: 0 },
      dueAt: POLLED,
      decision: { outcome: 'approved', by: 'U0LEAD' },
    });
    for (const wait of ['queue', 'queuedAt']) expect(transition.request).not.toHaveProperty(wait);
    expect(transition.event).toMatchObject({
      type: 'failed',
      at: POLLED,
      details: { code: 'NoSuchDistribution', message: 'The distribution does not exist.' },
    });
  });

  it('fails a request that was never decided without inventing a decision', () => {
    const transition = failed(created(), 'InvalidArgument', 'Bad path', POLLED);
    expect(transition.request.status).toBe('failed');
    expect(transition.request).not.toHaveProperty('decision');
  });
});

describe('retryLater', () => {
  it('counts the attempt and moves the due time, keeping the status', () => {
    const request = approved();
    const next = retryLater(request, POLLED, 4_000);
    expect(next).toMatchObject({
      status: 'approved',
      attempts: request.attempts + 1,
      dueAt: '2026-05-04T10:05:11.000Z',
    });
  });
});

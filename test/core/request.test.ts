import { describe, expect, it } from 'vitest';
import { previewCost } from '../../src/core/cost.js';
import {
  type Batch,
  batchesFor,
  CARD_RETRY_MS,
  cancel,
  cardPosted,
  createRequest,
  decide,
  expire,
  failed,
  hasSent,
  type InvalidationRequest,
  moreSubmitted,
  type NewRequest,
  type NoticeKind,
  noticeDelivered,
  noticeTried,
  type PollOptions,
  polled,
  type QueueReason,
  queue,
  type RequestIn,
  reminderDue,
  retryLater,
  submitted,
  TERMINAL,
  type Transition,
  undeliverable,
  WATCHDOG_MS,
  watchdog,
} from '../../src/core/request.js';
import { addMs } from '../../src/core/schedule.js';

const ID = 'req-01JABCDEF';
const CREATED = '2026-05-04T10:00:00.000Z';
const POSTED = '2026-05-04T10:00:01.000Z';
const DECIDED = '2026-05-04T10:05:00.000Z';
const SUBMITTED = '2026-05-04T10:05:02.000Z';
const POLLED = '2026-05-04T10:05:07.000Z';
const DONE = '2026-05-04T10:07:15.000Z';
const REMIND = '2026-05-04T10:15:01.000Z';
const CARD = { channel: 'C0123DEPLOY', ts: '1714816801.000100' };
const TIMEOUT_MS = 30 * 60_000;
const QUEUE_RETRY_MS = 30_000;
const POLL: PollOptions = { slowAfterMs: 10 * 60_000 };
/** SUBMITTED plus POLL.slowAfterMs: the first poll that counts as slow */
const SLOW = '2026-05-04T10:15:02.000Z';
/** SUBMITTED plus WATCHDOG_MS: when a request just submitted is looked at again if no poll came */
const WATCHDOG = '2026-05-04T10:15:02.000Z';
const CAPACITY: QueueReason = { code: 'capacity', inFlightPaths: 2_999, inFlightWildcards: 15 };
const NO_APPROVAL = { required: false, rules: [], approvers: { users: [] }, selfApproval: false };

function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  return {
    id: ID,
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    paths: ['/index.html', '/images/*'],
    requester: 'U0DEV',
    channel: CARD.channel,
    createdAt: CREATED,
    approval: {
      required: true,
      rules: [{ rule: 'wildcard', paths: ['/images/*'] }],
      approvers: { usergroup: 'S0ONCALL', users: ['U0LEAD'] },
      selfApproval: false,
    },
    cost: previewCost(2, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
    ...overrides,
  };
}

function as<S extends InvalidationRequest['status']>(status: S, request: InvalidationRequest): RequestIn<S> {
  if (request.status !== status) throw new Error(`expected ${status}, got ${request.status}`);
  return request as RequestIn<S>;
}

function created(overrides: Partial<NewRequest> = {}): RequestIn<'new'> {
  return createRequest(newRequest(overrides)).request;
}

function pending(): RequestIn<'pending_approval'> {
  return as('pending_approval', cardPosted(created(), CARD, POSTED, TIMEOUT_MS).request);
}

function reminding(): RequestIn<'pending_approval'> {
  return as('pending_approval', reminderDue(pending(), REMIND).request);
}

function approved(paths?: string[]): RequestIn<'approved'> {
  const request = decide(pending(), { outcome: 'approved', by: 'U0LEAD' }, DECIDED).request;
  return as('approved', paths ? { ...request, paths } : request);
}

function queued(): RequestIn<'queued'> {
  return as('queued', queue(approved(), CAPACITY, DECIDED, QUEUE_RETRY_MS).request);
}

function manyPaths(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `/p/${index}`);
}

/** CloudFront accepted the first `accepted` batches (all by default), as I1, I2, … */
function withIds(batches: Batch[], accepted = batches.length): Batch[] {
  return batches.map((batch, index) =>
    index < accepted ? { ...batch, invalidationId: `I${index + 1}` } : batch,
  );
}

function inProgress(paths?: string[], accepted?: number): RequestIn<'in_progress'> {
  const request = approved(paths);
  const batches = withIds(batchesFor(request.id, request.paths), accepted);
  return as('in_progress', submitted(request, batches, SUBMITTED).request);
}

/** 3,001 paths in two batches, only the first of which CloudFront had room for. */
function partlySubmitted(): RequestIn<'in_progress'> {
  return inProgress(manyPaths(3001), 1);
}

function slowlyInProgress(): RequestIn<'in_progress'> {
  return as('in_progress', polled(inProgress(), new Set(), SLOW, POLL).request);
}

function completed(): RequestIn<'completed'> {
  return as('completed', polled(inProgress(), new Set(['I1']), DONE, POLL).request);
}

function failedRequest(): RequestIn<'failed'> {
  return as('failed', failed(inProgress(), 'AccessDenied', 'Access denied', POLLED).request);
}

/** Freezes the whole object graph, so that a step that writes to its input throws. */
function deepFrozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFrozen(child);
    Object.freeze(value);
  }
  return value;
}

describe('createRequest', () => {
  it('starts a new request at version 0, due for a card retry 15 seconds later, with no notices', () => {
    const { request } = createRequest(newRequest());
    expect(request).toMatchObject({ id: ID, status: 'new', version: 0, attempts: 0, noticesSent: [] });
    expect(request.dueAt).toBe('2026-05-04T10:00:15.000Z');
    expect(request).not.toHaveProperty('outbox');
    expect(CARD_RETRY_MS).toBe(15_000);
  });

  it('records a requested event by the requester with what was asked', () => {
    expect(createRequest(newRequest({ reason: 'deploy' })).event).toEqual({
      requestId: ID,
      type: 'requested',
      key: 'requested',
      at: CREATED,
      actor: 'U0DEV',
      details: {
        distribution: 'web',
        distributionId: 'E2ABCDEF123XYZ',
        paths: 2,
        approvalRequired: true,
        billablePaths: 0,
        costUsd: 0,
        reason: 'deploy',
      },
    });
  });

  it('leaves the reason out of the event when none was given', () => {
    expect(createRequest(newRequest()).event.details).not.toHaveProperty('reason');
  });
});

describe('cardPosted', () => {
  it('waits for a decision until the approval timeout, with a reminder due halfway', () => {
    const transition = cardPosted(created(), CARD, POSTED, TIMEOUT_MS);
    expect(transition.request).toMatchObject({
      status: 'pending_approval',
      card: CARD,
      expiresAt: '2026-05-04T10:30:01.000Z',
      remindAt: REMIND,
      dueAt: REMIND,
      noticesSent: [],
    });
    expect(transition.request).not.toHaveProperty('outbox');
    expect(transition.event).toBeUndefined();
  });

  it('approves by policy at once when no approval is required', () => {
    const transition = cardPosted(created({ approval: NO_APPROVAL }), CARD, POSTED, TIMEOUT_MS);
    expect(transition.request).toMatchObject({
      status: 'approved',
      card: CARD,
      decision: { outcome: 'approved', by: 'policy', at: POSTED },
      dueAt: POSTED,
    });
    expect(transition.request).not.toHaveProperty('expiresAt');
    expect(transition.request).not.toHaveProperty('remindAt');
    expect(transition.event).toEqual({
      requestId: ID,
      type: 'approved',
      key: 'approved',
      at: POSTED,
      actor: 'policy',
      details: { automatic: true },
    });
  });
});

describe('undeliverable', () => {
  it('ends a request whose card could not be posted, with nothing left due', () => {
    const transition = undeliverable(created(), 'channel_not_found', POSTED);
    expect(transition.request).toMatchObject({
      status: 'undeliverable',
      failure: { code: 'channel_not_found', at: POSTED },
    });
    expect(transition.request).not.toHaveProperty('dueAt');
    expect(transition.event).toMatchObject({ type: 'undeliverable', details: { code: 'channel_not_found' } });
  });
});

describe('decide', () => {
  it('approves with the approver as actor, due at once, with a fresh attempt count', () => {
    const transition = decide({ ...pending(), attempts: 2 }, { outcome: 'approved', by: 'U0LEAD' }, DECIDED);
    expect(transition.request).toMatchObject({
      status: 'approved',
      decision: { outcome: 'approved', by: 'U0LEAD', at: DECIDED },
      dueAt: DECIDED,
      attempts: 0,
      card: CARD,
    });
    expect(transition.request).not.toHaveProperty('expiresAt');
    expect(transition.request).not.toHaveProperty('remindAt');
    expect(transition.event).toMatchObject({ type: 'approved', actor: 'U0LEAD', at: DECIDED, details: {} });
  });

  it('denies with the approver and reason, leaving nothing due', () => {
    const transition = decide(
      pending(),
      { outcome: 'denied', by: 'U0LEAD', reason: 'not during the sale' },
      DECIDED,
    );
    expect(transition.request).toMatchObject({
      status: 'denied',
      decision: { outcome: 'denied', by: 'U0LEAD', at: DECIDED, reason: 'not during the sale' },
    });
    expect(transition.request).not.toHaveProperty('dueAt');
    expect(transition.request).not.toHaveProperty('expiresAt');
    expect(transition.event).toMatchObject({
      type: 'denied',
      actor: 'U0LEAD',
      details: { reason: 'not during the sale' },
    });
  });
});

describe('expire', () => {
  it('ends an undecided request, keeping its card so the buttons can be removed', () => {
    const request = pending();
    const transition = expire(request, '2026-05-04T10:30:01.000Z');
    expect(transition.request).toMatchObject({
      status: 'expired',
      card: CARD,
      expiredAt: '2026-05-04T10:30:01.000Z',
    });
    expect(transition.request).not.toHaveProperty('dueAt');
    expect(transition.request).not.toHaveProperty('expiresAt');
    expect(transition.event).toMatchObject({ type: 'expired', details: { expiresAt: request.expiresAt } });
    expect(transition.event).not.toHaveProperty('actor');
  });
});

describe('cancel', () => {
  it('cancels a pending request for its requester, with no work left due', () => {
    const request = pending();
    const transition = cancel(request, request.requester, DECIDED);
    expect(transition.request).toMatchObject({
      status: 'cancelled',
      cancelledBy: request.requester,
      cancelledAt: DECIDED,
    });
    expect(transition.request).not.toHaveProperty('dueAt');
    expect(transition.request).not.toHaveProperty('expiresAt');
    expect(transition.event).toMatchObject({ type: 'cancelled', actor: request.requester });
  });

  it('counts a cancelled request as finished', () => {
    expect(TERMINAL.has(cancel(pending(), 'U0DEV', DECIDED).request.status)).toBe(true);
  });
});

describe('ending the wait for a decision', () => {
  it.each<[string, (request: RequestIn<'pending_approval'>) => Transition, InvalidationRequest['status']]>([
    ['an approval', (request) => decide(request, { outcome: 'approved', by: 'U0LEAD' }, DECIDED), 'approved'],
    [
      'a denial',
      (request) => decide(request, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED),
      'denied',
    ],
    ['the expiry', (request) => expire(request, '2026-05-04T10:30:01.000Z'), 'expired'],
    ['a cancel', (request) => cancel(request, 'U0DEV', DECIDED), 'cancelled'],
  ])('drops a reminder not yet sent on %s', (_, step, status) => {
    const { request } = step(reminding());
    expect(request.status).toBe(status);
    expect(request).not.toHaveProperty('outbox');
    expect(request).not.toHaveProperty('remindAt');
    expect(request.noticesSent).toEqual([]);
  });
});

describe('reminderDue', () => {
  it('makes the reminder to the approvers due now, still waiting for a decision', () => {
    const request = pending();
    const transition = reminderDue(request, REMIND);
    expect(transition.request).toMatchObject({
      status: 'pending_approval',
      outbox: { kind: 'reminder', tries: 0 },
      dueAt: REMIND,
      expiresAt: request.expiresAt,
    });
    expect(transition.event).toBeUndefined();
  });
});

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
      details: { invalidationIds: ['I1'], paths: 2, distributionId: 'E2ABCDEF123XYZ' },
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
      details: { invalidationIds: ['I1', 'I2'], paths: 3001, distributionId: 'E2ABCDEF123XYZ' },
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
    const sent = as('in_progress', noticeDelivered(slowlyInProgress(), SLOW).request);
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

describe('noticeTried', () => {
  it('counts each attempt at the due notice, leaving it due', () => {
    const request = completed();
    const once = noticeTried(request);
    const twice = noticeTried(once);
    expect(once).toMatchObject({
      outbox: { kind: 'completed', tries: 1 },
      dueAt: DONE,
      version: request.version + 1,
    });
    expect(twice).toMatchObject({ outbox: { kind: 'completed', tries: 2 }, version: request.version + 2 });
  });

  it('leaves a request with no notice due as it is', () => {
    const request = pending();
    expect(noticeTried(request)).toBe(request);
  });
});

describe('noticeDelivered', () => {
  it.each<[NoticeKind, () => InvalidationRequest, string | undefined, 'notice_sent' | 'reminder_sent']>([
    ['reminder', reminding, '2026-05-04T10:30:01.000Z', 'reminder_sent'],
    ['slow', slowlyInProgress, '2026-05-04T10:17:15.000Z', 'notice_sent'],
    ['completed', completed, undefined, 'notice_sent'],
    ['failed', failedRequest, undefined, 'notice_sent'],
  ])('records the %s notice once and goes back to what the request waits for', (kind, build, dueAt, type) => {
    const request = noticeTried(build());
    const transition = noticeDelivered(request, DONE);
    expect(transition.request).toMatchObject({ status: request.status, noticesSent: [kind] });
    expect(transition.request).not.toHaveProperty('outbox');
    expect(transition.request.dueAt).toBe(dueAt);
    expect(hasSent(transition.request, kind)).toBe(true);
    expect(transition.event).toEqual({
      requestId: ID,
      type,
      key: `${type}:${kind}`,
      at: DONE,
      details: { kind },
    });
  });

  it('adds to the notices already sent', () => {
    const slowNoted = as('in_progress', noticeDelivered(slowlyInProgress(), SLOW).request);
    const done = polled(slowNoted, new Set(['I1']), DONE, POLL).request;
    expect(noticeDelivered(done, DONE).request.noticesSent).toEqual(['slow', 'completed']);
  });

  it('changes nothing when no notice is due', () => {
    const request = pending();
    const transition = noticeDelivered(request, DONE);
    expect(transition.request).toBe(request);
    expect(transition.event).toBeUndefined();
    expect(hasSent(request, 'reminder')).toBe(false);
  });

  it('starts the watchdog of an in-progress request afresh from when its slow note was delivered', () => {
    const request = slowlyInProgress();
    const delivered = '2026-05-04T10:15:04.000Z';
    const transition = noticeDelivered(request, delivered);
    expect(transition.request.dueAt).toBe(addMs(delivered, WATCHDOG_MS));
    expect(transition.request.dueAt).toBe('2026-05-04T10:25:04.000Z');
  });

  // `attempts` belongs to the request's own step; a notice must not reset it.
  it('keeps the attempt count of an in-progress request when its slow note is delivered', () => {
    const request = { ...slowlyInProgress(), attempts: 2 };
    expect(noticeDelivered(request, SLOW).request.attempts).toBe(2);
  });
});

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
    step('decide approve', reminding, (r) => decide(r, { outcome: 'approved', by: 'U0LEAD' }, DECIDED)),
    step('decide deny', reminding, (r) =>
      decide(r, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED),
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
    step('noticeDelivered of a reminder', reminding, (r) => noticeDelivered(r, REMIND)),
    step('noticeDelivered of the slow note', slowlyInProgress, (r) => noticeDelivered(r, SLOW)),
    step('noticeDelivered of the outcome', failedRequest, (r) => noticeDelivered(r, DONE)),
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
    expect([tried.version, noticeDelivered(tried, DONE).request.version]).toEqual([5, 6]);
  });
});

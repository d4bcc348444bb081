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
  type InvalidationRequest,
  MAX_PATHS_PER_BATCH,
  type NewRequest,
  noticeSent,
  polled,
  type RequestIn,
  reminderSent,
  retryLater,
  submitted,
  undeliverable,
} from '../../src/core/request.js';

const ID = 'req-01JABCDEF';
const CREATED = '2026-05-04T10:00:00.000Z';
const POSTED = '2026-05-04T10:00:01.000Z';
const DECIDED = '2026-05-04T10:05:00.000Z';
const SUBMITTED = '2026-05-04T10:05:02.000Z';
const POLLED = '2026-05-04T10:05:07.000Z';
const DONE = '2026-05-04T10:07:15.000Z';
const CARD = { channel: 'C0123DEPLOY', ts: '1714816801.000100' };
const TIMEOUT_MS = 30 * 60_000;
const FIRST_CHECK_MS = 5_000;

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

function approved(): RequestIn<'approved'> {
  return as('approved', decide(pending(), { outcome: 'approved', by: 'U0LEAD' }, DECIDED).request);
}

function withIds(batches: Batch[]): Batch[] {
  return batches.map((batch, index) => ({ ...batch, invalidationId: `I${index + 1}` }));
}

function inProgress(paths?: string[]): RequestIn<'in_progress'> {
  const request = paths ? { ...approved(), paths } : approved();
  const batches = withIds(batchesFor(request.id, request.paths));
  return as('in_progress', submitted(request, batches, SUBMITTED, FIRST_CHECK_MS).request);
}

function completed(): RequestIn<'completed'> {
  return as('completed', polled(inProgress(), new Set(['I1']), DONE, 10_000).request);
}

function failedRequest(): RequestIn<'failed'> {
  return as('failed', failed(inProgress(), 'AccessDenied', 'Access denied', POLLED).request);
}

describe('createRequest', () => {
  it('starts a new request at version 0, due for a card retry a minute later', () => {
    const { request } = createRequest(newRequest());
    expect(request).toMatchObject({ id: ID, status: 'new', version: 0, attempts: 0 });
    expect(request.dueAt).toBe('2026-05-04T10:01:00.000Z');
    expect(CARD_RETRY_MS).toBe(60_000);
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
        paths: ['/index.html', '/images/*'],
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
    const expiresAt = '2026-05-04T10:30:01.000Z';
    const remindAt = '2026-05-04T10:15:01.000Z';
    expect(transition.request).toMatchObject({
      status: 'pending_approval',
      card: CARD,
      expiresAt,
      remindAt,
      reminded: false,
      dueAt: remindAt,
    });
    expect(transition.event).toBeUndefined();
  });

  it('makes the expiry due once the reminder is sent, and records it', () => {
    const pending = cardPosted(created(), CARD, POSTED, TIMEOUT_MS).request as RequestIn<'pending_approval'>;
    const transition = reminderSent(pending, '2026-05-04T10:15:02.000Z');
    expect(transition.request).toMatchObject({
      status: 'pending_approval',
      reminded: true,
      dueAt: pending.expiresAt,
    });
    expect(transition.request.version).toBe(pending.version + 1);
    expect(transition.event).toMatchObject({ type: 'reminder_sent', key: 'reminder_sent' });
  });

  it('cancels a pending request for its requester, with no work left due', () => {
    const pending = cardPosted(created(), CARD, POSTED, TIMEOUT_MS).request as RequestIn<'pending_approval'>;
    const transition = cancel(pending, pending.requester, '2026-05-04T10:05:00.000Z');
    expect(transition.request).toMatchObject({
      status: 'cancelled',
      cancelledBy: pending.requester,
      cancelledAt: '2026-05-04T10:05:00.000Z',
    });
    expect(transition.request).not.toHaveProperty('dueAt');
    expect(transition.request).not.toHaveProperty('expiresAt');
    expect(transition.event).toMatchObject({ type: 'cancelled', actor: pending.requester });
  });

  it('approves by policy at once when no approval is required', () => {
    const request = created({
      approval: { required: false, rules: [], approvers: { users: [] }, selfApproval: false },
    });
    const transition = cardPosted(request, CARD, POSTED, TIMEOUT_MS);
    expect(transition.request).toMatchObject({
      status: 'approved',
      card: CARD,
      decision: { outcome: 'approved', by: 'policy', at: POSTED },
      dueAt: POSTED,
    });
    expect(transition.request).not.toHaveProperty('expiresAt');
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

describe('batchesFor', () => {
  const paths = (count: number) => Array.from({ length: count }, (_, index) => `/p/${index}`);

  it.each([
    [1, [1]],
    [MAX_PATHS_PER_BATCH, [3000]],
    [3001, [3000, 1]],
    [6500, [3000, 3000, 500]],
  ])('splits %i paths into batches of %j', (count, sizes) => {
    expect(batchesFor(ID, paths(count)).map((batch) => batch.paths.length)).toEqual(sizes);
  });

  it('uses the request id as the first CallerReference so a retry never creates a second invalidation', () => {
    const batches = batchesFor(ID, paths(3001));
    expect(batches.map((batch) => batch.callerReference)).toEqual([ID, `${ID}-2`]);
    expect(batches.every((batch) => !batch.completed && batch.invalidationId === undefined)).toBe(true);
  });

  it('keeps every path once, in order', () => {
    const all = paths(6500);
    expect(batchesFor(ID, all).flatMap((batch) => batch.paths)).toEqual(all);
  });

  it('gives the same references on every call', () => {
    expect(batchesFor(ID, paths(6500))).toEqual(batchesFor(ID, paths(6500)));
  });
});

describe('submitted', () => {
  it('tracks the batches and schedules the first check', () => {
    const request = { ...approved(), attempts: 3 };
    const batches = withIds(batchesFor(request.id, request.paths));
    const transition = submitted(request, batches, SUBMITTED, FIRST_CHECK_MS);
    expect(transition.request).toMatchObject({
      status: 'in_progress',
      batches,
      submittedAt: SUBMITTED,
      attempts: 0,
      dueAt: '2026-05-04T10:05:07.000Z',
      decision: { outcome: 'approved', by: 'U0LEAD' },
    });
    expect(transition.event).toMatchObject({
      type: 'submitted',
      at: SUBMITTED,
      details: { invalidationIds: ['I1'], paths: 2, distributionId: 'E2ABCDEF123XYZ' },
    });
  });
});

describe('polled', () => {
  it.each([
    ['no invalidation is completed', new Set<string>()],
    ['only another invalidation is completed', new Set(['I9'])],
    ['one of two batches is completed', new Set(['I1'])],
  ])('keeps polling later when %s', (_, completedIds) => {
    const request = inProgress(Array.from({ length: 3001 }, (_, index) => `/p/${index}`));
    const transition = polled(request, completedIds, POLLED, 10_000);
    expect(transition.request).toMatchObject({
      status: 'in_progress',
      attempts: request.attempts + 1,
      dueAt: '2026-05-04T10:05:17.000Z',
    });
    expect(transition.event).toBeUndefined();
  });

  it('remembers a batch that completed on an earlier poll', () => {
    const request = inProgress(Array.from({ length: 3001 }, (_, index) => `/p/${index}`));
    const first = as('in_progress', polled(request, new Set(['I1']), POLLED, 10_000).request);
    expect(first.batches.map((batch) => batch.completed)).toEqual([true, false]);
    const second = polled(first, new Set(['I2']), DONE, 20_000);
    expect(second.request.status).toBe('completed');
  });

  it('completes once every batch is completed, with a notice to send and the duration', () => {
    const transition = polled(inProgress(), new Set(['I1']), DONE, 10_000);
    expect(transition.request).toMatchObject({
      status: 'completed',
      completedAt: DONE,
      notice: 'pending',
      dueAt: DONE,
      attempts: 0,
      batches: [{ invalidationId: 'I1', completed: true }],
    });
    expect(transition.event).toMatchObject({ type: 'completed', at: DONE, details: { durationMs: 133_000 } });
  });
});

describe('failed', () => {
  it.each<[string, () => InvalidationRequest]>([
    ['an approved request', approved],
    ['an in-progress request', inProgress],
  ])('fails %s keeping its decision, with a notice due now', (_, build) => {
    const request = build();
    const transition = failed(
      request as RequestIn<'approved' | 'in_progress'>,
      'NoSuchDistribution',
      'The distribution does not exist.',
      POLLED,
    );
    expect(transition.request).toMatchObject({
      status: 'failed',
      failure: { code: 'NoSuchDistribution', message: 'The distribution does not exist.', at: POLLED },
      notice: 'pending',
      dueAt: POLLED,
      decision: { outcome: 'approved', by: 'U0LEAD' },
    });
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

describe('noticeSent', () => {
  it.each<[string, () => RequestIn<'completed' | 'failed'>]>([
    ['completed', completed],
    ['failed', failedRequest],
  ])('marks the notice of a %s request sent, leaving nothing due', (status, build) => {
    const transition = noticeSent(build(), DONE);
    expect(transition.request).toMatchObject({ status, notice: 'sent' });
    expect(transition.request).not.toHaveProperty('dueAt');
    expect(transition.event).toMatchObject({ type: 'notice_sent', at: DONE, details: { status } });
  });
});

describe('versions', () => {
  const steps: Array<[string, () => { before: InvalidationRequest; after: InvalidationRequest }]> = [
    [
      'cardPosted to pending',
      () => ({ before: created(), after: cardPosted(created(), CARD, POSTED, TIMEOUT_MS).request }),
    ],
    [
      'cardPosted to approved',
      () => {
        const before = created({
          approval: { required: false, rules: [], approvers: { users: [] }, selfApproval: false },
        });
        return { before, after: cardPosted(before, CARD, POSTED, TIMEOUT_MS).request };
      },
    ],
    [
      'undeliverable',
      () => ({ before: created(), after: undeliverable(created(), 'not_in_channel', POSTED).request }),
    ],
    [
      'decide approve',
      () => ({
        before: pending(),
        after: decide(pending(), { outcome: 'approved', by: 'U0LEAD' }, DECIDED).request,
      }),
    ],
    [
      'decide deny',
      () => ({
        before: pending(),
        after: decide(pending(), { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED).request,
      }),
    ],
    ['expire', () => ({ before: pending(), after: expire(pending(), DONE).request })],
    [
      'submitted',
      () => ({
        before: approved(),
        after: submitted(approved(), withIds(batchesFor(ID, ['/a'])), SUBMITTED, FIRST_CHECK_MS).request,
      }),
    ],
    [
      'polled, not done',
      () => ({ before: inProgress(), after: polled(inProgress(), new Set(), POLLED, 1_000).request }),
    ],
    [
      'polled, done',
      () => ({ before: inProgress(), after: polled(inProgress(), new Set(['I1']), DONE, 1_000).request }),
    ],
    ['failed', () => ({ before: inProgress(), after: failed(inProgress(), 'X', 'x', POLLED).request })],
    ['retryLater', () => ({ before: approved(), after: retryLater(approved(), POLLED, 1_000) })],
    ['noticeSent', () => ({ before: completed(), after: noticeSent(completed(), DONE).request })],
  ];

  it.each(steps)('bumps the version by exactly one on %s', (_, step) => {
    const { before, after } = step();
    expect(after.version).toBe(before.version + 1);
  });

  it('counts one version per transition along the whole happy path', () => {
    const versions = [created(), pending(), approved(), inProgress(), completed()].map(
      (request) => request.version,
    );
    expect(versions).toEqual([0, 1, 2, 3, 4]);
    expect(noticeSent(completed(), DONE).request.version).toBe(5);
  });

  it('never changes the request it was given', () => {
    const request = pending();
    const copy = structuredClone(request);
    decide(request, { outcome: 'approved', by: 'U0LEAD' }, DECIDED);
    expire(request, DONE);
    expect(request).toEqual(copy);
  });
});

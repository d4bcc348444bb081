import { describe, expect, it } from 'vitest';
import {
  applyDecision,
  CARD_RETRY_MS,
  cancel,
  cardPosted,
  createRequest,
  expire,
  type InvalidationRequest,
  type NoticeKind,
  type RequestIn,
  TERMINAL,
  type Transition,
  undeliverable,
} from '../../../src/core/request.js';
import {
  CARD,
  CREATED,
  created,
  DECIDED,
  ID,
  NO_APPROVAL,
  newRequest,
  POSTED,
  pending,
  REMIND,
  reminding,
  TIMEOUT_MS,
} from './fixtures.js';

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

describe('applyDecision', () => {
  it('approves with the approver as actor, due at once, with a fresh attempt count', () => {
    const transition = applyDecision(
      { ...pending(), attempts: 2 },
      { outcome: 'approved', by: 'U0LEAD' },
      DECIDED,
    );
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

  it('denies with the approver and reason, the requester told in the thread next', () => {
    const transition = applyDecision(
      pending(),
      { outcome: 'denied', by: 'U0LEAD', reason: 'not during the sale' },
      DECIDED,
    );
    expect(transition.request).toMatchObject({
      status: 'denied',
      decision: { outcome: 'denied', by: 'U0LEAD', at: DECIDED, reason: 'not during the sale' },
      outbox: { kind: 'denied', tries: 0 },
      dueAt: DECIDED,
    });
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
    expect(transition.event).toMatchObject({ type: 'expired', details: { expiresAt: request.expiresAt } });
    expect(transition.event).not.toHaveProperty('actor');
  });

  it('tells the requester in the thread, with how long it waited for a decision', () => {
    const transition = expire(pending(), '2026-05-04T10:30:01.000Z');
    expect(transition.request).toMatchObject({
      outbox: { kind: 'expired', tries: 0 },
      dueAt: '2026-05-04T10:30:01.000Z',
      timeoutMs: TIMEOUT_MS,
    });
    expect(transition.request).not.toHaveProperty('expiresAt');
  });
});

describe('cancel', () => {
  it('cancels a pending request for its requester, who is told in the thread next', () => {
    const request = pending();
    const transition = cancel(request, request.requester, DECIDED);
    expect(transition.request).toMatchObject({
      status: 'cancelled',
      cancelledBy: request.requester,
      cancelledAt: DECIDED,
      outbox: { kind: 'cancelled', tries: 0 },
      dueAt: DECIDED,
    });
    expect(transition.request).not.toHaveProperty('expiresAt');
    expect(transition.event).toMatchObject({ type: 'cancelled', actor: request.requester });
  });

  it('counts a cancelled request as finished', () => {
    expect(TERMINAL.has(cancel(pending(), 'U0DEV', DECIDED).request.status)).toBe(true);
  });
});

describe('ending the wait for a decision', () => {
  type Ending = (request: RequestIn<'pending_approval'>) => Transition;
  it.each<[string, Ending, InvalidationRequest['status'], NoticeKind | undefined]>([
    [
      'an approval',
      (request) => applyDecision(request, { outcome: 'approved', by: 'U0LEAD' }, DECIDED),
      'approved',
      undefined,
    ],
    [
      'a denial',
      (request) => applyDecision(request, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED),
      'denied',
      'denied',
    ],
    ['the expiry', (request) => expire(request, '2026-05-04T10:30:01.000Z'), 'expired', 'expired'],
    ['a cancel', (request) => cancel(request, 'U0DEV', DECIDED), 'cancelled', 'cancelled'],
  ])('drops a reminder not yet sent on %s (an ending has its own notice due)', (_, step, status, notice) => {
    const { request } = step(reminding());
    expect(request.status).toBe(status);
    expect(request.outbox?.kind).toBe(notice);
    expect(request).not.toHaveProperty('remindAt');
    expect(request.noticesSent).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  hasSent,
  type InvalidationRequest,
  type NoticeKind,
  noticeSent,
  noticeTried,
  noticeTriedWith,
  polled,
  reminderDue,
  WATCHDOG_MS,
} from '../../../src/core/request.js';
import { addMs } from '../../../src/core/schedule.js';
import {
  as,
  completed,
  DONE,
  failedRequest,
  ID,
  POLL,
  pending,
  REMIND,
  reminding,
  SLOW,
  slowlyInProgress,
} from './fixtures.js';

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

describe('noticeTriedWith', () => {
  it('records the attempt in the write that made the notice due, due again only after the lease', () => {
    const inFlight = slowlyInProgress();
    const transition = polled(inFlight, new Set(['I1']), DONE, POLL);
    const until = addMs(DONE, 30_000);
    const tried = noticeTriedWith(transition, until);
    expect(tried.request).toMatchObject({
      status: 'completed',
      version: transition.request.version,
      outbox: { kind: 'completed', tries: 1 },
      dueAt: until,
    });
    expect(tried.event).toBe(transition.event);
  });

  it('leaves a change with no notice due as it is', () => {
    const transition = { request: pending() };
    expect(noticeTriedWith(transition, DONE)).toBe(transition);
  });
});

describe('noticeSent', () => {
  it.each<[NoticeKind, () => InvalidationRequest, string | undefined, 'notice_sent' | 'reminder_sent']>([
    ['reminder', reminding, '2026-05-04T10:30:01.000Z', 'reminder_sent'],
    ['slow', slowlyInProgress, '2026-05-04T10:17:15.000Z', 'notice_sent'],
    ['completed', completed, undefined, 'notice_sent'],
    ['failed', failedRequest, undefined, 'notice_sent'],
  ])('records the %s notice once and goes back to what the request waits for', (kind, build, dueAt, type) => {
    const request = noticeTried(build());
    const transition = noticeSent(request, DONE);
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
    const slowNoted = as('in_progress', noticeSent(slowlyInProgress(), SLOW).request);
    const done = polled(slowNoted, new Set(['I1']), DONE, POLL).request;
    expect(noticeSent(done, DONE).request.noticesSent).toEqual(['slow', 'completed']);
  });

  it('changes nothing when no notice is due', () => {
    const request = pending();
    const transition = noticeSent(request, DONE);
    expect(transition.request).toBe(request);
    expect(transition.event).toBeUndefined();
    expect(hasSent(request, 'reminder')).toBe(false);
  });

  it('starts the watchdog of an in-progress request afresh from when its slow note was delivered', () => {
    const request = slowlyInProgress();
    const delivered = '2026-05-04T10:15:04.000Z';
    const transition = noticeSent(request, delivered);
    expect(transition.request.dueAt).toBe(addMs(delivered, WATCHDOG_MS));
    expect(transition.request.dueAt).toBe('2026-05-04T10:25:04.000Z');
  });

  // `attempts` belongs to the request's own step; a notice must not reset it.
  it('keeps the attempt count of an in-progress request when its slow note is delivered', () => {
    const request = { ...slowlyInProgress(), attempts: 2 };
    expect(noticeSent(request, SLOW).request.attempts).toBe(2);
  });
});

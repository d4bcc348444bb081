import { describe, expect, it } from 'vitest';
import { type InvalidationRequest, type NextStep, nextStep } from '../../../src/core/request.js';
import {
  approved,
  cancelled,
  completed,
  created,
  DECIDED,
  DONE,
  denied,
  EXPIRY,
  expired,
  failedRequest,
  inProgress,
  pending,
  queued,
  REMIND,
  reminding,
  SLOW,
  slowlyInProgress,
  told,
  undeliverableRequest,
} from './fixtures.js';

/** Just before the reminder is due, and between the reminder and the expiry. */
const BEFORE_REMIND = '2026-05-04T10:15:00.999Z';
const AFTER_REMIND = '2026-05-04T10:20:00.000Z';
const AFTER_EXPIRY = '2026-05-04T11:00:00.000Z';

const stale = <R extends InvalidationRequest>(request: R): R => ({ ...request, cardStale: true });
const remindedAlready = () => ({ ...pending(), noticesSent: ['reminder' as const] });

describe('nextStep', () => {
  it.each<[string, () => InvalidationRequest, string, NextStep['kind']]>([
    ['a completed request with its notice waiting', completed, DONE, 'send_notice'],
    ['a failed request with its notice waiting', failedRequest, DONE, 'send_notice'],
    ['a pending request with its reminder waiting, even past expiry', reminding, AFTER_EXPIRY, 'send_notice'],
    ['a slow request with its note waiting', slowlyInProgress, SLOW, 'send_notice'],
    ['a waiting notice on a stale card', () => stale(completed()), DONE, 'send_notice'],
    ['a stale card of a pending request past expiry', () => stale(pending()), AFTER_EXPIRY, 'redraw_card'],
    ['a denied request with its notice waiting', denied, DECIDED, 'send_notice'],
    ['an expired request with its notice waiting', expired, AFTER_EXPIRY, 'send_notice'],
    ['a cancelled request with its notice waiting', cancelled, DECIDED, 'send_notice'],
    [
      'a stale card of a denied request whose notice is sent',
      () => stale(told(denied())),
      DECIDED,
      'redraw_card',
    ],
    ['a stale card of an approved request', () => stale(approved()), DECIDED, 'redraw_card'],
    ['a new request', () => created(), DECIDED, 'post_card'],
    ['a pending request at its expiry', pending, EXPIRY, 'expire'],
    ['a pending request past both reminder and expiry', pending, AFTER_EXPIRY, 'expire'],
    ['a reminded pending request past expiry', remindedAlready, AFTER_EXPIRY, 'expire'],
    ['a pending request at its reminder', pending, REMIND, 'remind'],
    ['a pending request between reminder and expiry', pending, AFTER_REMIND, 'remind'],
    ['a pending request before its reminder', pending, BEFORE_REMIND, 'none'],
    ['a reminded pending request before expiry', remindedAlready, AFTER_REMIND, 'none'],
    ['an approved request', () => approved(), DECIDED, 'submit'],
    ['a queued request', queued, DECIDED, 'submit'],
    ['an in-progress request', () => inProgress(), SLOW, 'watch'],
    ['a completed request whose notice is sent', () => told(completed()), DONE, 'none'],
    ['a failed request whose notice is sent', () => told(failedRequest()), DONE, 'none'],
    ['a denied request whose notice is sent', () => told(denied()), DONE, 'none'],
    ['an expired request whose notice is sent', () => told(expired()), AFTER_EXPIRY, 'none'],
    ['a cancelled request whose notice is sent', () => told(cancelled()), DONE, 'none'],
    ['an undeliverable request', undeliverableRequest, DONE, 'none'],
  ])('decides for %s at the given time', (_, build, now, kind) => {
    expect(nextStep(build(), now).kind).toBe(kind);
  });

  it('hands over the very request it looked at', () => {
    const request = queued();
    expect(nextStep(request, DECIDED)).toEqual({ kind: 'submit', request });
  });
});

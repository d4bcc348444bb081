import { addMs } from '../schedule.js';
import {
  auditEvent,
  bump,
  type InvalidationRequest,
  type NoticeKind,
  type RequestIn,
  type Transition,
  withoutDue,
} from './model.js';
import { WATCHDOG_MS } from './submission.js';

/** Halfway to expiry: the reminder to the approvers is due now. */
export function reminderDue(request: RequestIn<'pending_approval'>, now: string): Transition {
  const next: InvalidationRequest = { ...bump(request), outbox: { kind: 'reminder', tries: 0 }, dueAt: now };
  return { request: next };
}

/**
 * Recorded before each attempt to post a notice: if the process dies after Slack took the message but
 * before `noticeDelivered` is written, the next attempt sees `tries > 0` and looks in the thread first.
 */
export function noticeTried(request: InvalidationRequest): InvalidationRequest {
  if (!request.outbox) return request;
  return { ...bump(request), outbox: { ...request.outbox, tries: request.outbox.tries + 1 } };
}

/**
 * Posting the notice failed: try again after `delayMs`. Counted in the outbox's `tries`, not in
 * `attempts`, which belongs to the request's own step (a submission's retries, say).
 */
export function noticeRetry(request: InvalidationRequest, now: string, delayMs: number): InvalidationRequest {
  return { ...bump(request), dueAt: addMs(now, delayMs) };
}

/** The notice is in the thread: record it, once, and go back to what the request was waiting for. */
export function noticeDelivered(request: InvalidationRequest, now: string): Transition {
  const kind = request.outbox?.kind;
  if (!kind) return { request };
  const { outbox: _outbox, ...rest } = bump(request);
  const sent = { ...rest, noticesSent: [...request.noticesSent, kind] } as InvalidationRequest;
  const next = withNaturalDue(sent, now);
  const type = kind === 'reminder' ? 'reminder_sent' : 'notice_sent';
  return { request: next, event: auditEvent(request, type, now, undefined, { kind }, `${type}:${kind}`) };
}

/** The next step a request waits for once no notice is due (in-progress ones: their watchdog). */
function withNaturalDue(request: InvalidationRequest, now: string): InvalidationRequest {
  switch (request.status) {
    case 'pending_approval':
      return { ...request, dueAt: request.expiresAt };
    case 'in_progress':
      return { ...request, dueAt: addMs(now, WATCHDOG_MS) };
    case 'new':
    case 'approved':
    case 'queued':
      return request;
    default:
      return withoutDue(request);
  }
}

/**
 * The change in `transition` is drawn by the worker, not by its writer: the card is marked stale and due
 * now, in the change's own conditional write, so the redraw survives the writer being stopped right after.
 */
export function redrawLater(transition: Transition, now: string): Transition {
  return { ...transition, request: { ...transition.request, cardStale: true, dueAt: now } };
}

/** The stale card was redrawn: the mark goes, and the request waits for what it waited for before. */
export function cardRedrawn(request: InvalidationRequest, now: string): InvalidationRequest {
  const { cardStale: _cardStale, ...rest } = bump(request);
  return withNaturalDue(rest as InvalidationRequest, now);
}

/** Redrawing the stale card failed for a reason that may pass: try again after `delayMs`. */
export function redrawRetry(request: InvalidationRequest, now: string, delayMs: number): InvalidationRequest {
  return { ...bump(request), dueAt: addMs(now, delayMs) };
}

export function hasSent(request: InvalidationRequest, kind: NoticeKind): boolean {
  return request.noticesSent.includes(kind);
}

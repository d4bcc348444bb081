import { addMs } from '../schedule.js';
import { nextChoiceTick } from './choice.js';
import {
  auditEvent,
  bump,
  type InvalidationRequest,
  type NoticeKind,
  type RequestIn,
  type Status,
  type Transition,
  withoutCardStale,
  withoutDue,
  withoutOutbox,
} from './model.js';
import { WATCHDOG_MS } from './submission.js';

/** Halfway to expiry: the reminder to the approvers is due now. */
export function reminderDue(
  request: RequestIn<'pending_approval'>,
  now: string,
): Transition<'pending_approval'> {
  const next: RequestIn<'pending_approval'> = {
    ...bump(request),
    outbox: { kind: 'reminder', tries: 0 },
    dueAt: now,
  };
  return { request: next };
}

/**
 * Recorded before each attempt to post a notice: if the process dies after Slack took the message but
 * before `noticeSent` is written, the next attempt sees `tries > 0` and looks in the thread first.
 */
export function noticeTried<R extends InvalidationRequest>(request: R): R {
  if (!request.outbox) return request;
  return { ...bump(request), outbox: { ...request.outbox, tries: request.outbox.tries + 1 } };
}

/**
 * The writer of `transition`, which makes a notice due, posts it right after the write: the attempt
 * (`noticeTried`) is recorded in that same write, and the notice is due again only at `until` (the writer's
 * lease), should the writer stop before it is posted. Nothing else changes.
 */
export function noticeTriedWith<S extends Status>(transition: Transition<S>, until: string): Transition<S> {
  const { request } = transition;
  if (!request.outbox) return transition;
  const tried = { ...request, outbox: { ...request.outbox, tries: request.outbox.tries + 1 }, dueAt: until };
  return { ...transition, request: tried };
}

/**
 * Posting the notice failed: try again after `delayMs`. Counted in the outbox's `tries`, not in
 * `attempts`, which belongs to the request's own step (a submission's retries, say).
 */
export function noticeRetry<R extends InvalidationRequest>(request: R, now: string, delayMs: number): R {
  return { ...bump(request), dueAt: addMs(now, delayMs) };
}

/** The notice is in the thread: record it, once, and go back to what the request was waiting for. */
export function noticeSent<S extends Status>(request: RequestIn<S>, now: string): Transition<S> {
  const kind = request.outbox?.kind;
  if (!kind) return { request };
  const sent = { ...withoutOutbox(bump(request)), noticesSent: [...request.noticesSent, kind] };
  const next = withNaturalDue(sent, now);
  const type = kind === 'reminder' ? 'reminder_sent' : 'notice_sent';
  return { request: next, event: auditEvent(request, type, now, undefined, { kind }, `${type}:${kind}`) };
}

/** The request waits again for its next step once no notice is due. */
function withNaturalDue<R extends InvalidationRequest>(request: R, now: string): R {
  const dueAt = naturalDue(request, now);
  return dueAt === undefined ? withoutDue(request) : { ...request, dueAt };
}

/** When the next step is due once no notice is (in-progress ones: their poll or watchdog; terminal ones: never). */
function naturalDue(request: InvalidationRequest, now: string): string | undefined {
  // A notice still waiting (how the request ended, say) goes before anything else.
  if (request.outbox) return now;
  switch (request.status) {
    case 'pending_approval':
      return request.expiresAt;
    case 'awaiting_choice':
      // Its countdown's next tick, or going as it is once the wait is over.
      return nextChoiceTick(now, request.choiceUntil);
    case 'in_progress':
      // One that polls itself has no other poll: it looks again at once, and then on its schedule.
      return request.pollsItself ? now : addMs(now, WATCHDOG_MS);
    case 'new':
    case 'approved':
    case 'queued':
      return request.dueAt;
    default:
      return undefined;
  }
}

/**
 * The change in `transition` is drawn by the worker, not by its writer: the card is marked stale and due
 * now, in the change's own conditional write, so the redraw survives the writer being stopped right after.
 */
export function redrawLater<S extends Status>(transition: Transition<S>, now: string): Transition<S> {
  return { ...transition, request: { ...transition.request, cardStale: true, dueAt: now } };
}

/** The stale card was redrawn: the mark goes, and the request waits for what it waited for before. */
export function cardRedrawn<R extends InvalidationRequest>(request: R, now: string): R {
  return withNaturalDue(withoutCardStale(bump(request)), now);
}

/** Redrawing the stale card failed for a reason that may pass: try again after `delayMs`. */
export function redrawRetry<R extends InvalidationRequest>(request: R, now: string, delayMs: number): R {
  return { ...bump(request), dueAt: addMs(now, delayMs) };
}

export function hasSent(request: InvalidationRequest, kind: NoticeKind): boolean {
  return request.noticesSent.includes(kind);
}

import { batchSize } from '../capacity.js';
import { addMs, elapsedMs } from '../schedule.js';
import {
  type AuditEvent,
  auditEvent,
  type Batch,
  batchDistribution,
  bump,
  type Failure,
  type InvalidationRequest,
  type QueueReason,
  type RequestIn,
  type Transition,
} from './model.js';

/** Approved, but CloudFront has no room now: wait, and try again at `retryMs`. The card says why. */
export function queue(
  request: RequestIn<'approved' | 'queued'>,
  reason: QueueReason,
  now: string,
  retryMs: number,
  turn = 0,
): Transition<'queued'> {
  const dueAt = addMs(now, retryMs);
  if (request.status === 'queued') {
    const next: RequestIn<'queued'> = {
      ...bump(request),
      queue: reason,
      attempts: request.attempts + 1,
      dueAt,
    };
    return { request: next };
  }
  const next: RequestIn<'queued'> = {
    ...bump(request),
    status: 'queued',
    queue: reason,
    queuedAt: now,
    turn,
    dueAt,
  };
  return { request: next, event: auditEvent(request, 'queued', now, undefined, { reason: reason.code }) };
}

/**
 * Some or all batches were accepted by CloudFront; the rest go as capacity frees. From now on the
 * request is polled with the other in-flight requests of its distribution; or, with `pollAt`, on its own
 * due time, first at `pollAt` (nothing else was in flight there: no distribution poll to share).
 */
export function submitted(
  request: RequestIn<'approved' | 'queued'>,
  batches: Batch[],
  now: string,
  pollAt?: string,
): Transition<'in_progress'> {
  const next: RequestIn<'in_progress'> = {
    ...unqueued(bump(request)),
    status: 'in_progress',
    batches,
    submittedAt: now,
    attempts: 0,
    dueAt: pollAt ?? addMs(now, WATCHDOG_MS),
    ...(pollAt === undefined ? {} : { pollsItself: true as const }),
  };
  return { request: next, event: submittedEvent(request, batches, now) };
}

/** Batches that waited for capacity were accepted later. */
export function moreSubmitted(
  request: RequestIn<'in_progress'>,
  batches: Batch[],
  now: string,
): Transition<'in_progress'> {
  const next: RequestIn<'in_progress'> = { ...bump(request), batches };
  return { request: next, event: submittedEvent(request, batches, now) };
}

function submittedEvent(request: InvalidationRequest, batches: readonly Batch[], now: string) {
  const sent = batches.filter((batch) => batch.invalidationId !== undefined);
  const details: AuditEvent['details'] = {
    invalidationIds: sent.map((batch) => batch.invalidationId ?? ''),
    paths: sent.reduce((sum, batch) => sum + batchSize(batch), 0),
    distributionId: request.distribution.id,
    // Each distribution that has an invalidation, in the order of the invalidation ids.
    distributionIds: sent.map((batch) => batchDistribution(request, batch)),
  };
  if (request.distribution.tenant !== undefined) details.tenant = request.distribution.tenant;
  // One event per set of batches: its key names the last batch, so a retried write of it is recognisable.
  const key = `submitted:${sent.length}`;
  return auditEvent(request, 'submitted', now, undefined, details, key);
}

export interface PollOptions {
  /** after this long in progress, one "still in progress" note goes to the thread */
  slowAfterMs: number;
}

/**
 * An in-progress request is polled with its distribution; its own due time is only a watchdog that makes
 * sure a poll stays scheduled, should the poll's record ever be lost.
 */
export const WATCHDOG_MS = 10 * 60_000;

/** The watchdog fired: the caller makes sure the distribution's poll is scheduled; look again later. */
export function watchdog(request: RequestIn<'in_progress'>, now: string): RequestIn<'in_progress'> {
  return { ...bump(request), dueAt: addMs(now, WATCHDOG_MS) };
}

/**
 * A request that polls itself looked at CloudFront (`transition`, from `polled`): while it stays in
 * progress with no notice due, its next poll is due at `at`, in the same write (a write even when the poll
 * changed nothing, since the due time moves).
 */
export function pollAgainAt(
  request: RequestIn<'in_progress'>,
  transition: Transition<'in_progress' | 'completed'>,
  at: string,
): Transition<'in_progress' | 'completed'> {
  const next = transition.request;
  if (next.status !== 'in_progress' || next.outbox) return transition;
  return { ...transition, request: { ...(next === request ? bump(request) : next), dueAt: at } };
}

/**
 * Records the latest poll; completes the request once every batch is submitted and Completed. Returns the
 * very same request when nothing changed, so the caller can skip the write.
 */
export function polled(
  request: RequestIn<'in_progress'>,
  completedIds: ReadonlySet<string>,
  now: string,
  options: PollOptions,
): Transition<'in_progress' | 'completed'> {
  const batches = request.batches.map((batch) => ({
    ...batch,
    completed:
      batch.completed || (batch.invalidationId !== undefined && completedIds.has(batch.invalidationId)),
  }));
  if (batches.every((batch) => batch.completed)) {
    const done: RequestIn<'completed'> = {
      ...bump(request),
      status: 'completed',
      batches,
      completedAt: now,
      outbox: { kind: 'completed', tries: 0 },
      attempts: 0,
      dueAt: now,
    };
    const durationMs = elapsedMs(request.submittedAt, now);
    return { request: done, event: auditEvent(request, 'completed', now, undefined, { durationMs }) };
  }
  const slow =
    !request.noticesSent.includes('slow') &&
    !request.outbox &&
    elapsedMs(request.submittedAt, now) >= options.slowAfterMs;
  const changed = batches.some((batch, index) => batch.completed !== request.batches[index]?.completed);
  if (!slow && !changed) return { request };
  const next: RequestIn<'in_progress'> = slow
    ? { ...bump(request), batches, outbox: { kind: 'slow', tries: 0 }, dueAt: now }
    : { ...bump(request), batches };
  return { request: next };
}

/** How much of a failure's message is kept: it is stored twice, and the request's size is bounded. */
export const FAILURE_MESSAGE_MAX_LENGTH = 500;

/** A step failed for good. Only a request still on its way can fail; terminal ones never change. */
export function failed(
  request: RequestIn<'new' | 'approved' | 'queued' | 'in_progress'>,
  code: string,
  message: string,
  now: string,
): Transition<'failed'> {
  const failure: Failure = { code, message: message.slice(0, FAILURE_MESSAGE_MAX_LENGTH), at: now };
  const next: RequestIn<'failed'> = {
    ...unqueued(bump(request)),
    status: 'failed',
    failure,
    outbox: { kind: 'failed', tries: 0 },
    dueAt: now,
  };
  return {
    request: next,
    event: auditEvent(request, 'failed', now, undefined, { code, message: failure.message }),
  };
}

/** The step failed for a reason that may pass: try again after `delayMs`. */
export function retryLater<R extends InvalidationRequest>(request: R, now: string, delayMs: number): R {
  return { ...bump(request), attempts: request.attempts + 1, dueAt: addMs(now, delayMs) };
}

type QueueFields = 'queue' | 'queuedAt' | 'turn';

/** A request leaving the queue (or never queued): why and since when it waited, and its turn, go. */
function unqueued(
  request: RequestIn<'approved' | 'queued'>,
): RequestIn<'approved'> | Omit<RequestIn<'queued'>, QueueFields>;
function unqueued(
  request: RequestIn<'new' | 'approved' | 'queued' | 'in_progress'>,
): RequestIn<'new' | 'approved' | 'in_progress'> | Omit<RequestIn<'queued'>, QueueFields>;
function unqueued(request: RequestIn<'new' | 'approved' | 'queued' | 'in_progress'>) {
  if (request.status !== 'queued') return request;
  const { queue: _queue, queuedAt: _queuedAt, turn: _turn, ...rest } = request;
  return rest;
}

import { admissionOrder, QUEUE_RECHECK_FIRST_MS, queueRecheckMs } from '../core/queue-order.js';
import { type InvalidationRequest, type QueueReason, queue, type RequestIn } from '../core/request.js';
import { addMs, elapsedMs } from '../core/schedule.js';
import type { Services } from './ports.js';

/**
 * No room yet. An approved request joins the queue in `turn` (a state change, with its event and a redraw); a
 * queued one only moves its next look to later, backing off as it waits, and is woken at once by
 * `nudgeQueue` when the bot's own invalidations free capacity.
 */
export async function waitInQueue(
  services: Pick<Services, 'clock' | 'requests' | 'work' | 'workerId'>,
  request: RequestIn<'approved' | 'queued'>,
  reason: QueueReason,
  turn: number,
  redraw: (request: InvalidationRequest) => Promise<void>,
): Promise<void> {
  const { clock, workerId } = services;
  const now = clock.now();
  if (request.status === 'queued') {
    const waitMs = queueRecheckMs(elapsedMs(request.queuedAt, now));
    await services.work.recheckQueued(request, workerId, addMs(now, waitMs));
    return;
  }
  const transition = queue(request, reason, now, QUEUE_RECHECK_FIRST_MS, turn);
  if ((await services.requests.save(transition)) && transition.event) await redraw(transition.request);
}

/** Capacity freed up on this distribution: the first queued requests in admission order may fit now. */
export async function nudgeQueue(
  services: Pick<Services, 'capacity' | 'clock' | 'work'>,
  distributionId: string,
): Promise<void> {
  const queued = admissionOrder(await services.capacity.queued(distributionId));
  for (const { id } of queued.slice(0, NUDGE_AT_ONCE)) await services.work.nudge(id, services.clock.now());
}

/** How many queued requests one freed slot wakes; they go in order, and those that do not fit wait again. */
const NUDGE_AT_ONCE = 5;

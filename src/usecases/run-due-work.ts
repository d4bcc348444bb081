import { expire, type InvalidationRequest, type RequestIn } from '../core/request.js';
import { addMs } from '../core/schedule.js';
import { announce } from './announce.js';
import { pollRequest } from './poll.js';
import type { Services } from './ports.js';
import { postCard } from './post-card.js';
import { refreshCard } from './refresh-card.js';
import { remind } from './remind.js';
import { submitRequest } from './submit.js';

/** Most requests taken in one run; a full batch means the caller should run again at once. */
export const WORK_BATCH = 50;

/**
 * Runs the work that is due now: post a card whose poster died, submit, poll, announce, expire. Any number
 * of processes may call this on one table: each step is claimed with a conditional lease first. The server's
 * loop and a scheduled worker both call exactly this.
 */
export async function runDueWork(services: Services): Promise<number> {
  const { store, clock, workerId, logger, policy } = services;
  const now = clock.now();
  const due = await store.due(now, WORK_BATCH);
  for (const request of due) {
    if (!(await store.claim(request, workerId, now, addMs(now, policy.workLeaseSeconds * 1000)))) continue;
    try {
      await runStep(services, request);
    } catch (error) {
      // The lease runs out and the step is tried again; nothing was recorded as done.
      logger.error('a step of due work failed', { requestId: request.id, status: request.status, error });
    }
  }
  return due.length;
}

async function runStep(services: Services, request: InvalidationRequest): Promise<void> {
  switch (request.status) {
    case 'new':
      await postCard(services, request);
      return;
    case 'pending_approval':
      await pendingStep(services, request);
      return;
    case 'approved':
      await submitRequest(services, request);
      return;
    case 'in_progress':
      await pollRequest(services, request);
      return;
    case 'completed':
    case 'failed':
      if (request.notice === 'pending') await announce(services, request);
      return;
    case 'denied':
    case 'undeliverable':
    case 'expired':
    case 'cancelled':
      return;
    default: {
      const unreachable: never = request;
      throw new Error(`unknown status ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A pending request is due for its reminder, or its expiry; expiry wins if both are past. */
async function pendingStep(services: Services, request: RequestIn<'pending_approval'>): Promise<void> {
  const now = services.clock.now();
  if (request.expiresAt <= now) {
    const transition = expire(request, now);
    if (await services.store.save(transition)) await refreshCard(services, transition.request);
    return;
  }
  if (!request.reminded && request.remindAt <= now) await remind(services, request);
}

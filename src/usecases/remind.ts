import { type RequestIn, reminderSent, retryLater } from '../core/request.js';
import { retryDelayMs } from '../core/schedule.js';
import type { Services } from './ports.js';

/**
 * Halfway to expiry, one reminder in the card's thread mentions the approvers. Recorded right after it
 * is posted; the window between the two is the same as for completion notices (announce.ts).
 */
export async function remind(services: Services, request: RequestIn<'pending_approval'>): Promise<void> {
  const { cards, store, clock, logger, ids } = services;
  try {
    await cards.remind(request);
  } catch (error) {
    const delayMs = retryDelayMs(request.attempts, ids.random());
    logger.warn('posting the approval reminder failed; will retry', {
      requestId: request.id,
      delayMs,
      error,
    });
    await store.save({ request: retryLater(request, clock.now(), delayMs) });
    return;
  }
  await store.save(reminderSent(request, clock.now()));
}

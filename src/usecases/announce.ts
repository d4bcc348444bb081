import { noticeSent, type RequestIn, retryLater } from '../core/request.js';
import { retryDelayMs } from '../core/schedule.js';
import type { Services } from './ports.js';
import { refreshCard } from './refresh-card.js';

/**
 * Tells the card's thread that a request completed or failed, then records that the notice went out.
 * If Slack fails, the notice stays due and is retried from the queue.
 * Window: a crash after Slack accepted the reply but before the record is written posts it once more
 * when the work is picked up again; the conditional write keeps it to that one extra message at most.
 */
export async function announce(
  services: Services,
  request: RequestIn<'completed' | 'failed'>,
): Promise<void> {
  const { cards, store, clock, logger, ids } = services;
  await refreshCard(services, request);
  try {
    await cards.announce(request);
  } catch (error) {
    const delayMs = retryDelayMs(request.attempts, ids.random());
    logger.warn('posting the thread notice failed; will retry', { requestId: request.id, delayMs, error });
    await store.save({ request: retryLater(request, clock.now(), delayMs) });
    return;
  }
  await store.save(noticeSent(request, clock.now()));
}

import { failed, type RequestIn, retryLater } from '../core/request.js';
import { retryDelayMs } from '../core/schedule.js';
import { CdnError, type Services } from './ports.js';
import { refreshCard } from './refresh-card.js';

/**
 * A step of due work failed. Permanent CloudFront errors end the request with words a person can act on
 * (the notice goes out as the next step); anything else is retried later with backoff and jitter.
 */
export async function handleStepError(
  services: Services,
  request: RequestIn<'new' | 'approved' | 'in_progress'>,
  error: unknown,
): Promise<void> {
  const { store, clock, logger, ids } = services;
  const now = clock.now();
  if (error instanceof CdnError && error.kind === 'permanent') {
    logger.warn('step failed permanently', { requestId: request.id, code: error.code, error });
    const transition = failed(request, error.code, error.message, now);
    if (await store.save(transition)) {
      await refreshCard(services, transition.request);
      services.wake();
    }
    return;
  }
  const delayMs = retryDelayMs(request.attempts, ids.random());
  logger.warn('step failed; will retry', { requestId: request.id, status: request.status, delayMs, error });
  await store.save({ request: retryLater(request, now, delayMs) });
}

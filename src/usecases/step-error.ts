import { nextTurn } from '../core/queue-order.js';
import { failed, type InvalidationRequest, type RequestIn, retryLater } from '../core/request.js';
import { retryDelayMs } from '../core/schedule.js';
import { CdnError, type Services } from './ports.js';
import { waitInQueue } from './queue.js';
import { releaseReservation } from './reservations.js';

/**
 * Submitting failed. Permanent CloudFront errors end the request with words a person can act on (the
 * notice goes out as the next step); CloudFront's own capacity limit queues it; anything else (throttling,
 * 5xx, timeouts) is retried later with backoff and jitter.
 */
export async function handleSubmitError(
  services: Pick<
    Services,
    'capacity' | 'clock' | 'counters' | 'ids' | 'logger' | 'requests' | 'wake' | 'work' | 'workerId'
  >,
  request: RequestIn<'approved' | 'queued'>,
  error: unknown,
  redraw: (request: InvalidationRequest) => Promise<void>,
): Promise<void> {
  const { clock, logger, ids } = services;
  const now = clock.now();
  if (error instanceof CdnError && error.kind === 'permanent') {
    logger.warn('submission failed permanently', { requestId: request.id, code: error.code, error });
    const transition = failed(request, error.code, error.message, now);
    if (!(await services.requests.save(transition))) return;
    // Nothing of it reached CloudFront (a first batch refused for good), so nothing of it is billed.
    await releaseReservation(services, transition.request);
    services.wake();
    return;
  }
  if (error instanceof CdnError && error.kind === 'capacity') {
    logger.info('CloudFront has too many invalidations in progress; queued', { requestId: request.id });
    const turn =
      request.status === 'queued'
        ? (request.turn ?? 0)
        : nextTurn(await services.capacity.queued(request.distribution.id), request.requester);
    await waitInQueue(services, request, { code: 'too_many_in_progress' }, turn, redraw);
    return;
  }
  const delayMs = retryDelayMs(request.attempts, ids.random());
  logger.warn('submission failed; will retry', { requestId: request.id, delayMs, error });
  await services.requests.save({ request: retryLater(request, now, delayMs) });
}

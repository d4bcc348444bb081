import { polled, type RequestIn } from '../core/request.js';
import { pollDelayMs, retryDelayMs } from '../core/schedule.js';
import { announce } from './announce.js';
import type { Services } from './ports.js';

/**
 * Asks CloudFront for the status of a request's invalidations. A slow invalidation is never reported as
 * failed, and an error while polling only delays the next poll: the invalidation itself is already made.
 */
export async function pollRequest(services: Services, request: RequestIn<'in_progress'>): Promise<void> {
  const { cdn, store, clock, policy, logger, ids } = services;
  const completed = new Set<string>();
  let delayMs: number | undefined;
  for (const batch of request.batches) {
    if (batch.completed || !batch.invalidationId) continue;
    try {
      const status = await cdn.status({
        distributionId: request.distribution.id,
        invalidationId: batch.invalidationId,
      });
      if (status === 'Completed') completed.add(batch.invalidationId);
    } catch (error) {
      logger.warn('polling CloudFront failed; will poll again', { requestId: request.id, error });
      delayMs = retryDelayMs(request.attempts, ids.random());
    }
  }
  const schedule = {
    firstCheckMs: policy.polling.firstCheckSeconds * 1000,
    maxIntervalMs: policy.polling.maxIntervalSeconds * 1000,
  };
  const transition = polled(
    request,
    completed,
    clock.now(),
    delayMs ?? pollDelayMs(request.attempts + 1, schedule),
  );
  if (!(await store.save(transition))) return;
  if (transition.request.status === 'completed') await announce(services, transition.request);
}

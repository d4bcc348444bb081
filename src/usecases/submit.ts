import { batchesFor, type RequestIn, submitted } from '../core/request.js';
import type { Services } from './ports.js';
import { refreshCard } from './refresh-card.js';
import { handleStepError } from './step-error.js';

/**
 * Submits an approved request to CloudFront. Each batch's CallerReference is derived from the request id
 * and reused on every retry, so a retry after a crash or a timeout returns the invalidation already made
 * instead of creating a second one.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
 */
export async function submitRequest(services: Services, request: RequestIn<'approved'>): Promise<void> {
  const { cdn, store, clock, policy } = services;
  const batches = batchesFor(request.id, request.paths);
  try {
    for (const batch of batches) {
      const { invalidationId } = await cdn.create({
        distributionId: request.distribution.id,
        paths: batch.paths,
        callerReference: batch.callerReference,
      });
      batch.invalidationId = invalidationId;
    }
  } catch (error) {
    await handleStepError(services, request, error);
    return;
  }
  const transition = submitted(request, batches, clock.now(), policy.polling.firstCheckSeconds * 1000);
  if (await store.save(transition)) await refreshCard(services, transition.request);
}

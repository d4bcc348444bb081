import { polled, type RequestIn } from '../core/request.js';
import { pollDelayMs } from '../core/schedule.js';
import { deliverNotice } from './deliver-notice.js';
import type { InvalidationStatus, Services } from './ports.js';
import { nudgeQueue, submitRemaining } from './submit.js';

/**
 * Polls every due in-flight request of one distribution with one ListInvalidations call (newest first,
 * it reports many at once), falling back to GetInvalidation only for ids not on its first page. A slow
 * invalidation is never reported as failed, and an error only delays the next poll.
 */
export async function pollDistribution(
  services: Services,
  distributionId: string,
  requests: ReadonlyArray<RequestIn<'in_progress'>>,
): Promise<void> {
  let recent: Map<string, InvalidationStatus> | undefined;
  try {
    recent = await services.cdn.recent(distributionId);
  } catch (error) {
    services.logger.warn('listing invalidations failed; asking one by one', { distributionId, error });
  }
  for (const request of requests) await pollRequest(services, request, recent);
}

async function pollRequest(
  services: Services,
  request: RequestIn<'in_progress'>,
  recent: Map<string, InvalidationStatus> | undefined,
): Promise<void> {
  const { store, clock, policy } = services;
  const completed = await completedIds(services, request, recent);
  const schedule = {
    firstCheckMs: policy.polling.firstCheckSeconds * 1000,
    maxIntervalMs: policy.polling.maxIntervalSeconds * 1000,
  };
  // A failed lookup (throttling, 5xx) waits for the next poll on the usual schedule, which never exceeds
  // maxIntervalSeconds: polling is read-only and safe to repeat, and the invalidation itself is made.
  const nextPollMs = pollDelayMs(request.attempts + 1, schedule);
  const slowAfterMs = policy.polling.slowNoticeMinutes * 60_000;
  const transition = polled(request, completed, clock.now(), { nextPollMs, slowAfterMs });
  if (!(await store.save(transition))) return;
  const next = transition.request;
  if (next.status === 'completed') await nudgeQueue(services, request.distribution.id);
  if (next.status === 'in_progress') await submitRemaining(services, next);
  if (next.outbox) await deliverNotice(services, next);
}

async function completedIds(
  services: Services,
  request: RequestIn<'in_progress'>,
  recent: Map<string, InvalidationStatus> | undefined,
): Promise<Set<string>> {
  const completed = new Set<string>();
  for (const batch of request.batches) {
    const invalidationId = batch.invalidationId;
    if (batch.completed || invalidationId === undefined) continue;
    let status = recent?.get(invalidationId);
    if (status === undefined) {
      try {
        status = await services.cdn.status({ distributionId: request.distribution.id, invalidationId });
      } catch (error) {
        services.logger.warn('polling CloudFront failed; will poll again', { requestId: request.id, error });
        continue;
      }
    }
    if (status === 'Completed') completed.add(invalidationId);
  }
  return completed;
}

import { billingMonth } from '../core/cost.js';
import type { InvalidationRequest } from '../core/request.js';
import { summariseUsage, type UsageSummary } from '../core/usage.js';
import { CdnError, type LiveInvalidation, type Services, type StoredRequest } from './ports.js';

/** `/invalidate status <id>`: the request, its audit events, and CloudFront's word on each invalidation. */
export async function requestStatus(
  services: Services,
  requestId: string,
): Promise<{ stored: StoredRequest; live: LiveInvalidation[] } | undefined> {
  const stored = await services.store.get(requestId);
  if (!stored) return undefined;
  const { request } = stored;
  const live: LiveInvalidation[] = [];
  if ('batches' in request) {
    for (const batch of request.batches) {
      if (!batch.invalidationId) continue;
      try {
        live.push(
          await services.cdn.describe({
            distributionId: request.distribution.id,
            invalidationId: batch.invalidationId,
          }),
        );
      } catch (error) {
        // The recorded state still answers the question; the answer says CloudFront's word is missing.
        services.logger.warn('could not fetch the invalidation for a status', { requestId, error });
        live.push({
          id: batch.invalidationId,
          unavailable: error instanceof CdnError ? error.code : 'no answer',
        });
      }
    }
  }
  return { stored, live };
}

export interface ListQuery {
  distributionId?: string;
  requester?: string;
  cursor?: string;
}

export const LIST_PAGE_SIZE = 10;

/** `/invalidate list [alias] [mine]`: recent requests, newest first, a page at a time. */
export async function listRequests(
  services: Services,
  query: ListQuery,
): Promise<{ requests: InvalidationRequest[]; cursor?: string }> {
  const month = billingMonth(services.clock.now());
  const { distributionId, requester, cursor } = query;
  const page = await services.store.recentRequests({
    month,
    limit: LIST_PAGE_SIZE,
    ...(distributionId ? { distributionId } : {}),
    ...(cursor ? { cursor } : {}),
    ...(requester && !distributionId ? { requester } : {}),
  });
  // "<alias> mine": the distribution's listing, narrowed to the requester.
  const requests =
    requester && distributionId ? page.requests.filter((r) => r.requester === requester) : page.requests;
  return page.cursor ? { requests, cursor: page.cursor } : { requests };
}

/** `/invalidate usage [YYYY-MM]`: the month's exact usage and cost, from the records. */
export async function usageReport(services: Services, month?: string): Promise<UsageSummary> {
  const now = services.clock.now();
  const which = month ?? billingMonth(now);
  const rows = await services.store.usageRows(which);
  return summariseUsage(which, rows, services.policy.cost, now);
}

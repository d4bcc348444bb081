import { accountOfDistribution, configuredAccounts, HOME_ACCOUNT } from '../core/accounts.js';
import { billingMonth } from '../core/cost.js';
import { batchDistribution, distributionWithId, type InvalidationRequest } from '../core/request.js';
import { rowsAsSeen, summariseUsage, type UsageAccounts, type UsageSummary } from '../core/usage.js';
import type { Access, AccessCheck } from '../core/visibility.js';
import { CdnError, type LiveInvalidation, type Services, type StoredRequest } from './ports.js';

/** One request in a report, with what the viewer may see of it (core/visibility.ts). */
export interface ReportedRequest {
  access: Access;
  request: InvalidationRequest;
}

/**
 * `/invalidate status <id>`: the request, its audit events, and CloudFront's word on each invalidation.
 * A viewer with restricted access gets no audit events: they carry reasons, paths and who acted.
 */
export async function requestStatus(
  services: Pick<Services, 'requests' | 'cdn' | 'logger'>,
  requestId: string,
  access: AccessCheck,
): Promise<{ stored: StoredRequest; live: LiveInvalidation[]; access: Access } | undefined> {
  const found = await services.requests.get(requestId);
  if (!found) return undefined;
  const { request } = found;
  const seen = access(request.distribution.id, request.requester);
  const stored = seen === 'full' ? found : { ...found, events: [] };
  const live: LiveInvalidation[] = [];
  if ('batches' in request) {
    for (const batch of request.batches) {
      if (!batch.invalidationId) continue;
      try {
        live.push(
          await services.cdn.describe({
            distributionId: batchDistribution(request, batch),
            ...(request.distribution.tenant === undefined ? {} : { tenantId: request.distribution.tenant }),
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
  return { stored, live, access: seen };
}

export interface ListQuery {
  distributionId?: string;
  requester?: string;
  cursor?: string;
}

export const LIST_PAGE_SIZE = 10;

/** `/invalidate list [alias] [mine]`: recent requests, newest first, a page at a time, each with its access. */
export async function listRequests(
  services: Pick<Services, 'audit' | 'clock'>,
  query: ListQuery,
  access: AccessCheck,
): Promise<{ requests: ReportedRequest[]; cursor?: string }> {
  const month = billingMonth(services.clock.now());
  const { distributionId, requester, cursor } = query;
  const page = await services.audit.recentRequests({
    month,
    limit: LIST_PAGE_SIZE,
    ...(distributionId ? { distributionId } : {}),
    ...(cursor ? { cursor } : {}),
    ...(requester && !distributionId ? { requester } : {}),
  });
  // "<alias> mine": the distribution's listing, narrowed to the requester.
  const mine =
    requester && distributionId ? page.requests.filter((r) => r.requester === requester) : page.requests;
  const requests = mine.map((request) => ({
    access: access(request.distribution.id, request.requester),
    request,
  }));
  return page.cursor ? { requests, cursor: page.cursor } : { requests };
}

/** The usage summary, with what reconciliation knows of the account for naming its distributions. */
export interface UsageReport extends UsageSummary {
  /** true when the bot may not list the account's distributions: usage covers configured ones only */
  configuredOnly: boolean;
  /**
   * With several AWS accounts, those whose distributions the bot may not list (the others were listed):
   * usage covers only their configured distributions
   */
  unlistedAccounts?: string[];
  /** the domain names of the account's distributions, by id, as last listed */
  domainNames: Record<string, string>;
}

/**
 * `/invalidate usage [YYYY-MM]`: the month's exact usage and cost, from the records. Every row counts in
 * the totals; rows the viewer may not see in detail are summed under one "restricted" requester.
 */
export async function usageReport(
  services: Pick<Services, 'ledger' | 'clock' | 'policy' | 'reconcileState'>,
  access: AccessCheck,
  month?: string,
): Promise<UsageReport> {
  const now = services.clock.now();
  const which = month ?? billingMonth(now);
  const [rows, listing] = await Promise.all([
    services.ledger.usageRows(which),
    services.reconcileState.listing(),
  ]);
  const configured = (id: string) => distributionWithId(services.policy.distributions, id) !== undefined;
  const summary = summariseUsage(
    which,
    rowsAsSeen(rows, access, configured),
    services.policy.cost,
    now,
    usageAccounts(services.policy),
  );
  const domainNames =
    listing?.coverage === 'account'
      ? Object.fromEntries(listing.distributions.map((d) => [d.id, d.domainName]))
      : {};
  const unlisted = listing?.coverage === 'account' ? (listing.deniedAccounts ?? []) : [];
  return {
    ...summary,
    configuredOnly: listing?.coverage === 'configured',
    ...(unlisted.length > 0 ? { unlistedAccounts: unlisted } : {}),
    domainNames,
  };
}

/**
 * The AWS account each usage row bills in: its distribution's as configured; for a distribution the config
 * does not name, the account reconciliation found it in (kept on the row), else the bot's own.
 */
export function usageAccounts(policy: Services['policy']): UsageAccounts {
  return {
    configured: configuredAccounts(policy),
    accountOf: (row) => accountOfDistribution(policy, row.distributionId) ?? row.account ?? HOME_ACCOUNT,
  };
}

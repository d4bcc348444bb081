import { wholeCents } from '../core/cost.js';
import type { AuditEvent, CommandRefusalRecord, InvalidationRequest } from '../core/request.js';
import type { AuditQueries, Refusals, StoredProposal, StoredRequest } from './ports.js';

export interface ExportQuery {
  /** first UTC day included, YYYY-MM-DD */
  since: string;
  /** last UTC day included, YYYY-MM-DD */
  until: string;
  distributionId?: string;
}

/** Every audit event in the period, oldest request first, each request's events in order. */
export async function* exportEvents(
  audit: Pick<AuditQueries, 'requestsCreatedIn' | 'requestsActiveIn'>,
  query: ExportQuery,
): AsyncIterable<{ event: AuditEvent; request: InvalidationRequest }> {
  const from = `${query.since}T00:00:00.000Z`;
  const to = `${query.until}T23:59:59.999Z`;
  for await (const { request, events } of requestsWithActivity(audit, query)) {
    if (query.distributionId && request.distribution.id !== query.distributionId) continue;
    for (const event of events) if (event.at >= from && event.at <= to) yield { event, request };
  }
}

/**
 * Every request that may have an event in the period: those created before it that had an event recorded
 * in one of its months (a refusal today on a request from three months ago), then those created in it.
 * Each once, oldest first; no month before the period is read whole.
 */
async function* requestsWithActivity(
  audit: Pick<AuditQueries, 'requestsCreatedIn' | 'requestsActiveIn'>,
  query: ExportQuery,
): AsyncIterable<StoredRequest> {
  const months = monthsBetween(query.since, query.until);
  yield* audit.requestsActiveIn(months);
  for (const month of months) yield* audit.requestsCreatedIn(month);
}

/**
 * The words given for an event, as one plain cell: the request's reason, the denial's, the queue's, or
 * the failure's message. Undefined for events that carry none.
 */
export function reasonOf(event: AuditEvent): string | undefined {
  const text = event.type === 'failed' ? event.details.message : event.details.reason;
  return typeof text === 'string' ? text : undefined;
}

/** Every request created in the period (one row each, in its current state). */
export async function* exportRequests(
  audit: Pick<AuditQueries, 'requestsCreatedIn'>,
  query: ExportQuery,
): AsyncIterable<InvalidationRequest> {
  const created = createdInPeriod(
    query,
    (month) => audit.requestsCreatedIn(month),
    ({ request }) => request,
  );
  for await (const { request } of created) yield request;
}

/**
 * What was created in the period, month by month as `createdIn` lists it, on the query's distribution
 * when it names one; `subject` is what in an item has a creation time and a distribution.
 */
async function* createdInPeriod<T>(
  query: ExportQuery,
  createdIn: (month: string) => AsyncIterable<T>,
  subject: (item: T) => { createdAt: string; distribution: { id: string } },
): AsyncIterable<T> {
  const from = `${query.since}T00:00:00.000Z`;
  const to = `${query.until}T23:59:59.999Z`;
  for (const month of monthsBetween(query.since, query.until)) {
    for await (const item of createdIn(month)) {
      const { createdAt, distribution } = subject(item);
      if (query.distributionId && distribution.id !== query.distributionId) continue;
      if (createdAt >= from && createdAt <= to) yield item;
    }
  }
}

/**
 * Every deploy proposal created in the period (one row each, in its current state: still open, or how it
 * ended). A proposal lives at most `origin.proposalMinutes` (a week at most), so its outcome is told on the
 * row of the month it was proposed in, as a request's is.
 */
export function exportProposals(
  audit: Pick<AuditQueries, 'proposalsCreatedIn'>,
  query: ExportQuery,
): AsyncIterable<StoredProposal> {
  return createdInPeriod(
    query,
    (month) => audit.proposalsCreatedIn(month),
    ({ proposal }) => proposal,
  );
}

/**
 * The columns of a request row, in order. Columns are only ever added at the end, so that a consumer
 * reading them by position keeps working: `pipeline`, `ciUrl` and `commit` came with pipeline requests.
 */
export const REQUEST_COLUMNS = [
  'createdAt',
  'requestId',
  'status',
  'distribution',
  'distributionId',
  'requester',
  'paths',
  'billablePaths',
  'costUsd',
  'reason',
  'decidedBy',
  'invalidationIds',
  'pipeline',
  'ciUrl',
  'commit',
] as const;

export type RequestRow = Record<(typeof REQUEST_COLUMNS)[number], string | number | undefined>;

/**
 * One request as an export row, in its current state. A pipeline's request keeps `pipeline:<name>` as its
 * requester and carries what the pipeline said of itself (the CI run's URL and the commit) as it was sent:
 * the export is the record, so nothing is shortened or dropped as it is on the card.
 */
export function requestRow(request: InvalidationRequest): RequestRow {
  const decision = 'decision' in request ? request.decision : undefined;
  return {
    createdAt: request.createdAt,
    requestId: request.id,
    status: request.status,
    distribution: request.distribution.alias,
    distributionId: request.distribution.id,
    requester: request.requester,
    paths: request.paths.length,
    billablePaths: request.cost.billable,
    costUsd: wholeCents(request.cost.costUsd),
    reason: request.reason,
    decidedBy: decision?.by,
    invalidationIds:
      'batches' in request ? request.batches.map((b) => b.invalidationId ?? '').join(' ') : undefined,
    pipeline: request.source?.pipeline,
    ciUrl: request.source?.url,
    commit: request.source?.commit,
  };
}

/** One authorization refusal in the export: a refused command, a refused click, or clicks only counted. */
export type RefusalRow =
  | { kind: 'command'; at: string; refusal: CommandRefusalRecord }
  | { kind: 'click'; at: string; event: AuditEvent; request: InvalidationRequest }
  /** refused clicks beyond those a request keeps: how many, `at` being the last one's time */
  | { kind: 'clicks_not_kept'; at: string; count: number; request: InvalidationRequest };

/**
 * Every authorization refusal of the period, oldest first: refused commands (their own items) and refused
 * clicks (events on their requests). Refusals are rare, so the period's are sorted in memory.
 */
export async function exportRefusals(
  stores: {
    audit: Pick<AuditQueries, 'requestsCreatedIn' | 'requestsActiveIn'>;
    refusals: Pick<Refusals, 'commandRefusalsIn'>;
  },
  query: ExportQuery,
): Promise<RefusalRow[]> {
  const from = `${query.since}T00:00:00.000Z`;
  const to = `${query.until}T23:59:59.999Z`;
  const inPeriod = (at: string) => at >= from && at <= to;
  const rows: RefusalRow[] = [];
  for (const month of monthsBetween(query.since, query.until)) {
    for await (const refusal of stores.refusals.commandRefusalsIn(month)) {
      if (query.distributionId && refusal.distribution.id !== query.distributionId) continue;
      if (inPeriod(refusal.at)) rows.push({ kind: 'command', at: refusal.at, refusal });
    }
  }
  for await (const { request, events, refusalsNotKept } of requestsWithActivity(stores.audit, query)) {
    if (query.distributionId && request.distribution.id !== query.distributionId) continue;
    for (const event of events) {
      if (event.type === 'refused' && inPeriod(event.at))
        rows.push({ kind: 'click', at: event.at, event, request });
    }
    if (refusalsNotKept && inPeriod(refusalsNotKept.lastAt)) {
      rows.push({
        kind: 'clicks_not_kept',
        at: refusalsNotKept.lastAt,
        count: refusalsNotKept.count,
        request,
      });
    }
  }
  return rows.sort((a, b) => a.at.localeCompare(b.at));
}

/** The UTC months from `since` to `until`, oldest first, as YYYY-MM. */
export function monthsBetween(since: string, until: string): string[] {
  const [year = 0, month = 1] = since.split('-').map(Number);
  const months: string[] = [];
  for (let offset = 0; ; offset++) {
    const current = new Date(Date.UTC(year, month - 1 + offset, 1)).toISOString().slice(0, 7);
    if (current > until.slice(0, 7)) return months;
    months.push(current);
  }
}

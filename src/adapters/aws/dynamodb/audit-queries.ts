import type { InvalidationRequest, RequestIn } from '../../../core/request.js';
import { monthsBefore } from '../../../core/usage.js';
import type { AuditQueries, RecentQuery, StoredProposal, StoredRequest } from '../../../usecases/ports.js';
import type { ActivityMarkers } from './activity-markers.js';
import { parseProposal, parseStored } from './items.js';
import { Indexes, Keys } from './keys.js';
import type { Table } from './table.js';

/**
 * Requests read back for listings, the audit export and the App Home, from the `byMonth`, `byDistribution`,
 * `byRequester` and `due` indexes.
 */
export class DynamoDbAuditQueries implements AuditQueries {
  constructor(
    private readonly table: Table,
    private readonly activity: ActivityMarkers,
  ) {}

  async recentRequests(query: RecentQuery): Promise<{ requests: InvalidationRequest[]; cursor?: string }> {
    const position = decodeCursor(query.cursor) ?? { month: query.month, key: undefined };
    const requests: InvalidationRequest[] = [];
    // The listing of all requests walks back month by month (at most a year) until the page is full.
    for (let months = 0; months < 12 && requests.length < query.limit; months++) {
      const page = await this.table.queryPage({
        ...recentIndex(query, position.month),
        ScanIndexForward: false,
        Limit: query.limit - requests.length,
        ExclusiveStartKey: position.key,
      });
      requests.push(...(page.Items ?? []).map((item) => parseStored(item).request));
      if (page.LastEvaluatedKey)
        return { requests, cursor: encodeCursor(position.month, page.LastEvaluatedKey) };
      if (query.distributionId || query.requester) return { requests };
      position.month = monthsBefore(position.month, 1)[0] ?? position.month;
      position.key = undefined;
    }
    return requests.length < query.limit
      ? { requests }
      : { requests, cursor: encodeCursor(position.month, undefined) };
  }

  async *requestsCreatedIn(month: string): AsyncIterable<StoredRequest> {
    for await (const item of this.byMonth(Keys.month(month))) yield parseStored(item);
  }

  // Proposals share `byMonth` with requests, under partitions of their own (keys.ts).
  async *proposalsCreatedIn(month: string): AsyncIterable<StoredProposal> {
    for await (const item of this.byMonth(Keys.proposalMonth(month))) yield parseProposal(item);
  }

  /** One partition of `byMonth`, oldest first. */
  private byMonth(monthPk: string) {
    return this.table.query({
      IndexName: Indexes.byMonth,
      KeyConditionExpression: 'monthPk = :monthPk',
      ExpressionAttributeValues: { ':monthPk': monthPk },
    });
  }

  async *requestsActiveIn(months: readonly string[]): AsyncIterable<StoredRequest> {
    for await (const item of this.activity.requestItemsActiveIn(months)) yield parseStored(item);
  }

  // Every pending request has a next step due (its reminder, then its expiry: core/request/approval.ts), so
  // it is in the sparse `due` index, whose projection is the whole item: one partition read, filtered on
  // the stored status, finds them all without an index of their own. Tasks there carry no status.
  async pendingApprovals(): Promise<Array<RequestIn<'pending_approval'>>> {
    const items = this.table.query({
      IndexName: Indexes.due,
      KeyConditionExpression: 'duePk = :duePk',
      FilterExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':duePk': Keys.duePartition, ':pending': 'pending_approval' },
    });
    const pending: Array<RequestIn<'pending_approval'>> = [];
    for await (const item of items) {
      if (item.sk === Keys.taskSk) continue;
      const { request } = parseStored(item);
      if (request.status === 'pending_approval') pending.push(request);
    }
    return pending;
  }
}

function recentIndex(query: RecentQuery, month: string) {
  if (query.distributionId) {
    return {
      IndexName: Indexes.byDistribution,
      KeyConditionExpression: 'distPk = :pk',
      ExpressionAttributeValues: { ':pk': Keys.distribution(query.distributionId) },
    };
  }
  if (query.requester) {
    return {
      IndexName: Indexes.byRequester,
      KeyConditionExpression: 'userPk = :pk',
      ExpressionAttributeValues: { ':pk': Keys.requester(query.requester) },
    };
  }
  return {
    IndexName: Indexes.byMonth,
    KeyConditionExpression: 'monthPk = :pk',
    ExpressionAttributeValues: { ':pk': Keys.month(month) },
  };
}

/** A page position, opaque to callers: base64url JSON of the month and DynamoDB's last key. */
function encodeCursor(month: string, key: Record<string, unknown> | undefined): string {
  return Buffer.from(JSON.stringify({ month, key })).toString('base64url');
}

function decodeCursor(
  cursor: string | undefined,
): { month: string; key?: Record<string, unknown> } | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      month?: unknown;
      key?: unknown;
    };
    if (typeof parsed.month !== 'string') return undefined;
    return { month: parsed.month, key: (parsed.key as Record<string, unknown> | undefined) ?? undefined };
  } catch {
    return undefined;
  }
}

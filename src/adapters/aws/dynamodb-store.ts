import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Load } from '../../core/capacity.js';
import { billingMonth } from '../../core/cost.js';
import type {
  AuditEvent,
  Batch,
  CommandRefusalRecord,
  InvalidationRequest,
  RequestIn,
  Transition,
} from '../../core/request.js';
import {
  type BatchWithPaths,
  batchSize,
  indexedBatches,
  inFlightLoad,
  loadOf,
  REFUSALS_KEPT_PER_REQUEST,
  Status,
} from '../../core/request.js';
import { monthsBefore, type UsageRow } from '../../core/usage.js';
import type {
  DueWork,
  QueuedRequest,
  RecentQuery,
  RefusalRecorded,
  RequestStore,
  SeenInvalidation,
  StoredRequest,
  Task,
} from '../../usecases/ports.js';
import { ActivityMarkers } from './activity-markers.js';
import { Indexes, Keys, tableDefinition } from './schema.js';

/** Items are parsed on read: the fields the bot branches on are checked, the rest is the shape it wrote. */
const storedSchema = z.object({
  version: z.number().int(),
  request: z.looseObject({
    id: z.string(),
    status: z.enum(Object.values(Status)),
    version: z.number().int(),
  }),
  events: z.array(z.looseObject({ type: z.string(), key: z.string(), at: z.string() })).default([]),
  refusalsNotKept: z.number().int().optional(),
  lastRefusalNotKeptAt: z.string().optional(),
});

const commandRefusalSchema = z.object({
  refusal: z.looseObject({ id: z.string(), at: z.string(), code: z.string(), user: z.string() }),
});

export class DynamoDbRequestStore implements RequestStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly activity: ActivityMarkers;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.activity = new ActivityMarkers(this.documents, tableName);
  }

  async create({ request, event }: Transition): Promise<void> {
    const month = billingMonth(request.createdAt);
    const sortKey = createdSk(request);
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...Keys.request(request.id),
          request,
          events: event ? [event] : [],
          version: request.version,
          status: request.status,
          ...dueAttributes(request.dueAt),
          monthPk: Keys.month(month),
          distPk: Keys.distribution(request.distribution.id),
          userPk: Keys.requester(request.requester),
          createdSk: sortKey,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<StoredRequest | undefined> {
    const result = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.request(id), ConsistentRead: true }),
    );
    return result.Item ? parseStored(result.Item) : undefined;
  }

  //   reader A: get (v3) ─ decide ─ save(v4 if v=3) ✓
  //   reader B: get (v3) ─ decide ──────── save(v4 if v=3) ✗ ConditionalCheckFailed → B lost, nothing written
  async save({ request, event }: Transition): Promise<boolean> {
    const set = ['#request = :request', '#version = :version', '#status = :status'];
    const remove = ['leaseOwner', 'leaseUntil'];
    // DynamoDB reserves many plain words (status, request, …), so these names go through placeholders.
    const names: Record<string, string> = {
      '#request': 'request',
      '#version': 'version',
      '#status': 'status',
    };
    const values: Record<string, unknown> = {
      ':request': request,
      ':version': request.version,
      ':status': request.status,
      ':expected': request.version - 1,
    };
    if (event) {
      // Marked first: an event in a later month than the request's is then always found by the export.
      await this.activity.mark(request, event.at);
      set.push('#events = list_append(if_not_exists(#events, :none), :events)');
      values[':events'] = [event];
      values[':none'] = [];
      names['#events'] = 'events';
    }
    if (request.dueAt) {
      set.push('duePk = :duePk', 'dueAt = :dueAt');
      Object.assign(values, { ':duePk': Keys.duePartition, ':dueAt': request.dueAt });
    } else {
      remove.push('duePk', 'dueAt');
    }
    indexAttributes(request, set, remove, values);
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.request(request.id),
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  //   refusal A: keep if refusalsKept < cap and A's key not kept yet ✓ (request and version untouched)
  //   refusal B: keep ✗ cap reached → count if B's key not kept and B is not the last one counted ✓
  //   a retried A or B: its key is kept, or it is the last counted → both conditions fail, nothing changes
  // Refusals never write `version`, so a legitimate decision racing a refused click still wins its write.
  async recordRefusal(event: AuditEvent, requestCreatedAt: string): Promise<RefusalRecorded> {
    // Marked first, as in save: a refusal kept or counted in a later month is found by the export.
    await this.activity.mark({ id: event.requestId, createdAt: requestCreatedAt }, event.at);
    const key = Keys.request(event.requestId);
    const common = {
      ':key': event.key,
      ':cap': REFUSALS_KEPT_PER_REQUEST,
      ':one': 1,
    };
    const kept = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression:
          'SET #events = list_append(if_not_exists(#events, :none), :events), refusalsKept = if_not_exists(refusalsKept, :zero) + :one ADD refusalKeys :keys',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(refusalsKept) OR refusalsKept < :cap) AND NOT contains(refusalKeys, :key)',
        ExpressionAttributeNames: { '#events': 'events' },
        ExpressionAttributeValues: {
          ...common,
          ':events': [event],
          ':none': [],
          ':zero': 0,
          ':keys': new Set([event.key]),
        },
      }),
    );
    if (kept) return 'kept';
    const counted = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression:
          'SET lastRefusalNotKept = :key, lastRefusalNotKeptAt = :at ADD refusalsNotKept :one',
        ConditionExpression:
          'attribute_exists(pk) AND refusalsKept >= :cap AND NOT contains(refusalKeys, :key) AND (attribute_not_exists(lastRefusalNotKept) OR lastRefusalNotKept <> :key)',
        ExpressionAttributeValues: { ...common, ':at': event.at },
      }),
    );
    return counted ? 'counted' : 'unchanged';
  }

  async recordCommandRefusal(refusal: CommandRefusalRecord): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...Keys.refusal(billingMonth(refusal.at), refusal.at, refusal.id), refusal },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Recorded already by an earlier attempt of this same write: once is what we want.
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
  }

  async *commandRefusalsIn(month: string): AsyncIterable<CommandRefusalRecord> {
    const query = {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': Keys.refusals(month) },
    };
    for await (const item of this.items(query)) {
      yield commandRefusalSchema.parse(item).refusal as unknown as CommandRefusalRecord;
    }
  }

  // Tasks come from their own partition, beside the first `limit` requests: however many requests are
  // due, a poll (which frees CloudFront capacity for them) is never left out. Earliest first. Tasks scheduled before that partition existed are still in
  // the requests' partition, and are read from there as before.
  async due(now: string, limit: number): Promise<DueWork[]> {
    const query = (partition: string) =>
      this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: Indexes.due,
          KeyConditionExpression: 'duePk = :duePk AND dueAt <= :now',
          ExpressionAttributeValues: { ':duePk': partition, ':now': now },
          Limit: limit,
        }),
      );
    const [tasks, requests] = await Promise.all([query(Keys.dueTaskPartition), query(Keys.duePartition)]);
    const items = [...(tasks.Items ?? []), ...(requests.Items ?? [])];
    items.sort((a, b) => String(a.dueAt).localeCompare(String(b.dueAt)));
    return items.map((item): DueWork => {
      if (item.sk === Keys.taskSk) {
        const task = {
          kind: item.taskKind === 'reconcile' ? 'reconcile' : 'poll',
          distributionId: String(item.distributionId),
        } as const;
        return { kind: 'task', task, dueAt: String(item.dueAt) };
      }
      return { kind: 'request', request: parseStored(item).request, dueAt: String(item.dueAt) };
    });
  }

  //   worker A: claim(v5, lease free) ✓ ── step ── save(v6 if v=5), lease removed
  //   worker B: claim(v5) ✗ lease held until A's leaseUntil, or v moved on
  // A claim also moves the item's place in the due index to the end of its lease: held work leaves the
  // head of the index to work that can be taken (a poll behind a thousand held submissions included),
  // and if A dies, the work is due again exactly when its lease runs out. save() sets the real due time.
  async claim(request: InvalidationRequest, owner: string, now: string, until: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.request(request.id),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, dueAt = :until',
        ConditionExpression:
          '#version = :version AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':until': until,
          ':version': request.version,
          ':now': now,
        },
      }),
    );
  }

  async inFlightRequests(distributionId: string): Promise<Array<RequestIn<'in_progress'>>> {
    const requests: Array<RequestIn<'in_progress'>> = [];
    await this.eachItem(
      {
        IndexName: Indexes.inFlight,
        KeyConditionExpression: 'flightPk = :flightPk',
        ExpressionAttributeValues: { ':flightPk': Keys.inFlight(distributionId) },
      },
      (item) => {
        const { request } = parseStored(item);
        if (request.status === 'in_progress') requests.push(request);
      },
    );
    return requests;
  }

  // Every submission reads this: only three small attributes per request come back, not the requests.
  async inFlightLoad(distributionId: string, exceptId?: string): Promise<Load> {
    const except = exceptId === undefined ? undefined : Keys.request(exceptId).pk;
    const load = { paths: 0, wildcards: 0 };
    await this.eachItem(
      {
        IndexName: Indexes.inFlight,
        KeyConditionExpression: 'flightPk = :flightPk',
        ExpressionAttributeValues: { ':flightPk': Keys.inFlight(distributionId) },
        ProjectionExpression: 'pk, flightPaths, flightWildcards',
      },
      (item) => {
        if (item.pk === except) return;
        load.paths += Number(item.flightPaths ?? 0);
        load.wildcards += Number(item.flightWildcards ?? 0);
      },
    );
    return load;
  }

  //   submit: scheduleTask(poll, now+5s) → dueAt moves earlier only
  //   worker: claimTask ─ list, update requests ─ finishTask(next, if dueAt still = claimed)
  async scheduleTask(task: Task, at: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.task(task.kind, task.distributionId),
        UpdateExpression:
          'SET duePk = :duePk, dueAt = :at, distributionId = :distributionId, taskKind = :kind',
        ConditionExpression: 'attribute_not_exists(dueAt) OR dueAt > :at',
        ExpressionAttributeValues: {
          ':duePk': Keys.dueTaskPartition,
          ':at': at,
          ':distributionId': task.distributionId,
          ':kind': task.kind,
        },
      }),
    );
  }

  async claimTask(task: Task, owner: string, now: string, until: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.task(task.kind, task.distributionId),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ConditionExpression:
          'attribute_exists(dueAt) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeValues: { ':owner': owner, ':until': until, ':now': now },
      }),
    );
  }

  async finishTask(task: Task, owner: string, claimedDueAt: string, next: string | undefined) {
    const key = Keys.task(task.kind, task.distributionId);
    const reschedule = next
      ? { UpdateExpression: 'SET dueAt = :next REMOVE leaseOwner, leaseUntil', values: { ':next': next } }
      : { UpdateExpression: 'REMOVE duePk, dueAt, leaseOwner, leaseUntil', values: {} };
    const moved = !(await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: reschedule.UpdateExpression,
        ConditionExpression: 'leaseOwner = :owner AND dueAt = :claimed',
        ExpressionAttributeValues: { ...reschedule.values, ':owner': owner, ':claimed': claimedDueAt },
      }),
    ));
    if (!moved) return;
    // A submission made the poll due sooner while we polled: keep that time, only let go of the lease.
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  }

  // The whole queue of a distribution, from the sparse `queue` index: a few small attributes per request.
  async queued(distributionId: string): Promise<QueuedRequest[]> {
    const queued: QueuedRequest[] = [];
    await this.eachItem(
      {
        IndexName: Indexes.queue,
        KeyConditionExpression: 'queuePk = :queuePk',
        ExpressionAttributeValues: { ':queuePk': Keys.queue(distributionId) },
      },
      (item) => {
        const [createdAt = ''] = String(item.createdSk).split('#');
        queued.push({
          id: String(item.pk).slice('REQ#'.length),
          requester: String(item.queueRequester ?? ''),
          createdAt,
          turn: Number(item.queueTurn ?? 0),
          load: { paths: Number(item.queuePaths ?? 0), wildcards: Number(item.queueWildcards ?? 0) },
        });
      },
    );
    return queued;
  }

  async nudge(requestId: string, now: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.request(requestId),
        UpdateExpression: 'SET duePk = :duePk, dueAt = :now',
        ConditionExpression: '#status = :queued',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':duePk': Keys.duePartition, ':now': now, ':queued': 'queued' },
      }),
    );
  }

  //   worker: claim(v7) sets dueAt = leaseUntil ─ no room ─ recheckQueued: dueAt = later, if dueAt = leaseUntil ✓
  //   poll:                 nudge: dueAt = now ──┘  → dueAt ≠ leaseUntil ✗ → only the lease goes, due now
  // Neither write touches `request` or `version`: a recheck costs two small writes, not a rewrite.
  async recheckQueued(request: RequestIn<'queued'>, owner: string, at: string): Promise<void> {
    const common = {
      TableName: this.tableName,
      Key: Keys.request(request.id),
      ExpressionAttributeNames: { '#version': 'version' },
    };
    const later = await this.conditional(
      new UpdateCommand({
        ...common,
        UpdateExpression: 'SET dueAt = :at REMOVE leaseOwner, leaseUntil',
        ConditionExpression: '#version = :version AND leaseOwner = :owner AND dueAt = leaseUntil',
        ExpressionAttributeValues: { ':at': at, ':version': request.version, ':owner': owner },
      }),
    );
    if (later) return;
    await this.conditional(
      new UpdateCommand({
        ...common,
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: '#version = :version AND leaseOwner = :owner',
        ExpressionAttributeValues: { ':version': request.version, ':owner': owner },
      }),
    );
  }

  async seenInvalidations(distributionId: string, invalidationIds: string[]): Promise<Set<string>> {
    const seen = new Set<string>();
    // BatchGetItem takes at most 100 keys at a time; unprocessed keys are asked for again.
    for (let start = 0; start < invalidationIds.length; start += 100) {
      let keys: Record<string, unknown>[] | undefined = invalidationIds
        .slice(start, start + 100)
        .map((id) => Keys.seen(distributionId, id));
      while (keys && keys.length > 0) {
        const result: BatchGetCommandOutput = await this.documents.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ProjectionExpression: 'invalidationId' } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) seen.add(String(item.invalidationId));
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return seen;
  }

  async markSeen(seen: SeenInvalidation): Promise<void> {
    const usage = seen.external
      ? {
          usagePk: Keys.usage(billingMonth(seen.createTime)),
          usageSk: `${seen.createTime}#${seen.invalidationId}`,
          usagePaths: seen.paths,
          distributionId: seen.distributionId,
          external: true,
        }
      : {};
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...Keys.seen(seen.distributionId, seen.invalidationId),
            invalidationId: seen.invalidationId,
            ...usage,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Already recorded by an earlier run or another worker: counted once, as it should be.
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
  }

  async usageRows(month: string): Promise<UsageRow[]> {
    const rows: UsageRow[] = [];
    await this.eachItem(
      {
        IndexName: Indexes.usage,
        KeyConditionExpression: 'usagePk = :usagePk',
        ExpressionAttributeValues: { ':usagePk': Keys.usage(month) },
      },
      (item) => {
        const [submittedAt = '', id = ''] = String(item.usageSk).split('#');
        const row: UsageRow = {
          id,
          paths: Number(item.usagePaths ?? 0),
          distributionId: String(item.distributionId ?? ''),
          external: item.external === true,
          submittedAt,
        };
        if (typeof item.requester === 'string') row.requester = item.requester;
        rows.push(row);
      },
    );
    return rows;
  }

  async monthPaths(month: string): Promise<number> {
    const rows = await this.usageRows(month);
    return rows.reduce((total, row) => total + row.paths, 0);
  }

  async recentRequests(query: RecentQuery): Promise<{ requests: InvalidationRequest[]; cursor?: string }> {
    const position = decodeCursor(query.cursor) ?? { month: query.month, key: undefined };
    const requests: InvalidationRequest[] = [];
    // The listing of all requests walks back month by month (at most a year) until the page is full.
    for (let months = 0; months < 12 && requests.length < query.limit; months++) {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          ...recentIndex(query, position.month),
          ScanIndexForward: false,
          Limit: query.limit - requests.length,
          ExclusiveStartKey: position.key,
        }),
      );
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
    const query = {
      IndexName: Indexes.byMonth,
      KeyConditionExpression: 'monthPk = :monthPk',
      ExpressionAttributeValues: { ':monthPk': Keys.month(month) },
    };
    for await (const item of this.items(query)) yield parseStored(item);
  }

  async *requestsActiveIn(months: readonly string[]): AsyncIterable<StoredRequest> {
    for await (const item of this.activity.requestItemsActiveIn(months)) yield parseStored(item);
  }

  /** Every item a query returns, page by page. */
  private async *items(query: Omit<QueryCommandInput, 'TableName'>): AsyncIterable<Record<string, unknown>> {
    const input: QueryCommandInput = { ...query, TableName: this.tableName };
    do {
      const page = await this.documents.send(new QueryCommand(input));
      yield* page.Items ?? [];
      input.ExclusiveStartKey = page.LastEvaluatedKey;
    } while (input.ExclusiveStartKey);
  }

  /** Runs `visit` on every item a query returns, page by page. */
  private async eachItem(
    query: Omit<QueryCommandInput, 'TableName'>,
    visit: (item: Record<string, unknown>) => void,
  ): Promise<void> {
    for await (const item of this.items(query)) visit(item);
  }

  async ping(): Promise<void> {
    await this.documents.send(new DescribeTableCommand({ TableName: this.tableName }));
  }

  private async conditional(command: UpdateCommand): Promise<boolean> {
    try {
      await this.documents.send(command);
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

/** Requests sort by creation time in every listing index (and in the queue). */
function createdSk(request: InvalidationRequest): string {
  return `${request.createdAt}#${request.id}`;
}

function dueAttributes(dueAt: string | undefined): Record<string, string> {
  return dueAt ? { duePk: Keys.duePartition, dueAt } : {};
}

/**
 * The sparse index attributes that follow a request's status: capacity in flight while in progress,
 * a place in the queue while queued, and billed usage once anything was submitted (never removed).
 */
function indexAttributes(
  request: InvalidationRequest,
  set: string[],
  remove: string[],
  values: Record<string, unknown>,
): void {
  if (request.status === 'in_progress') {
    const load = inFlightLoad(request.paths, request.batches);
    set.push('flightPk = :flightPk', 'flightPaths = :flightPaths', 'flightWildcards = :flightWildcards');
    Object.assign(values, {
      ':flightPk': Keys.inFlight(request.distribution.id),
      ':flightPaths': load.paths,
      ':flightWildcards': load.wildcards,
    });
  } else {
    remove.push('flightPk', 'flightPaths', 'flightWildcards');
  }
  if (request.status === 'queued') {
    const load = loadOf(request.paths);
    set.push('queuePk = :queuePk', 'queuePaths = :queuePaths', 'queueWildcards = :queueWildcards');
    set.push('queueRequester = :queueRequester', 'queueTurn = :queueTurn');
    Object.assign(values, {
      ':queueTurn': request.turn ?? 0,
      ':queuePk': Keys.queue(request.distribution.id),
      ':queuePaths': load.paths,
      ':queueWildcards': load.wildcards,
      ':queueRequester': request.requester,
    });
  } else {
    remove.push('queuePk', 'queuePaths', 'queueWildcards', 'queueRequester', 'queueTurn');
  }
  if (request.status === 'in_progress' || request.status === 'completed') {
    const submittedPaths = request.batches
      .filter((batch) => batch.invalidationId !== undefined)
      .reduce((sum, batch) => sum + batchSize(batch), 0);
    set.push('usagePk = :usagePk', 'usageSk = :usageSk', 'usagePaths = :usagePaths');
    set.push('distributionId = :distributionId', 'requester = :requester');
    Object.assign(values, {
      ':usagePk': Keys.usage(billingMonth(request.submittedAt)),
      ':usageSk': `${request.submittedAt}#${request.id}`,
      ':usagePaths': submittedPaths,
      ':distributionId': request.distribution.id,
      ':requester': request.requester,
    });
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

function parseStored(item: Record<string, unknown>): StoredRequest {
  const parsed = storedSchema.parse(item);
  const stored: StoredRequest = {
    request: withIndexedBatches(parsed.request as unknown as InvalidationRequest),
    events: parsed.events as unknown as AuditEvent[],
  };
  if (parsed.refusalsNotKept !== undefined) {
    stored.refusalsNotKept = { count: parsed.refusalsNotKept, lastAt: parsed.lastRefusalNotKeptAt ?? '' };
  }
  return stored;
}

/** Items written before batches indexed the request's paths keep a copy of them in each batch. */
function withIndexedBatches(request: InvalidationRequest): InvalidationRequest {
  if (!('batches' in request)) return request;
  const batches = request.batches as ReadonlyArray<Batch | BatchWithPaths>;
  return { ...request, batches: indexedBatches(batches) };
}

/** Creates the table with its indexes when it does not exist yet, and waits until it is active. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'existed'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'existed';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    // Another instance created it between our describe and create: that is what we wanted.
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  for (let attempt = 0; attempt < 120; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return 'created';
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Table ${tableName} did not become active`);
}

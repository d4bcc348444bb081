import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { billingMonth } from '../../core/cost.js';
import type { AuditEvent, InvalidationRequest, RequestIn, Transition } from '../../core/request.js';
import { inFlightLoad, Status } from '../../core/request.js';
import type { DueWork, RequestStore, StoredRequest } from '../../usecases/ports.js';
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
});

export class DynamoDbRequestStore implements RequestStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  async create({ request, event }: Transition): Promise<void> {
    const month = billingMonth(request.createdAt);
    const createdSk = `${request.createdAt}#${request.id}`;
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
          createdSk,
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

  async due(now: string, limit: number): Promise<DueWork[]> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: Indexes.due,
        KeyConditionExpression: 'duePk = :duePk AND dueAt <= :now',
        ExpressionAttributeValues: { ':duePk': Keys.duePartition, ':now': now },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item): DueWork => {
      if (item.sk === Keys.pollerSk) {
        return { kind: 'poll', distributionId: String(item.distributionId), dueAt: String(item.dueAt) };
      }
      return { kind: 'request', request: parseStored(item).request };
    });
  }

  //   worker A: claim(v5, lease free) ✓ ── step ── save(v6 if v=5), lease removed
  //   worker B: claim(v5) ✗ lease held until A's leaseUntil, or v moved on
  async claim(request: InvalidationRequest, owner: string, now: string, until: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.request(request.id),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
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

  //   submit: schedulePoll(now+5s) → dueAt moves earlier only
  //   worker: claimPoll ─ list, update requests ─ finishPoll(next, if dueAt still = claimed)
  async schedulePoll(distributionId: string, at: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.poller(distributionId),
        UpdateExpression: 'SET duePk = :duePk, dueAt = :at, distributionId = :distributionId',
        ConditionExpression: 'attribute_not_exists(dueAt) OR dueAt > :at',
        ExpressionAttributeValues: {
          ':duePk': Keys.duePartition,
          ':at': at,
          ':distributionId': distributionId,
        },
      }),
    );
  }

  async claimPoll(distributionId: string, owner: string, now: string, until: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: Keys.poller(distributionId),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ConditionExpression:
          'attribute_exists(dueAt) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeValues: { ':owner': owner, ':until': until, ':now': now },
      }),
    );
  }

  async finishPoll(distributionId: string, owner: string, claimedDueAt: string, next: string | undefined) {
    const key = Keys.poller(distributionId);
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

  async oldestQueued(distributionId: string): Promise<string | undefined> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: Indexes.queue,
        KeyConditionExpression: 'queuePk = :queuePk',
        ExpressionAttributeValues: { ':queuePk': Keys.queue(distributionId) },
        Limit: 1,
      }),
    );
    const pk = result.Items?.[0]?.pk;
    return typeof pk === 'string' ? pk.slice('REQ#'.length) : undefined;
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

  async monthPaths(month: string): Promise<number> {
    let total = 0;
    await this.eachItem(
      {
        IndexName: Indexes.usage,
        KeyConditionExpression: 'usagePk = :usagePk',
        ExpressionAttributeValues: { ':usagePk': Keys.usage(month) },
        ProjectionExpression: 'usagePaths',
      },
      (item) => {
        total += Number(item.usagePaths ?? 0);
      },
    );
    return total;
  }

  /** Runs `visit` on every item a query returns, page by page. */
  private async eachItem(
    query: Omit<QueryCommandInput, 'TableName'>,
    visit: (item: Record<string, unknown>) => void,
  ): Promise<void> {
    const input: QueryCommandInput = { ...query, TableName: this.tableName };
    do {
      const page = await this.documents.send(new QueryCommand(input));
      for (const item of page.Items ?? []) visit(item);
      input.ExclusiveStartKey = page.LastEvaluatedKey;
    } while (input.ExclusiveStartKey);
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
    const load = inFlightLoad(request.batches);
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
    set.push('queuePk = :queuePk');
    values[':queuePk'] = Keys.queue(request.distribution.id);
  } else {
    remove.push('queuePk');
  }
  if (request.status === 'in_progress' || request.status === 'completed') {
    const submittedPaths = request.batches
      .filter((batch) => batch.invalidationId !== undefined)
      .reduce((sum, batch) => sum + batch.paths.length, 0);
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

function parseStored(item: Record<string, unknown>): StoredRequest {
  const parsed = storedSchema.parse(item);
  return {
    request: parsed.request as unknown as InvalidationRequest,
    events: parsed.events as unknown as AuditEvent[],
  };
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

import { billingMonth } from '../../../core/cost.js';
import type { InvalidationRequest, Transition } from '../../../core/request.js';
import { batchSize, inFlightLoad, loadOf } from '../../../core/request.js';
import type { Requests, StoredRequest } from '../../../usecases/ports.js';
import type { ActivityMarkers } from './activity-markers.js';
import { parseStored } from './items.js';
import { Keys } from './schema.js';
import type { Table } from './table.js';

/** Requests as items of their own (`REQ#<id>`), each state change one write conditional on the version. */
export class DynamoDbRequests implements Requests {
  constructor(
    private readonly table: Table,
    private readonly activity: ActivityMarkers,
  ) {}

  async create({ request, event }: Transition): Promise<void> {
    const month = billingMonth(request.createdAt);
    const outcome = await this.table.put({
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
        createdSk: createdSk(request),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // Ids are unique: a request already there under this id is a fault, never a retry to pass over.
    if (outcome === 'conflict') throw new Error(`request ${request.id} exists already`);
  }

  async get(id: string): Promise<StoredRequest | undefined> {
    const item = await this.table.get(Keys.request(id));
    return item ? parseStored(item) : undefined;
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
    const outcome = await this.table.update({
      Key: Keys.request(request.id),
      UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return outcome === 'written';
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

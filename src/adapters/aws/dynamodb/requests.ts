import { billingMonth } from '../../../core/cost.js';
import type { InvalidationRequest, Transition } from '../../../core/request.js';
import {
  type Lease,
  RequestExistsError,
  type Requests,
  type StoredRequest,
} from '../../../usecases/ports.js';
import type { ActivityMarkers } from './activity-markers.js';
import { indexAttributes } from './index-attributes.js';
import { parseStored } from './items.js';
import { Keys } from './keys.js';
import { SideFlights } from './side-flights.js';
import type { Table } from './table.js';

/** Requests as items of their own (`REQ#<id>`), each state change one write conditional on the version. */
export class DynamoDbRequests implements Requests {
  private readonly sideFlights: SideFlights;

  constructor(
    private readonly table: Table,
    private readonly activity: ActivityMarkers,
  ) {
    this.sideFlights = new SideFlights(table);
  }

  async create({ request, event }: Transition): Promise<void> {
    const month = billingMonth(request.createdAt);
    const outcome = await this.table.put({
      Item: {
        ...Keys.request(request.id),
        request,
        events: event ? [event] : [],
        version: request.version,
        status: request.status,
        ...indexAttributes(request).set,
        monthPk: Keys.month(month),
        distPk: Keys.distribution(request.distribution.id),
        userPk: Keys.requester(request.requester),
        createdSk: createdSk(request),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // Never overwritten: a request already there under this id is another writer's, told apart by its error.
    if (outcome === 'conflict') throw new RequestExistsError(request.id);
  }

  async get(id: string): Promise<StoredRequest | undefined> {
    const item = await this.table.get(Keys.request(id));
    return item ? parseStored(item) : undefined;
  }

  //   reader A: get (v3) ─ decide ─ save(v4 if v=3) ✓
  //   reader B: get (v3) ─ decide ──────── save(v4 if v=3) ✗ ConditionalCheckFailed → B lost, nothing written
  // With a lease, the write is a claim too: it ends where the lease does, then the work is due again.
  async save({ request, event }: Transition, lease?: Lease): Promise<boolean> {
    const set = ['#request = :request', '#version = :version', '#status = :status'];
    const remove = lease ? [] : ['leaseOwner', 'leaseUntil'];
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
    const indexed = indexAttributes(request);
    const attributes: Record<string, string | number> = lease
      ? {
          ...indexed.set,
          duePk: Keys.duePartition,
          dueAt: lease.until,
          leaseOwner: lease.owner,
          leaseUntil: lease.until,
        }
      : indexed.set;
    for (const [name, value] of Object.entries(attributes)) {
      set.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
    remove.push(...indexed.remove.filter((name) => !(name in attributes)));
    const removal = remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : '';
    // On several distributions, the further ones' load is counted before the write records it.
    await this.sideFlights.raise(request);
    const outcome = await this.table.update({
      Key: Keys.request(request.id),
      UpdateExpression: `SET ${set.join(', ')}${removal}`,
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    if (outcome !== 'written') return false;
    await this.sideFlights.settle(request);
    return true;
  }
}

/** Requests sort by creation time in every listing index (and in the queue). */
function createdSk(request: InvalidationRequest): string {
  return `${request.createdAt}#${request.id}`;
}

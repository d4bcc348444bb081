import type { Load } from '../../../core/capacity.js';
import type { InvalidationRequest, RequestIn } from '../../../core/request.js';
import type { Capacity, QueuedRequest } from '../../../usecases/ports.js';
import { parseInFlight, parseQueued, parseStored } from './items.js';
import { Indexes, Keys } from './keys.js';
import { SideFlights } from './side-flights.js';
import type { Table } from './table.js';

function isSideFlight(item: Record<string, unknown>): boolean {
  return typeof item.sk === 'string' && item.sk.startsWith(Keys.sideFlightPrefix);
}

/** What holds and what waits for CloudFront's capacity, from the sparse `inFlight` and `queue` indexes. */
export class DynamoDbCapacity implements Capacity {
  private readonly sideFlights: SideFlights;

  constructor(private readonly table: Table) {
    this.sideFlights = new SideFlights(table);
  }

  async inFlightRequests(distributionId: string): Promise<Array<RequestIn<'in_progress'>>> {
    const requests: Array<RequestIn<'in_progress'>> = [];
    for await (const item of this.table.query({
      IndexName: Indexes.inFlight,
      KeyConditionExpression: 'flightPk = :flightPk',
      ExpressionAttributeValues: { ':flightPk': Keys.inFlight(distributionId) },
    })) {
      const request = isSideFlight(item) ? await this.sideFlightRequest(item) : parseStored(item).request;
      if (request?.status === 'in_progress') requests.push(request);
    }
    return requests;
  }

  /**
   * The request a side item stands for (side-flights.ts). One whose request is no longer in progress was
   * left by a writer that stopped before settling it: settled now, so its load stops counting.
   */
  private async sideFlightRequest(item: Record<string, unknown>): Promise<InvalidationRequest | undefined> {
    const { pk } = parseInFlight(item);
    const found = await this.table.get({ pk, sk: Keys.request('').sk });
    if (!found) return undefined;
    const { request } = parseStored(found);
    if (request.status !== 'in_progress') await this.sideFlights.settle(request);
    return request;
  }

  // Every submission reads this: only three small attributes per request come back, not the requests.
  async inFlightLoad(distributionId: string, exceptId?: string): Promise<Load> {
    const except = exceptId === undefined ? undefined : Keys.request(exceptId).pk;
    const load = { paths: 0, wildcards: 0 };
    for await (const item of this.table.query({
      IndexName: Indexes.inFlight,
      KeyConditionExpression: 'flightPk = :flightPk',
      ExpressionAttributeValues: { ':flightPk': Keys.inFlight(distributionId) },
      ProjectionExpression: 'pk, flightPaths, flightWildcards',
    })) {
      const entry = parseInFlight(item);
      if (entry.pk === except) continue;
      load.paths += entry.load.paths;
      load.wildcards += entry.load.wildcards;
    }
    return load;
  }

  // The whole queue of a distribution, from the sparse `queue` index: a few small attributes per request.
  async queued(distributionId: string): Promise<QueuedRequest[]> {
    const queued: QueuedRequest[] = [];
    for await (const item of this.table.query({
      IndexName: Indexes.queue,
      KeyConditionExpression: 'queuePk = :queuePk',
      ExpressionAttributeValues: { ':queuePk': Keys.queue(distributionId) },
    })) {
      queued.push(parseQueued(item));
    }
    return queued;
  }
}

import type { InvalidationRequest } from '../../../core/request.js';
import { type SideFlight, sideFlights } from './index-attributes.js';
import { Keys } from './keys.js';
import type { Table } from './table.js';

/**
 * The side items of requests in flight on several distributions (keys.ts, side flight): how another request
 * on a further distribution sees their load there. DynamoDB's index holds one partition key per item, and
 * there are no transactions to write the request and its side items at once (dynalite has none), so:
 *
 *   raise (before the request's write): a side item only grows, to the load the write will record
 *   request write (conditional on its version)
 *   settle (after it succeeded): each side item says exactly what the request holds, or leaves the index
 *
 * Until settled a side item may count more than the request holds, never less: another submission waits a
 * little longer, but never overruns CloudFront's limits through it. Each write carries the request's
 * version and never overwrites a newer one's, so a slow writer of an older state cannot bring a load back.
 * A side item left over by a writer that stopped between its write and the settle is settled by the poll of
 * its distribution (DynamoDbCapacity.inFlightRequests).
 */
export class SideFlights {
  constructor(private readonly table: Table) {}

  async raise(request: InvalidationRequest): Promise<void> {
    if (request.status !== 'in_progress') return;
    for (const side of sideFlights(request)) {
      if (!side.load) continue;
      await this.table.update({
        Key: Keys.sideFlight(request.id, side.distributionId),
        UpdateExpression:
          'SET flightPk = :flightPk, createdSk = :createdSk, flightPaths = :paths, flightWildcards = :wildcards, requestVersion = :version',
        ConditionExpression:
          'attribute_not_exists(requestVersion) OR (requestVersion < :version AND (attribute_not_exists(flightPaths) OR (flightPaths <= :paths AND flightWildcards <= :wildcards)))',
        ExpressionAttributeValues: {
          ...located(request, side),
          ':paths': side.load.paths,
          ':wildcards': side.load.wildcards,
          ':version': request.version,
        },
      });
    }
  }

  async settle(request: InvalidationRequest): Promise<void> {
    // Nothing was ever in flight before it had batches: no side item to settle.
    if (!('batches' in request)) return;
    for (const side of sideFlights(request)) {
      const condition = 'attribute_not_exists(requestVersion) OR requestVersion <= :version';
      const key = Keys.sideFlight(request.id, side.distributionId);
      await this.table.update(
        side.load
          ? {
              Key: key,
              UpdateExpression:
                'SET flightPk = :flightPk, createdSk = :createdSk, flightPaths = :paths, flightWildcards = :wildcards, requestVersion = :version',
              ConditionExpression: condition,
              ExpressionAttributeValues: {
                ...located(request, side),
                ':paths': side.load.paths,
                ':wildcards': side.load.wildcards,
                ':version': request.version,
              },
            }
          : {
              Key: key,
              UpdateExpression: 'SET requestVersion = :version REMOVE flightPk, flightPaths, flightWildcards',
              ConditionExpression: condition,
              ExpressionAttributeValues: { ':version': request.version },
            },
      );
    }
  }
}

/** Where a side item sits in the `inFlight` index: its distribution's partition, in order of creation. */
function located(request: InvalidationRequest, side: SideFlight): Record<string, string> {
  return {
    ':flightPk': Keys.inFlight(side.distributionId),
    ':createdSk': `${request.createdAt}#${request.id}`,
  };
}

import type { KeyClaim, PipelineLedger } from '../../../usecases/ports.js';
import { parseKeyClaim } from './items.js';
import { Keys } from './keys.js';
import type { Table } from './table.js';

const HOUR_MS = 3_600_000;

/** The UTC hour `now` falls in, as YYYY-MM-DDTHH: the hourly counter's name. */
export function hourOf(now: string): string {
  return new Date(instant(now)).toISOString().slice(0, 13);
}

/** Whole seconds from `now` to the end of its UTC hour, at least 1: an HTTP Retry-After. */
export function secondsLeftInHour(now: string): number {
  const at = instant(now);
  const hourEnd = (Math.floor(at / HOUR_MS) + 1) * HOUR_MS;
  return Math.max(1, Math.ceil((hourEnd - at) / 1000));
}

function instant(now: string): number {
  const at = Date.parse(now);
  if (Number.isNaN(at)) throw new RangeError(`not a time: ${now}`);
  return at;
}

/**
 * A pipeline's idempotency keys and hourly counts as single items, each changed by one conditional write
 * (keys.ts: PIPELINE#<name>), so concurrent calls of the HTTP API need no lock and no transaction.
 *
 *   claimKey     PUT {requestId, fingerprint}   IF attribute_not_exists(pk)   else GET (consistent): the first claim
 *   countHourly  ADD n :1                       IF attribute_not_exists(n) OR n < limit
 *
 * DynamoDB applies writes to one item one at a time, each condition seeing the writes before it: however
 * many calls arrive together, one claim of a key wins, and an hour counts at most `limit` requests.
 */
export class DynamoDbPipelineLedger implements PipelineLedger {
  constructor(private readonly table: Table) {}

  async claimKey(input: {
    pipeline: string;
    key: string;
    requestId: string;
    fingerprint: string;
    at: string;
  }): Promise<{ claimed: true } | ({ claimed: false } & KeyClaim)> {
    const key = Keys.idempotencyKey(input.pipeline, input.key);
    const outcome = await this.table.put({
      Item: { ...key, requestId: input.requestId, fingerprint: input.fingerprint, claimedAt: input.at },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    if (outcome === 'written') return { claimed: true };
    // dynalite does not return the item with a failed condition: read the claim that won.
    const earlier = await this.table.get(key);
    if (earlier === undefined)
      throw new Error(`idempotency key ${key.sk} of ${key.pk} is claimed but unreadable`);
    return { claimed: false, ...parseKeyClaim(earlier) };
  }

  async countHourly(
    pipeline: string,
    now: string,
    limit: number,
  ): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    const refused = { allowed: false as const, retryAfterSeconds: secondsLeftInHour(now) };
    // An absent counter would pass the condition: a limit below 1 allows nothing, with nothing to write.
    if (limit < 1) return refused;
    const outcome = await this.table.update({
      Key: Keys.pipelineHour(pipeline, hourOf(now)),
      UpdateExpression: 'ADD #n :one',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':one': 1, ':limit': limit },
    });
    return outcome === 'written' ? { allowed: true } : refused;
  }
}

import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { utf8Bytes } from '../../../core/item-size.js';
import type { OriginSnapshot, OriginSnapshots } from '../../../usecases/ports.js';
import { MalformedItemError } from './items.js';
import { OriginKeys } from './origin-keys.js';
import type { Item, Table } from './table.js';

/**
 * What a shard's listing may take, in bytes: well under DynamoDB's 400 KB per item, which counts the UTF-8
 * bytes of each map key and value (and a few bytes per entry: SHARD_ENTRY_OVERHEAD).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
 */
export const SHARD_BYTES = 300 * 1024;
const SHARD_ENTRY_OVERHEAD = 4;
/** Shards written at once. */
const WRITES_AT_ONCE = 10;

const headSchema = z.looseObject({
  generation: z.number().int().positive(),
  token: z.string(),
  shards: z.number().int().nonnegative(),
  takenAt: z.string(),
});
const shardSchema = z.looseObject({ token: z.string(), etags: z.record(z.string(), z.string()) });

/**
 * The last listing of each origin bucket and prefix, in shards under the item limit (origin-keys.ts). A
 * save writes its shards into the slot the current listing does not use, then moves the head to them only
 * if the head is still the generation it replaces: of two saves at once one stands. Each shard carries its
 * save's token, so shards a losing save wrote over the winner's are seen on read, never taken as its.
 */
export class DynamoDbOriginSnapshots implements OriginSnapshots {
  constructor(private readonly table: Table) {}

  async read(bucket: string, prefix: string): Promise<OriginSnapshot | undefined> {
    const item = await this.table.get(OriginKeys.snapshotHead(bucket, prefix));
    if (item === undefined) return undefined;
    const head = parse(headSchema, item, 'origin snapshot head');
    const keys = Array.from({ length: head.shards }, (_, shard) =>
      OriginKeys.snapshotShard(bucket, prefix, head.generation, shard),
    );
    const shards = await this.table.batchGet(keys, { consistent: true });
    const listed = { generation: head.generation, takenAt: head.takenAt };
    const etags = new Map<string, string>();
    for (const shard of shards.map((found) => parse(shardSchema, found, 'origin snapshot shard'))) {
      if (shard.token !== head.token) return listed;
      for (const [key, etag] of Object.entries(shard.etags)) etags.set(key, etag);
    }
    if (shards.length !== head.shards) return listed;
    return { ...listed, etags };
  }

  async save(
    bucket: string,
    prefix: string,
    listing: { etags: ReadonlyMap<string, string>; takenAt: string },
    replacing?: number,
  ): Promise<boolean> {
    const generation = (replacing ?? 0) + 1;
    const token = randomUUID();
    const shards = shardListing(listing.etags);
    for (let start = 0; start < shards.length; start += WRITES_AT_ONCE) {
      await Promise.all(
        shards.slice(start, start + WRITES_AT_ONCE).map((etags, index) =>
          this.table.put({
            Item: { ...OriginKeys.snapshotShard(bucket, prefix, generation, start + index), token, etags },
          }),
        ),
      );
    }
    const outcome = await this.table.put({
      Item: {
        ...OriginKeys.snapshotHead(bucket, prefix),
        generation,
        token,
        shards: shards.length,
        takenAt: listing.takenAt,
      },
      ConditionExpression: replacing === undefined ? 'attribute_not_exists(pk)' : 'generation = :replacing',
      ...(replacing === undefined ? {} : { ExpressionAttributeValues: { ':replacing': replacing } }),
    });
    return outcome === 'written';
  }
}

/** A listing cut into shards of at most SHARD_BYTES each, keys in order. */
export function shardListing(etags: ReadonlyMap<string, string>): Array<Record<string, string>> {
  const shards: Array<Record<string, string>> = [];
  let shard: Record<string, string> = {};
  let bytes = 0;
  for (const key of [...etags.keys()].sort()) {
    const etag = etags.get(key) ?? '';
    const size = utf8Bytes(key) + utf8Bytes(etag) + SHARD_ENTRY_OVERHEAD;
    if (bytes + size > SHARD_BYTES && bytes > 0) {
      shards.push(shard);
      shard = {};
      bytes = 0;
    }
    shard[key] = etag;
    bytes += size;
  }
  if (bytes > 0) shards.push(shard);
  return shards;
}

function parse<S extends z.ZodType>(schema: S, item: Item, kind: string): z.output<S> {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  const key = `${String(item.pk)} / ${String(item.sk)}`;
  throw new MalformedItemError(key, `malformed ${kind} item ${key}: ${z.prettifyError(result.error)}`, {
    cause: result.error,
  });
}

import { createHash } from 'node:crypto';
import { MAX_PLAIN_KEY_BYTES } from './keys.js';

/**
 * The items of deploy-aware proposals (origin-changes.ts, origin-snapshots.ts), kept apart from keys.ts
 * until the feature is wired in. A bucket name holds no `#` (S3 naming rules), so these never collide.
 *
 * Origin period      pk = ORIGIN#<bucket>   sk = PERIOD
 *   period           the open period's number (from 1); a claim moves it on by one
 *   pending          true once a write marked the period, false after a claim
 *   lastWriteAt      when the period was last written: writes have been quiet since
 *
 * Latest event      pk = ORIGIN#<bucket>#LATEST   sk = K#<key> (or H#<SHA-256> of a long key)
 *   key, kind, etag, seq, at, period   the last event of the key ever recorded, and the period it went into;
 *                    what makes a stale or repeated event a no-op across periods
 *
 * Period change     pk = ORIGIN#<bucket>#P#<period>   sk = as above
 *   key, kind, etag, seq, at   the key's last event in the period; existedBefore: whether the object was
 *                    there before the period, when the latest event before it said
 *
 * Snapshot head     pk = ORIGIN#<bucket>   sk = SNAPSHOT#<prefix>
 *   generation, token, shards, takenAt   which listing is current, and where its shards are
 *
 * Snapshot shard    pk = ORIGIN#<bucket>#SNAP#<prefix>   sk = <generation % 2>#<shard number>
 *   token, etags     a part of the listing (key → ETag), under the 400 KB item limit; two slots, so a
 *                    save never overwrites the listing being read
 */
export const OriginKeys = {
  period: (bucket: string) => ({ pk: `ORIGIN#${bucket}`, sk: 'PERIOD' }),
  latest: (bucket: string, key: string) => ({ pk: `ORIGIN#${bucket}#LATEST`, sk: keySk(key) }),
  periodPartition: (bucket: string, period: number) => `ORIGIN#${bucket}#P#${period}`,
  change: (bucket: string, period: number, key: string) => ({
    pk: OriginKeys.periodPartition(bucket, period),
    sk: keySk(key),
  }),
  snapshotHead: (bucket: string, prefix: string) => ({ pk: `ORIGIN#${bucket}`, sk: `SNAPSHOT#${prefix}` }),
  snapshotShard: (bucket: string, prefix: string, generation: number, shard: number) => ({
    pk: `ORIGIN#${bucket}#SNAP#${prefix}`,
    sk: `${generation % 2}#${shard}`,
  }),
} as const;

/** An S3 key is up to 1,024 bytes, a sort key too: a long one is kept as its hash, under another prefix. */
function keySk(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= MAX_PLAIN_KEY_BYTES) return `K#${key}`;
  return `H#${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

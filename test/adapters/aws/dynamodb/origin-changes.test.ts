import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { DynamoDbOriginChanges } from '../../../../src/adapters/aws/dynamodb/origin-changes.js';
import {
  DynamoDbOriginSnapshots,
  SHARD_BYTES,
} from '../../../../src/adapters/aws/dynamodb/origin-snapshots.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { Table } from '../../../../src/adapters/aws/dynamodb/table.js';
import type { OriginEvent } from '../../../../src/core/origin.js';
import { useDynalite } from '../../../support/dynalite.js';

const T0 = '2026-12-07T10:00:00.000Z';
const T1 = '2026-12-07T10:00:30.000Z';
const T2 = '2026-12-07T10:01:30.000Z';
const SETTLE_MS = 60_000;

const client = useDynalite();
let table: Table;
let buckets = 0;
const newBucket = () => `site-${++buckets}`;

beforeAll(async () => {
  await ensureTable(client(), 'origin');
  table = new Table(client(), 'origin');
});

function event(bucket: string, key: string, sequencer: string, kind: OriginEvent['kind'] = 'created') {
  return {
    bucket,
    key,
    kind,
    sequencer,
    time: T0,
    ...(kind === 'created' ? { etag: `"${sequencer}"` } : {}),
  } satisfies OriginEvent;
}

const byKey = (changes: Array<{ key: string }>) => [...changes].sort((a, b) => a.key.localeCompare(b.key));

describe('origin changes in DynamoDB', () => {
  const changes = () => new DynamoDbOriginChanges(table);

  it('keeps each key once, by its last event, however the events arrive', async () => {
    const bucket = newBucket();
    const store = changes();
    await store.record([event(bucket, 'a.html', '0A', 'deleted')], T0);
    // Arriving later: an older event of a.html (stale), the same delete again, and b.html twice.
    const second = await store.record(
      [
        event(bucket, 'a.html', '05'),
        event(bucket, 'a.html', '0A', 'deleted'),
        event(bucket, 'b.html', '01'),
        event(bucket, 'b.html', '01'),
      ],
      T0,
    );
    expect(second.recorded).toBe(2);
    const claimed = await store.claimQuiet(bucket, T2, SETTLE_MS);
    expect(byKey(claimed?.changes ?? [])).toEqual([
      { key: 'a.html', kind: 'deleted', at: T0 },
      { key: 'b.html', kind: 'created', at: T0 },
    ]);
  });

  it('compares sequencers of different lengths as numbers', async () => {
    const bucket = newBucket();
    const store = changes();
    await store.record([event(bucket, 'a.html', '0100', 'deleted')], T0);
    expect((await store.record([event(bucket, 'a.html', 'FF')], T0)).recorded).toBe(0);
    const claimed = await store.claimQuiet(bucket, T2, SETTLE_MS);
    expect(claimed?.changes).toEqual([{ key: 'a.html', kind: 'deleted', at: T0 }]);
  });

  it('claims nothing until writes have been quiet for the settle time', async () => {
    const bucket = newBucket();
    const store = changes();
    expect(await store.claimQuiet(bucket, T2, SETTLE_MS)).toBeUndefined();
    await store.record([event(bucket, 'a.html', '01')], T1);
    expect(await store.period(bucket)).toEqual({ period: 1, pending: true, lastWriteAt: T1 });
    expect(await store.claimQuiet(bucket, '2026-12-07T10:01:29.999Z', SETTLE_MS)).toBeUndefined();
    const claimed = await store.claimQuiet(bucket, '2026-12-07T10:01:30.000Z', SETTLE_MS);
    expect(claimed).toMatchObject({ bucket, period: 1, quietSince: T1 });
    expect(await store.period(bucket)).toEqual({ period: 2, pending: false, lastWriteAt: T1 });
    // A writer whose clock is behind marks the new period pending, leaving the later write time.
    await store.record([event(bucket, 'b.html', '01')], T0);
    expect(await store.period(bucket)).toEqual({ period: 2, pending: true, lastWriteAt: T1 });
    expect((await store.claimQuiet(bucket, T2, SETTLE_MS))?.changes).toEqual([
      { key: 'b.html', kind: 'created', at: T0 },
    ]);
  });

  it('hands a quiet period to exactly one of many concurrent claimers, then starts a new one', async () => {
    const bucket = newBucket();
    const stores = [changes(), changes(), changes(), changes(), changes()];
    await stores[0]?.record([event(bucket, 'a.html', '01'), event(bucket, 'b.html', '01')], T0);
    const claims = await Promise.all(stores.map((store) => store.claimQuiet(bucket, T2, SETTLE_MS)));
    const won = claims.filter((claim) => claim !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]?.changes).toHaveLength(2);
    expect(await stores[1]?.claimQuiet(bucket, '2026-12-07T11:00:00.000Z', SETTLE_MS)).toBeUndefined();
    // What comes next goes into period 2; a repeat of a claimed event is not recorded again.
    await stores[2]?.record([event(bucket, 'a.html', '01'), event(bucket, 'c.html', '02')], T2);
    const next = await stores[3]?.claimQuiet(bucket, '2026-12-07T11:00:00.000Z', SETTLE_MS);
    expect(next).toMatchObject({ period: 2, changes: [{ key: 'c.html', kind: 'created' }] });
    expect(await stores[4]?.changesIn(bucket, 1)).toHaveLength(2);
  });

  it('says whether a created key existed before the period, when an earlier period saw it', async () => {
    const bucket = newBucket();
    const store = changes();
    await store.record(
      [event(bucket, 'kept.html', '01'), event(bucket, 'removed.html', '01', 'deleted')],
      T0,
    );
    await store.claimQuiet(bucket, T2, SETTLE_MS);
    await store.record(
      [
        event(bucket, 'kept.html', '02'),
        event(bucket, 'removed.html', '02'),
        event(bucket, 'fresh.html', '01'),
      ],
      T2,
    );
    const claimed = await store.claimQuiet(bucket, '2026-12-07T11:00:00.000Z', SETTLE_MS);
    expect(byKey(claimed?.changes ?? [])).toEqual([
      { key: 'fresh.html', kind: 'created', at: T0 },
      { key: 'kept.html', kind: 'created', existedBefore: true, at: T0 },
      { key: 'removed.html', kind: 'created', existedBefore: false, at: T0 },
    ]);
  });

  it('records a burst of 5,000 keys, from concurrent writers, each once', async () => {
    const bucket = newBucket();
    const keys = Array.from({ length: 5000 }, (_, i) => `assets/file-${i}.css`);
    const first = keys.map((key) => event(bucket, key, '01'));
    const later = keys.map((key) => event(bucket, key, '02', 'deleted'));
    // Two writers split the later events, while a third sends earlier ones of 1,000 keys, out of order.
    await Promise.all([
      changes().record(later.slice(0, 2500), T0),
      changes().record(later.slice(2500), T0),
      changes().record(first.slice(2000, 3000), T0),
    ]);
    const claimed = await changes().claimQuiet(bucket, T2, SETTLE_MS);
    expect(claimed?.changes).toHaveLength(5000);
    expect(claimed?.changes.every((change) => change.kind === 'deleted')).toBe(true);
  }, 300_000);

  it('keeps a key longer than a sort key takes', async () => {
    const bucket = newBucket();
    const key = `deep/${'x'.repeat(1010)}.html`;
    await changes().record([event(bucket, key, '01')], T0);
    expect((await changes().claimQuiet(bucket, T2, SETTLE_MS))?.changes).toEqual([
      { key, kind: 'created', at: T0 },
    ]);
  });

  it('moves what it wrote into the open period when a claim took its period meanwhile', async () => {
    const bucket = newBucket();
    const store = changes();
    await store.record([event(bucket, 'early.html', '01')], T0);
    // A writer that reads the period, stalls past the quiet period, and writes after the claim.
    let claimedWhileWriting: unknown;
    const stalled = new DynamoDbOriginChanges(
      stallingTable(async () => {
        claimedWhileWriting = await store.claimQuiet(bucket, T2, SETTLE_MS);
      }),
    );
    await stalled.record([event(bucket, 'late.html', '01')], T0);
    expect(claimedWhileWriting).toMatchObject({ period: 1 });
    const next = await store.claimQuiet(bucket, '2026-12-07T11:00:00.000Z', SETTLE_MS);
    expect(next?.changes.map((change) => change.key)).toContain('late.html');
  });
});

/** The test table, but the first write of a latest-event item waits for `meanwhile` (a stalled writer). */
function stallingTable(meanwhile: () => Promise<void>): Table {
  const stalling = new Table(client(), 'origin');
  const updateReturning = stalling.updateReturning.bind(stalling);
  let stalled = false;
  stalling.updateReturning = async (input) => {
    if (!stalled) {
      stalled = true;
      await meanwhile();
    }
    return updateReturning(input);
  };
  return stalling;
}

describe('origin snapshots in DynamoDB', () => {
  const snapshots = () => new DynamoDbOriginSnapshots(table);

  it('keeps a listing of many thousands of keys in shards under the item limit', async () => {
    const bucket = newBucket();
    const etags = new Map(
      Array.from({ length: 20_000 }, (_, i) => [`assets/${'deep/'.repeat(4)}file-${i}.css`, `"${i}"`]),
    );
    expect(await snapshots().save(bucket, 'production/', { etags, takenAt: T0 })).toBe(true);
    const read = await snapshots().read(bucket, 'production/');
    expect(read?.generation).toBe(1);
    expect(read?.etags).toEqual(etags);
    expect(await snapshots().read(bucket, 'staging/')).toBeUndefined();
    // 20,000 entries of about 40 bytes: more than one item's worth.
    expect(20_000 * 40).toBeGreaterThan(SHARD_BYTES);
  }, 60_000);

  it('replaces a listing only from the generation it read, and lets one of two saves stand', async () => {
    const bucket = newBucket();
    await snapshots().save(bucket, '', { etags: new Map([['a', '"1"']]), takenAt: T0 });
    const saves = await Promise.all([
      snapshots().save(bucket, '', { etags: new Map([['a', '"2"']]), takenAt: T1 }, 1),
      snapshots().save(bucket, '', { etags: new Map([['a', '"3"']]), takenAt: T1 }, 1),
    ]);
    expect(saves.filter(Boolean)).toHaveLength(1);
    expect(await snapshots().save(bucket, '', { etags: new Map(), takenAt: T2 }, 1)).toBe(false);
  });

  it("never reads a losing save's shards as the listing", async () => {
    const bucket = newBucket();
    await snapshots().save(bucket, '', { etags: new Map([['a', '"1"']]), takenAt: T0 });
    expect(await snapshots().save(bucket, '', { etags: new Map([['a', '"2"']]), takenAt: T1 }, 1)).toBe(true);
    // A save that read generation 1 too, late: it writes its shard into the slot of generation 2, then loses.
    expect(await snapshots().save(bucket, '', { etags: new Map([['a', '"3"']]), takenAt: T1 }, 1)).toBe(
      false,
    );
    expect(await snapshots().read(bucket, '')).toEqual({ generation: 2, takenAt: T1 });
    // The next save takes over from generation 2 and is read whole.
    expect(await snapshots().save(bucket, '', { etags: new Map([['a', '"4"']]), takenAt: T2 }, 2)).toBe(true);
    expect((await snapshots().read(bucket, ''))?.etags).toEqual(new Map([['a', '"4"']]));
  });

  it('is among the stores the table opens', () => {
    const stores = openStores(client(), 'origin');
    expect(stores.originChanges).toBeInstanceOf(DynamoDbOriginChanges);
    expect(stores.originSnapshots).toBeInstanceOf(DynamoDbOriginSnapshots);
  });
});

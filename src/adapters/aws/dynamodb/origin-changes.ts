import * as z from 'zod';
import { type KeyChange, lastEventPerKey, type OriginEvent, storedSequencer } from '../../../core/origin.js';
import type { OriginChanges, OriginPeriod, RecordedEvents, SettledChanges } from '../../../usecases/ports.js';
import { MalformedItemError } from './items.js';
import { OriginKeys } from './origin-keys.js';
import type { Item, Table } from './table.js';

/** Conditional writes sent at once: a burst of thousands of keys goes in waves of this many. */
const WRITES_AT_ONCE = 25;
/** How often a batch follows its period when claims keep moving it on under it. */
const MAX_PERIOD_MOVES = 5;
/** How often marking the period written is tried while other writers and claims change it under it. */
const MAX_TOUCHES = 20;

const periodSchema = z.looseObject({
  period: z.number().int().positive(),
  pending: z.boolean().optional(),
  lastWriteAt: z.string().optional(),
});
const latestSchema = z.looseObject({ kind: z.enum(['created', 'deleted']), period: z.number().int() });
const changeSchema = z.looseObject({
  key: z.string(),
  kind: z.enum(['created', 'deleted']),
  existedBefore: z.boolean().optional(),
  at: z.string().optional(),
});

/**
 * S3 changes per origin bucket in DynamoDB (items in origin-keys.ts), written with single-item conditions
 * only (dynalite has no transactions), so any number of processes record and claim at once.
 *
 *   record:  touch PERIOD (lastWriteAt = now, if period = n) ─ each key: LATEST (if its seq is older, or the
 *            same within n) ─ P#n change (if its seq is not newer) ─ read PERIOD: moved on? follow it (below)
 *   claim:   read PERIOD: pending, quiet since now − settle? ─ PERIOD period = n + 1 (if period = n, pending,
 *            lastWriteAt ≤ now − settle): one caller wins ─ the winner reads P#n
 *
 * The touch comes before the key writes, so a claim cannot see a period quiet while its keys are being
 * written. A batch slower than the quiet period (a stalled process) may still find its period claimed when
 * it is done: it then moves its keys into the open period, so a change can come twice, never be lost.
 */
export class DynamoDbOriginChanges implements OriginChanges {
  constructor(private readonly table: Table) {}

  async record(events: readonly OriginEvent[], now: string): Promise<RecordedEvents> {
    const byBucket = new Map<string, OriginEvent[]>();
    for (const event of lastEventPerKey(events)) {
      byBucket.set(event.bucket, [...(byBucket.get(event.bucket) ?? []), event]);
    }
    const total: RecordedEvents = { recorded: 0, unchanged: events.length };
    for (const [bucket, latest] of byBucket) {
      const recorded = await this.recordBucket(bucket, latest, now);
      total.recorded += recorded;
      total.unchanged -= recorded;
    }
    return total;
  }

  async period(bucket: string): Promise<OriginPeriod | undefined> {
    const item = await this.table.get(OriginKeys.period(bucket));
    if (item === undefined) return undefined;
    const { period, pending, lastWriteAt } = parse(periodSchema, item, 'origin period');
    return { period, pending: pending ?? false, ...(lastWriteAt === undefined ? {} : { lastWriteAt }) };
  }

  async claimQuiet(bucket: string, now: string, settleMs: number): Promise<SettledChanges | undefined> {
    const current = await this.period(bucket);
    const cutoff = new Date(Date.parse(now) - settleMs).toISOString();
    if (!current?.pending || current.lastWriteAt === undefined || current.lastWriteAt > cutoff)
      return undefined;
    const outcome = await this.table.update({
      Key: OriginKeys.period(bucket),
      UpdateExpression: 'SET period = :next, pending = :false, claimedAt = :now',
      ConditionExpression: 'period = :n AND pending = :true AND lastWriteAt <= :cutoff',
      ExpressionAttributeValues: {
        ':n': current.period,
        ':next': current.period + 1,
        ':true': true,
        ':false': false,
        ':now': now,
        ':cutoff': cutoff,
      },
    });
    if (outcome === 'conflict') return undefined;
    const changes = await this.changesIn(bucket, current.period);
    return { bucket, period: current.period, quietSince: current.lastWriteAt, changes };
  }

  async changesIn(bucket: string, period: number): Promise<KeyChange[]> {
    const changes: KeyChange[] = [];
    for await (const item of this.table.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': OriginKeys.periodPartition(bucket, period) },
    })) {
      const { key, kind, existedBefore, at } = parse(changeSchema, item, 'origin change');
      changes.push({
        key,
        kind,
        ...(existedBefore === undefined ? {} : { existedBefore }),
        ...(at === undefined ? {} : { at }),
      });
    }
    return changes;
  }

  /** Writes a bucket's events into its open period, following the period if a claim moves it meanwhile. */
  private async recordBucket(bucket: string, events: readonly OriginEvent[], now: string): Promise<number> {
    let period = await this.touch(bucket, now);
    let written = await this.writeAll(events, (event) => this.writeEvent(bucket, period, event));
    for (let moves = 0; moves < MAX_PERIOD_MOVES; moves += 1) {
      const open = await this.period(bucket);
      if (open === undefined || open.period === period) return written.length;
      const from = period;
      period = await this.touch(bucket, now);
      written = await this.writeAll(written, (event) => this.moveEvent(bucket, from, period, event));
    }
    throw new Error(`origin changes of ${bucket}: the period kept moving while its events were recorded`);
  }

  /** Writes events in waves of WRITES_AT_ONCE; returns those written. */
  private async writeAll(
    events: readonly OriginEvent[],
    write: (event: OriginEvent) => Promise<boolean>,
  ): Promise<OriginEvent[]> {
    const written: OriginEvent[] = [];
    for (let start = 0; start < events.length; start += WRITES_AT_ONCE) {
      const wave = events.slice(start, start + WRITES_AT_ONCE);
      const outcomes = await Promise.all(wave.map(write));
      wave.forEach((event, index) => {
        if (outcomes[index]) written.push(event);
      });
    }
    return written;
  }

  /**
   * Marks the open period written at `now` (creating the first) and returns its number. A later
   * lastWriteAt already there stays (another writer came after this one, or its clock is ahead): the
   * period is then only marked pending.
   */
  private async touch(bucket: string, now: string): Promise<number> {
    for (let attempt = 0; attempt < MAX_TOUCHES; attempt += 1) {
      const current = await this.period(bucket);
      if (current === undefined) {
        await this.table.put({
          Item: { ...OriginKeys.period(bucket), period: 1, pending: false },
          ConditionExpression: 'attribute_not_exists(pk)',
        });
        continue;
      }
      const values = { ':n': current.period, ':true': true, ':now': now };
      const later = current.lastWriteAt !== undefined && current.lastWriteAt > now;
      const outcome = await this.table.update({
        Key: OriginKeys.period(bucket),
        UpdateExpression: later ? 'SET pending = :true' : 'SET pending = :true, lastWriteAt = :now',
        ConditionExpression: later
          ? 'period = :n AND lastWriteAt > :now'
          : 'period = :n AND (attribute_not_exists(lastWriteAt) OR lastWriteAt <= :now)',
        ExpressionAttributeValues: values,
      });
      if (outcome === 'written') return current.period;
    }
    throw new Error(`origin changes of ${bucket}: the period kept changing while it was marked written`);
  }

  /**
   * The key's last event ever, if this one is later (or the same, still in the open period: a retry of a
   * batch cut short); then the period's change. `false` when the event is stale or recorded already.
   */
  private async writeEvent(bucket: string, period: number, event: OriginEvent): Promise<boolean> {
    const seq = storedSequencer(event.sequencer);
    const latest = await this.table.updateReturning({
      Key: OriginKeys.latest(bucket, event.key),
      UpdateExpression: 'SET #key = :key, #kind = :kind, etag = :etag, seq = :seq, #at = :at, period = :n',
      ConditionExpression: 'attribute_not_exists(pk) OR seq < :seq OR (seq = :seq AND period = :n)',
      ExpressionAttributeNames: { '#key': 'key', '#kind': 'kind', '#at': 'at' },
      ExpressionAttributeValues: eventValues(event, seq, { ':n': period }),
      ReturnValues: 'ALL_OLD',
    });
    if (latest.outcome === 'conflict') return false;
    const before = event.existedBefore ?? existedBefore(latest.attributes, period);
    await this.writeChange(bucket, period, event, seq, before);
    return true;
  }

  /** Moves a key recorded into a period that was claimed meanwhile into the open one, if still its latest. */
  private async moveEvent(bucket: string, from: number, to: number, event: OriginEvent): Promise<boolean> {
    const seq = storedSequencer(event.sequencer);
    const moved = await this.table.update({
      Key: OriginKeys.latest(bucket, event.key),
      UpdateExpression: 'SET period = :to',
      ConditionExpression: 'seq = :seq AND period = :from',
      ExpressionAttributeValues: { ':seq': seq, ':from': from, ':to': to },
    });
    if (moved === 'conflict') return false;
    await this.writeChange(bucket, to, event, seq, undefined);
    return true;
  }

  /** The period's change of the key, unless a later event of it is there already. */
  private async writeChange(
    bucket: string,
    period: number,
    event: OriginEvent,
    seq: string,
    before: boolean | undefined,
  ): Promise<void> {
    const setBefore = before === undefined ? '' : ', existedBefore = if_not_exists(existedBefore, :before)';
    await this.table.update({
      Key: OriginKeys.change(bucket, period, event.key),
      UpdateExpression: `SET #key = :key, #kind = :kind, etag = :etag, seq = :seq, #at = :at${setBefore}`,
      ConditionExpression: 'attribute_not_exists(pk) OR seq <= :seq',
      ExpressionAttributeNames: { '#key': 'key', '#kind': 'kind', '#at': 'at' },
      ExpressionAttributeValues: eventValues(event, seq, before === undefined ? {} : { ':before': before }),
    });
  }
}

function eventValues(
  event: OriginEvent,
  seq: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ':key': event.key,
    ':kind': event.kind,
    ':etag': event.etag ?? null,
    ':seq': seq,
    ':at': event.time,
    ...extra,
  };
}

/**
 * Whether the object existed before the period, from the key's latest event as it was before this write:
 * known only when that event came in an earlier period (one from this period says nothing of before it).
 */
function existedBefore(old: Item, period: number): boolean | undefined {
  if (old.pk === undefined) return undefined;
  const latest = parse(latestSchema, old, 'origin latest event');
  return latest.period < period ? latest.kind === 'created' : undefined;
}

function parse<S extends z.ZodType>(schema: S, item: Item, kind: string): z.output<S> {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  const key = `${String(item.pk)} / ${String(item.sk)}`;
  throw new MalformedItemError(key, `malformed ${kind} item ${key}: ${z.prettifyError(result.error)}`, {
    cause: result.error,
  });
}

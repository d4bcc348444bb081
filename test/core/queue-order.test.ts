import { describe, expect, it } from 'vitest';
import {
  admissionOrder,
  loadAhead,
  QUEUE_RECHECK_FIRST_MS,
  QUEUE_RECHECK_MAX_MS,
  type QueueEntry,
  queueRecheckMs,
} from '../../src/core/queue-order.js';

/** `A1@3` is requester A's request A1 made at second 3; each waits for one path. */
function entry(spec: string, load = { paths: 1, wildcards: 0 }): QueueEntry {
  const [id = '', at = '0'] = spec.split('@');
  const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, Number(at))).toISOString();
  return { id, requester: id.slice(0, 1), createdAt, load };
}

const ids = (entries: readonly QueueEntry[]) => entries.map((e) => e.id).join(' ');

describe('admissionOrder', () => {
  it.each([
    { queued: '', order: '' },
    { queued: 'A1@1', order: 'A1' },
    // one requester alone: oldest first
    { queued: 'A2@2 A1@1 A3@3', order: 'A1 A2 A3' },
    // a flood from A, then B's single request: B goes second, not last
    { queued: 'A1@1 A2@2 A3@3 A4@4 B1@5', order: 'A1 B1 A2 A3 A4' },
    // round-robin: each round takes every requester's next oldest, oldest first within the round
    { queued: 'A1@1 A2@2 A3@3 B1@4 B2@5 C1@6', order: 'A1 B1 C1 A2 B2 A3' },
    { queued: 'B1@1 A1@2 A2@3 B2@4', order: 'B1 A1 A2 B2' },
    // within a round, age decides, not who queued first overall
    { queued: 'A1@1 A2@9 B1@2 B2@3', order: 'A1 B1 B2 A2' },
    // the same time: the id breaks the tie, so every process computes one order
    { queued: 'B1@1 A1@1', order: 'A1 B1' },
  ])('orders [$queued] as [$order]', ({ queued, order }) => {
    const entries = queued === '' ? [] : queued.split(' ').map((spec) => entry(spec));
    expect(ids(admissionOrder(entries))).toBe(order);
  });

  it('never lets a later request of any requester go before an older first-round one', () => {
    const old = entry('Z1@1');
    const flood = Array.from({ length: 30 }, (_, i) =>
      entry(`${String.fromCharCode(65 + (i % 20))}${i}@${2 + i}`),
    );
    const order = admissionOrder([...flood, old]);
    expect(order[0]?.id).toBe('Z1');
  });
});

describe('loadAhead', () => {
  const wildcard = { paths: 1, wildcards: 1 };
  it.each([
    { queued: 'A1@1 A2@2 A3@3', candidate: 'B1@9', paths: 1 },
    { queued: 'A1@1 A2@2 A3@3', candidate: 'A4@9', paths: 3 },
    { queued: 'A1@1 A2@2 B1@3', candidate: 'B1@3', paths: 1 },
    { queued: 'A1@1 A2@2 B1@3', candidate: 'A2@2', paths: 2 },
    { queued: 'A1@1', candidate: 'A1@1', paths: 0 },
    { queued: '', candidate: 'A1@1', paths: 0 },
  ])('counts what goes before $candidate in [$queued]: $paths paths', ({ queued, candidate, paths }) => {
    const entries = queued === '' ? [] : queued.split(' ').map((spec) => entry(spec, wildcard));
    expect(loadAhead(entries, entry(candidate))).toEqual({ paths, wildcards: paths });
  });
});

describe('queueRecheckMs', () => {
  it.each([
    { waitedMs: 0, recheckMs: QUEUE_RECHECK_FIRST_MS },
    { waitedMs: 5_000, recheckMs: 5_000 },
    { waitedMs: 10_000, recheckMs: 10_000 },
    { waitedMs: 20_000, recheckMs: 20_000 },
    { waitedMs: 40_000, recheckMs: 40_000 },
    { waitedMs: 80_000, recheckMs: QUEUE_RECHECK_MAX_MS },
    { waitedMs: 86_400_000, recheckMs: QUEUE_RECHECK_MAX_MS },
    // a clock that stepped back: still the first interval, never less
    { waitedMs: -30_000, recheckMs: QUEUE_RECHECK_FIRST_MS },
  ])('after $waitedMs ms queued, looks again in $recheckMs ms', ({ waitedMs, recheckMs }) => {
    expect(queueRecheckMs(waitedMs)).toBe(recheckMs);
  });

  it('looks at most a handful of times in the first minute, where every 5 s would be 12', () => {
    let waited = 0;
    let looks = 0;
    while (waited < 60_000) {
      waited += queueRecheckMs(waited);
      looks++;
    }
    expect(looks).toBeLessThanOrEqual(5);
  });
});

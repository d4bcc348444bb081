import { describe, expect, it } from 'vitest';
import {
  admissionOrder,
  loadAhead,
  nextTurn,
  QUEUE_RECHECK_FIRST_MS,
  QUEUE_RECHECK_MAX_MS,
  type QueueEntry,
  queueRecheckMs,
} from '../../src/core/queue-order.js';

/** `A1@3` is requester A's request A1 made at second 3; each waits for one path. */
function entry(spec: string, turn = 0, load = { paths: 1, wildcards: 0 }): QueueEntry {
  const [id = '', at = '0'] = spec.split('@');
  const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, Number(at))).toISOString();
  return { id, requester: id.slice(0, 1), createdAt, turn, load };
}

/** Joins each request to the queue in the order given, as the bot does when each finds no room. */
function joinInOrder(specs: string, served = ''): QueueEntry[] {
  let queued: QueueEntry[] = [];
  const leave = new Set(served.split(' '));
  for (const spec of specs.split(' ')) {
    if (spec === '') continue;
    if (spec === '|') {
      // the head of the queue (as it stands) goes to CloudFront
      queued = queued.filter((e) => !leave.has(e.id));
      continue;
    }
    const requester = spec.slice(0, 1);
    queued.push(entry(spec, nextTurn(queued, requester)));
  }
  return queued;
}

const ids = (entries: readonly QueueEntry[]) => entries.map((e) => e.id).join(' ');

describe('admissionOrder with the turns nextTurn gives', () => {
  it.each([
    { joined: '', order: '' },
    { joined: 'A1@1', order: 'A1' },
    // one requester alone: oldest first
    { joined: 'A1@1 A2@2 A3@3', order: 'A1 A2 A3' },
    // a flood from A, then B's single request: B goes second, not last
    { joined: 'A1@1 A2@2 A3@3 A4@4 B1@5', order: 'A1 B1 A2 A3 A4' },
    // round-robin: each requester's next in turn, oldest first within a turn
    { joined: 'A1@1 A2@2 A3@3 B1@4 B2@5 C1@6', order: 'A1 B1 C1 A2 B2 A3' },
    { joined: 'B1@1 A1@2 A2@3 B2@4', order: 'B1 A1 A2 B2' },
    // after the flood's head went, a newcomer takes the turn of the oldest left, behind it
    { joined: 'A1@1 A2@2 A3@3 B1@4 | C1@9', served: 'A1', order: 'B1 A2 C1 A3' },
    { joined: 'A1@1 A2@2 A3@3 B1@4 | | C1@9', served: 'A1 B1', order: 'A2 C1 A3' },
    // a requester whose request was served comes back in the current turn, not at the end of the flood
    { joined: 'A1@1 A2@2 A3@3 B1@4 | | B2@9', served: 'A1 B1', order: 'A2 B2 A3' },
  ])('[$joined] goes as [$order]', ({ joined, served, order }) => {
    expect(ids(admissionOrder(joinInOrder(joined, served)))).toBe(order);
  });

  it.each([
    { queued: [], requester: 'A', turn: 0 },
    { queued: [entry('A1@1', 0)], requester: 'A', turn: 1 },
    { queued: [entry('A1@1', 0)], requester: 'B', turn: 0 },
    { queued: [entry('A2@2', 1), entry('A3@3', 2)], requester: 'B', turn: 1 },
    { queued: [entry('A2@2', 4), entry('B1@1', 2)], requester: 'C', turn: 2 },
  ])('nextTurn for $requester is $turn', ({ queued, requester, turn }) => {
    expect(nextTurn(queued, requester)).toBe(turn);
  });

  it('keeps the oldest queued request ahead of every newcomer, however many requesters come', () => {
    let queued = joinInOrder('A1@1 A2@2 A3@3 B1@4');
    queued = queued.filter((e) => e.id !== 'A1');
    for (let n = 0; n < 30; n++) {
      const requester = String.fromCharCode(67 + (n % 20));
      queued.push({ ...entry(`${requester}${n}@${10 + n}`), turn: nextTurn(queued, requester) });
    }
    const order = admissionOrder(queued);
    expect(ids(order.slice(0, 2))).toBe('B1 A2');
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
    const entries = joinInOrder(queued).map((e) => ({ ...e, load: wildcard }));
    const requester = candidate.slice(0, 1);
    const own = entries.find((e) => e.id === candidate.slice(0, 2));
    const turn = own?.turn ?? nextTurn(entries, requester);
    expect(loadAhead(entries, { ...entry(candidate), turn })).toEqual({ paths, wildcards: paths });
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

import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCounters } from '../../../../src/adapters/aws/dynamodb/counters.js';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { Table } from '../../../../src/adapters/aws/dynamodb/table.js';
import type { Reservation } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';

let scopes = 0;
const newScope = () => `paths#test-${++scopes}`;
const holder = (n: number) => `INV-${String(n).padStart(10, '0')}`;

describe('counters in DynamoDB, reserved with conditional writes', () => {
  const client = useDynalite();
  let counters: DynamoDbCounters;

  beforeAll(async () => {
    await ensureTable(client(), 'counters');
    counters = new DynamoDbCounters(new Table(client(), 'counters'), 20);
  });

  it('lets exactly those reservations that fit through, however many arrive at once', async () => {
    const scope = newScope();
    await counters.reserve(scope, holder(0), 7);
    // 7 of a limit of 25 are taken: 18 left, room for exactly 6 of these 12 reservations of 3.
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => counters.reserve(scope, holder(i + 1), 3, { amount: 25 })),
    );
    const taken = outcomes.filter((outcome) => outcome.ok);
    expect(taken).toHaveLength(6);
    // Each taken reservation saw its own place in line: 7, 10, 13, 16, 19, 22.
    const places = taken.map((outcome) => (outcome.ok ? outcome.before.amount : -1)).sort((a, b) => a - b);
    expect(places).toEqual([7, 10, 13, 16, 19, 22]);
    for (const refused of outcomes.filter((outcome) => !outcome.ok)) {
      expect(refused).toEqual<Reservation>({
        ok: false,
        reason: 'limit',
        current: { amount: 25, holders: 7 },
      });
    }
  });

  it('counts a retried reservation once', async () => {
    const scope = newScope();
    const first = await counters.reserve(scope, holder(1), 4, { amount: 10 });
    const again = await counters.reserve(scope, holder(1), 4, { amount: 10 });
    expect(first).toEqual({ ok: true, before: { amount: 0, holders: 0 } });
    expect(again).toEqual({ ok: true, before: { amount: 0, holders: 0 } });
    const next = await counters.reserve(scope, holder(2), 6, { amount: 10 });
    expect(next).toEqual({ ok: true, before: { amount: 4, holders: 1 } });
  });

  it('changes an open reservation by a delta, and leaves an ended one as it is', async () => {
    const scope = newScope();
    await counters.reserve(scope, holder(1), 240);
    await counters.reserve(scope, holder(2), 5);
    // 240 paths became one wildcard before submission: 239 go back, and the next one sees 6 before it.
    expect(await counters.adjust(scope, holder(1), -239)).toBe(true);
    expect(await counters.reserve(scope, holder(3), 1)).toEqual({
      ok: true,
      before: { amount: 6, holders: 2 },
    });
    // Released with the new amount, the counter holds exactly what remains.
    expect(await counters.release(scope, holder(1), 1)).toBe(true);
    expect(await counters.adjust(scope, holder(1), -1)).toBe(false);
    expect(await counters.reserve(scope, holder(4), 1)).toEqual({
      ok: true,
      before: { amount: 6, holders: 2 },
    });
  });

  it('gives a released reservation back once, and a committed one never', async () => {
    const scope = newScope();
    await counters.reserve(scope, holder(1), 5, { amount: 10 });
    await counters.reserve(scope, holder(2), 5, { amount: 10 });
    expect(await counters.release(scope, holder(1), 5)).toBe(true);
    expect(await counters.release(scope, holder(1), 5)).toBe(false);
    expect(await counters.commit(scope, holder(2), 5)).toBe(true);
    expect(await counters.commit(scope, holder(2), 5)).toBe(false);
    expect(await counters.release(scope, holder(2), 5)).toBe(false);
    // 5 committed, 5 free again: a request of 5 fits, one more path does not.
    expect((await counters.reserve(scope, holder(3), 5, { amount: 10 })).ok).toBe(true);
    expect(await counters.reserve(scope, holder(4), 1, { amount: 10 })).toEqual({
      ok: false,
      reason: 'limit',
      current: { amount: 10, holders: 2 },
    });
  });

  it('limits the holders, for a number of requests per hour', async () => {
    const scope = newScope();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => counters.reserve(scope, holder(i), 1, { holders: 3 })),
    );
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(3);
  });

  it('refuses a reservation larger than the limit from zero without writing', async () => {
    const scope = newScope();
    expect(await counters.reserve(scope, holder(1), 11, { amount: 10 })).toEqual({
      ok: false,
      reason: 'limit',
      current: { amount: 0, holders: 0 },
    });
  });

  it('bounds the open reservations an item keeps, and takes an override past the bound', async () => {
    const scope = newScope();
    for (let i = 0; i < 20; i++)
      expect((await counters.reserve(scope, holder(i), 1, { amount: 1000 })).ok).toBe(true);
    expect(await counters.reserve(scope, holder(20), 1, { amount: 1000 })).toMatchObject({
      ok: false,
      reason: 'full',
    });
    expect((await counters.reserve(scope, holder(21), 1)).ok).toBe(true);
    // A commit takes its holder out of the open set: there is room again.
    await counters.commit(scope, holder(0), 1);
    await counters.commit(scope, holder(21), 1);
    expect((await counters.reserve(scope, holder(22), 1, { amount: 1000 })).ok).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { Deliveries } from '../../src/usecases/deliveries.js';

/** A delivery that runs until the test lets it finish, and says when it started. */
function gate() {
  let open: () => void = () => {};
  let started = false;
  const finished = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    deliver: () => {
      started = true;
      return finished;
    },
    open: () => open(),
    started: () => started,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Deliveries', () => {
  it('runs at most `limit` requests at once, and a request’s deliveries in the order they came', async () => {
    const deliveries = new Deliveries(2, () => {});
    const order: string[] = [];
    const a1 = gate();
    const a2 = gate();
    const b = gate();
    const c = gate();
    const logged = (name: string, g: ReturnType<typeof gate>) => async () => {
      order.push(name);
      await g.deliver();
    };
    deliveries.add('A', logged('a1', a1));
    deliveries.add('A', logged('a2', a2));
    deliveries.add('B', logged('b', b));
    deliveries.add('C', logged('c', c));
    await settle();
    // a2 waits behind a1 (same request); B takes the second place; C waits for a free one.
    expect([a1.started(), a2.started(), b.started(), c.started()]).toEqual([true, false, true, false]);
    expect(['A', 'B', 'C'].map((id) => deliveries.holds(id))).toEqual([true, true, true]);
    a1.open();
    await settle();
    // A's place goes to the first waiting delivery whose request is not running: a2.
    expect([a2.started(), c.started()]).toEqual([true, false]);
    b.open();
    await settle();
    expect(c.started()).toBe(true);
    expect(deliveries.holds('B')).toBe(false);
    a2.open();
    c.open();
    await deliveries.idle();
    expect(order).toEqual(['a1', 'b', 'a2', 'c']);
    expect(['A', 'B', 'C'].map((id) => deliveries.holds(id))).toEqual([false, false, false]);
  });

  it('hands a failure to onError and goes on with the rest', async () => {
    const failures: Array<[unknown, string]> = [];
    const deliveries = new Deliveries(1, (error, requestId) => failures.push([error, requestId]));
    const done: string[] = [];
    deliveries.add('A', async () => {
      throw new Error('slack said no');
    });
    deliveries.add('A', async () => {
      done.push('A again');
    });
    deliveries.add('B', () => {
      throw new Error('thrown before any promise');
    });
    deliveries.add('C', async () => {
      done.push('C');
    });
    await deliveries.idle();
    expect(done).toEqual(['A again', 'C']);
    expect(failures.map(([error, id]) => [(error as Error).message, id])).toEqual([
      ['slack said no', 'A'],
      ['thrown before any promise', 'B'],
    ]);
  });

  it('is idle at once when it has nothing, and holds nothing', async () => {
    const deliveries = new Deliveries(4, () => {});
    await deliveries.idle();
    expect(deliveries.holds('A')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { SlackLane } from '../../src/usecases/slack-lane.js';

/** A Slack step that runs until the test lets it finish, and says when it started. */
function gate() {
  let open: () => void = () => {};
  let started = false;
  const finished = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    run: () => {
      started = true;
      return finished;
    },
    open: () => open(),
    started: () => started,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SlackLane', () => {
  it('runs at most `limit` requests at once, and a request’s slackLane in the order they came', async () => {
    const slackLane = new SlackLane(2, () => {});
    const order: string[] = [];
    const a1 = gate();
    const a2 = gate();
    const b = gate();
    const c = gate();
    const logged = (name: string, g: ReturnType<typeof gate>) => async () => {
      order.push(name);
      await g.run();
    };
    slackLane.add('A', logged('a1', a1));
    slackLane.add('A', logged('a2', a2));
    slackLane.add('B', logged('b', b));
    slackLane.add('C', logged('c', c));
    await settle();
    // a2 waits behind a1 (same request); B takes the second place; C waits for a free one.
    expect([a1.started(), a2.started(), b.started(), c.started()]).toEqual([true, false, true, false]);
    expect(['A', 'B', 'C'].map((id) => slackLane.holds(id))).toEqual([true, true, true]);
    a1.open();
    await settle();
    // A's place goes to the first waiting step whose request is not running: a2.
    expect([a2.started(), c.started()]).toEqual([true, false]);
    b.open();
    await settle();
    expect(c.started()).toBe(true);
    expect(slackLane.holds('B')).toBe(false);
    a2.open();
    c.open();
    await slackLane.idle();
    expect(order).toEqual(['a1', 'b', 'a2', 'c']);
    expect(['A', 'B', 'C'].map((id) => slackLane.holds(id))).toEqual([false, false, false]);
  });

  it('hands a failure to onError and goes on with the rest', async () => {
    const failures: Array<[unknown, string]> = [];
    const slackLane = new SlackLane(1, (error, requestId) => failures.push([error, requestId]));
    const done: string[] = [];
    slackLane.add('A', async () => {
      throw new Error('slack said no');
    });
    slackLane.add('A', async () => {
      done.push('A again');
    });
    slackLane.add('B', () => {
      throw new Error('thrown before any promise');
    });
    slackLane.add('C', async () => {
      done.push('C');
    });
    await slackLane.idle();
    expect(done).toEqual(['A again', 'C']);
    expect(failures.map(([error, id]) => [(error as Error).message, id])).toEqual([
      ['slack said no', 'A'],
      ['thrown before any promise', 'B'],
    ]);
  });

  it('is idle at once when it has nothing, and holds nothing', async () => {
    const slackLane = new SlackLane(4, () => {});
    await slackLane.idle();
    expect(slackLane.holds('A')).toBe(false);
  });
});

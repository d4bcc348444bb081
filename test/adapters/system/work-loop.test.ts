import { describe, expect, it } from 'vitest';
import { ahead, isAhead } from '../../../src/adapters/system/ahead.js';
import { startWorkLoop } from '../../../src/adapters/system/work-loop.js';

const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
/** A run that finds nothing, noting when it ran. */
const recorder = (runs: number[]) => async () => {
  runs.push(Date.now());
  return false;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the work loop', () => {
  it('rests between empty runs, and runs at once when woken', async () => {
    const runs: number[] = [];
    const loop = startWorkLoop(recorder(runs), { restMs: 400, logger });
    await sleep(900);
    // At 0, 400 and 800 ms: not every tick.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(3);
    const before = runs.length;
    loop.wake();
    await sleep(50);
    expect(runs.length).toBe(before + 1);
    await loop.stop();
  });

  it('runs as background work when woken, told a due time or handed work by code that runs ahead', async () => {
    const seen: boolean[] = [];
    const loop = startWorkLoop<string>(
      async () => {
        seen.push(isAhead());
        return false;
      },
      { restMs: 5_000, logger },
    );
    await sleep(50);
    await ahead(async () => {
      expect(isAhead()).toBe(true);
      loop.wake();
    });
    await sleep(50);
    await ahead(async () => loop.wakeAt(new Date(Date.now() + 50).toISOString()));
    await sleep(150);
    await ahead(async () => loop.take('handed'));
    await sleep(50);
    expect(seen).toEqual([false, false, false, false]);
    await loop.stop();
  });

  it('runs at a due time it was told of, before its rest is over', async () => {
    const runs: number[] = [];
    const loop = startWorkLoop(recorder(runs), {
      restMs: 5_000,
      logger,
    });
    await sleep(50);
    const at = Date.now() + 150;
    loop.wakeAt(new Date(at).toISOString());
    await sleep(300);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toBeGreaterThanOrEqual(at - 5);
    await loop.stop();
  });

  it('runs what it is handed at once, without a look, and keeps the rest the last look set', async () => {
    const runs: Array<{ taken: string[]; look: boolean }> = [];
    const loop = startWorkLoop<string>(
      async (taken, look) => {
        runs.push({ taken, look });
        return false;
      },
      { restMs: 400, logger },
    );
    await sleep(100);
    loop.take('INV-1');
    await sleep(50);
    expect(runs).toEqual([
      { taken: [], look: true },
      { taken: ['INV-1'], look: false },
    ]);
    // The next look comes 400 ms after the first, not 400 ms after the handed run.
    await sleep(320);
    expect(runs).toHaveLength(3);
    expect(runs[2]).toEqual({ taken: [], look: true });
    await loop.stop();
  });

  it('runs what it is handed for later at that time, without a look', async () => {
    const runs: Array<{ taken: string[]; look: boolean; at: number }> = [];
    const loop = startWorkLoop<string>(
      async (taken, look) => {
        runs.push({ taken, look, at: Date.now() });
        return false;
      },
      { restMs: 5_000, logger },
    );
    await sleep(50);
    const at = Date.now() + 150;
    loop.take('INV-2', new Date(at).toISOString());
    await sleep(100);
    expect(runs).toHaveLength(1);
    await sleep(150);
    expect(runs.map(({ taken, look }) => ({ taken, look }))).toEqual([
      { taken: [], look: true },
      { taken: ['INV-2'], look: false },
    ]);
    expect(runs[1]?.at).toBeGreaterThanOrEqual(at - 5);
    await loop.stop();
  });

  it('keeps a due time told during a run for after it', async () => {
    let calls = 0;
    const loop = startWorkLoop(
      async () => {
        calls++;
        if (calls === 1) loop.wakeAt(new Date(Date.now() + 100).toISOString());
        return false;
      },
      { restMs: 5_000, logger },
    );
    await sleep(300);
    expect(calls).toBe(2);
    await loop.stop();
  });
});

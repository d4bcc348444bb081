import { describe, expect, it } from 'vitest';
import { CachedUsage } from '../../../src/adapters/system/usage-cache.js';

/** A store whose reads the test answers one by one, counting them. */
function slowStore() {
  const pending: Array<{ month: string; resolve: (paths: number) => void; reject: (e: Error) => void }> = [];
  return {
    pending,
    reads: () => pending.length,
    monthPaths: (month: string) =>
      new Promise<number>((resolve, reject) => pending.push({ month, resolve, reject })),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('CachedUsage', () => {
  it('shares one read among concurrent callers while nothing is known yet', async () => {
    const store = slowStore();
    const usage = new CachedUsage(store, 5_000, 60_000, () => 0);
    const answers = Promise.all([usage.monthPaths('2026-11'), usage.monthPaths('2026-11')]);
    await flush();
    expect(store.reads()).toBe(1);
    store.pending[0]?.resolve(42);
    expect(await answers).toEqual([42, 42]);
  });

  it('answers a fresh figure without reading, and a stale one at once while one read refreshes it', async () => {
    const store = slowStore();
    let now = 0;
    const usage = new CachedUsage(store, 5_000, 60_000, () => now);
    const first = usage.monthPaths('2026-11');
    store.pending[0]?.resolve(10);
    expect(await first).toBe(10);
    now = 4_999;
    expect(await usage.monthPaths('2026-11')).toBe(10);
    expect(store.reads()).toBe(1);
    now = 5_000;
    expect(await usage.monthPaths('2026-11')).toBe(10);
    expect(await usage.monthPaths('2026-11')).toBe(10);
    expect(store.reads()).toBe(2);
    store.pending[1]?.resolve(15);
    await flush();
    expect(await usage.monthPaths('2026-11')).toBe(15);
    expect(store.reads()).toBe(2);
  });

  it('waits for a read again once the figure is older than the staleness bound, and retries a failed refresh', async () => {
    const store = slowStore();
    let now = 0;
    const usage = new CachedUsage(store, 5_000, 60_000, () => now);
    const first = usage.monthPaths('2026-11');
    store.pending[0]?.resolve(7);
    await first;
    now = 10_000;
    expect(await usage.monthPaths('2026-11')).toBe(7);
    store.pending[1]?.reject(new Error('down'));
    await flush();
    now = 20_000;
    expect(await usage.monthPaths('2026-11')).toBe(7);
    expect(store.reads()).toBe(3);
    store.pending[2]?.reject(new Error('still down'));
    await flush();
    now = 60_000;
    const waiting = usage.monthPaths('2026-11');
    let settled = false;
    waiting.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await flush();
    expect(settled).toBe(false);
    store.pending[3]?.reject(new Error('down for a minute'));
    await expect(waiting).rejects.toThrow('down for a minute');
  });

  it('keeps months apart and forgets earlier ones', async () => {
    const store = slowStore();
    const usage = new CachedUsage(store, 5_000, 60_000, () => 0);
    const november = usage.monthPaths('2026-11');
    store.pending[0]?.resolve(900);
    expect(await november).toBe(900);
    const december = usage.monthPaths('2026-12');
    store.pending[1]?.resolve(3);
    expect(await december).toBe(3);
    const again = usage.monthPaths('2026-11');
    expect(store.pending[2]?.month).toBe('2026-11');
    store.pending[2]?.resolve(901);
    expect(await again).toBe(901);
  });
});

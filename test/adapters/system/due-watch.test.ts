import { describe, expect, it } from 'vitest';
import { watchDueTimes } from '../../../src/adapters/system/due-watch.js';
import type { RequestStore } from '../../../src/usecases/ports.js';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:00:05.000Z';

/** A store whose writes succeed, or lose their race (`save` answers `saved`). */
const storeAnswering = (saved: boolean) =>
  ({
    save: async () => saved,
    scheduleTask: async () => {},
    nudge: async () => {},
    get: async () => undefined,
  }) as unknown as RequestStore;

const transition = (dueAt: string) =>
  ({ request: { dueAt } }) as unknown as Parameters<RequestStore['save']>[0];

describe('the due-time watch', () => {
  it('tells the future due times a write recorded, and passes the answer on', async () => {
    const told: string[] = [];
    const store = watchDueTimes(
      storeAnswering(true),
      (at) => told.push(at),
      () => NOW,
    );
    expect(await store.save(transition(LATER))).toBe(true);
    await store.scheduleTask({ kind: 'poll', distributionId: 'E1' }, LATER);
    await store.get('INV-1');
    expect(told).toEqual([LATER, LATER]);
  });

  it('tells nothing for a save that lost its race, nor for work due at once but a nudge', async () => {
    const told: string[] = [];
    const lost = watchDueTimes(
      storeAnswering(false),
      (at) => told.push(at),
      () => NOW,
    );
    expect(await lost.save(transition(LATER))).toBe(false);
    const store = watchDueTimes(
      storeAnswering(true),
      (at) => told.push(at),
      () => NOW,
    );
    await store.save(transition(NOW));
    await store.nudge('INV-2', NOW);
    expect(told).toEqual([NOW]);
  });
});

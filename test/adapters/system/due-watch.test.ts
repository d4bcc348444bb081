import { describe, expect, it } from 'vitest';
import { watchDueTimes } from '../../../src/adapters/system/due-watch.js';
import { createRequest } from '../../../src/core/request.js';
import { newRequest as fixtureRequest } from '../../core/request/fixtures.js';
import { MemoryStores } from '../../support/memory-ports.js';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:00:05.000Z';

function newRequest(id: string) {
  return createRequest(fixtureRequest({ id, createdAt: NOW }), 5_000);
}

function watched() {
  const stores = new MemoryStores();
  const told: string[] = [];
  const watchedStores = watchDueTimes(
    stores,
    (at) => told.push(at),
    () => NOW,
  );
  return { stores, told, ...watchedStores };
}

describe('the due-time watch', () => {
  it('tells the future due times a write recorded, and passes the answer on', async () => {
    const { requests, work, told } = watched();
    await requests.create(newRequest('INV-1'));
    await work.scheduleTask({ kind: 'poll', distributionId: 'E1' }, LATER);
    expect(await requests.get('INV-1')).toBeDefined();
    expect(told).toEqual([LATER, LATER]);
  });

  it('tells nothing for a save that lost its race, nor for work due at once but a nudge', async () => {
    const { requests, work, told } = watched();
    const { request } = newRequest('INV-2');
    await requests.create({ request: { ...request, dueAt: NOW } });
    expect(await requests.save({ request: { ...request, version: 5, dueAt: LATER } })).toBe(false);
    expect(await requests.save({ request: { ...request, version: 1, dueAt: NOW } })).toBe(true);
    await work.nudge('INV-2', NOW);
    expect(told).toEqual([NOW]);
  });
});

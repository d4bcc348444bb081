import { describe, expect, it } from 'vitest';
import { previewCost } from '../../src/core/cost.js';
import { createRequest } from '../../src/core/request.js';
import type { Logger } from '../../src/usecases/ports.js';
import { recordClickRefusal, recordCommandRefusal } from '../../src/usecases/record-refusal.js';
import { MemoryStores } from '../support/memory-ports.js';

const NOW = '2026-05-04T10:05:00.000Z';
const DISTRIBUTION = { alias: 'web', id: 'E2ABCDEF123XYZ' };

function setUp() {
  const stores = new MemoryStores();
  const errors: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message) => errors.push(message),
  };
  let refusals = 0;
  const services = {
    refusals: stores.refusals,
    clock: { now: () => NOW },
    ids: { requestId: () => 'INV-0000000002', refusalId: () => `REF-${++refusals}`, random: () => 0.5 },
    logger,
  };
  return { stores, services, errors };
}

const made = createRequest({
  id: 'INV-0000000001',
  distribution: DISTRIBUTION,
  paths: ['/images/*'],
  requester: 'U0DEV',
  channel: 'C0DEPLOY',
  createdAt: '2026-05-04T10:00:00.000Z',
  approval: { required: true, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
  cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
});

describe('recording a refusal through the store ports', () => {
  it('keeps a refused click as an event on its request, leaving the request as it was', async () => {
    const { stores, services } = setUp();
    await stores.requests.create(made);
    await recordClickRefusal(services, made.request, { action: 'approve', code: 'own_request', by: 'U0DEV' });
    const stored = await stores.requests.get(made.request.id);
    expect(stored?.request).toEqual(made.request);
    expect(stored?.events.map((event) => [event.type, event.key, event.actor])).toEqual([
      ['requested', 'requested', 'U0DEV'],
      ['refused', 'refused#REF-1', 'U0DEV'],
    ]);
  });

  it('lists a refused command in its month, and answers anyway when the store is down', async () => {
    const { stores, services, errors } = setUp();
    const input = {
      user: 'U0OUT',
      channel: 'C0ELSEWHERE',
      distribution: DISTRIBUTION,
      code: 'channel_not_allowed',
      text: 'web /a.html',
    } as const;
    await recordCommandRefusal(services, input);
    stores.failing = true;
    await recordCommandRefusal(services, input);
    const listed = [];
    for await (const refusal of stores.refusals.commandRefusalsIn('2026-05')) listed.push(refusal);
    expect(listed).toEqual([
      {
        id: 'REF-1',
        at: NOW,
        user: 'U0OUT',
        channel: 'C0ELSEWHERE',
        distribution: DISTRIBUTION,
        code: 'channel_not_allowed',
        command: 'web /a.html',
        truncated: false,
      },
    ]);
    expect(errors).toEqual(['recording a refusal failed; the refusal was still answered']);
  });
});

import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { previewCost } from '../../../../src/core/cost.js';
import {
  bump,
  type CommandRefusalRecord,
  createRequest,
  type InvalidationRequest,
  REFUSALS_KEPT_PER_REQUEST,
  refusedClick,
  refusedCommand,
} from '../../../../src/core/request.js';
import type { Stores } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';

const CREATED = '2026-05-04T10:00:00.000Z';
let sequence = 0;

function created() {
  return createRequest({
    id: `INV-TEST${String(++sequence).padStart(6, '0')}`,
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    paths: ['/images/*'],
    requester: 'U0DEV',
    channel: 'C0123DEPLOY',
    createdAt: CREATED,
    approval: { required: true, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
    cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
}

const refusal = (request: InvalidationRequest, n: number) =>
  refusedClick(
    request,
    { action: 'approve', code: 'not_an_approver', by: `U0X${n}`, refusalId: `REF-${n}` },
    `2026-05-04T10:01:${String(n % 60).padStart(2, '0')}.000Z`,
  );

function commandRefusal(at: string, id: string): CommandRefusalRecord {
  return refusedCommand({
    id,
    at,
    user: 'U0OUT',
    channel: 'C0OTHER',
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    code: 'channel_not_allowed',
    text: 'web /a.html',
  });
}

describe('refusals in the DynamoDB request stores', () => {
  const client = useDynalite();
  let stores: Stores;
  let request: InvalidationRequest;
  const table = 'refusals-test';

  beforeAll(async () => {
    await ensureTable(client(), table);
    stores = openStores(client(), table);
  });
  beforeEach(async () => {
    const transition = created();
    request = transition.request;
    await stores.requests.create(transition);
  });

  const refusedEvents = async () =>
    ((await stores.requests.get(request.id))?.events ?? []).filter((event) => event.type === 'refused');

  it('keeps refused clicks as events up to the cap, then only counts them', async () => {
    const outcomes = [];
    for (let n = 0; n < REFUSALS_KEPT_PER_REQUEST + 5; n++)
      outcomes.push(await stores.refusals.recordRefusal(refusal(request, n), request.createdAt));
    expect(outcomes.filter((o) => o === 'kept')).toHaveLength(REFUSALS_KEPT_PER_REQUEST);
    expect(outcomes.slice(REFUSALS_KEPT_PER_REQUEST)).toEqual(Array(5).fill('counted'));
    const stored = await stores.requests.get(request.id);
    expect(await refusedEvents()).toHaveLength(REFUSALS_KEPT_PER_REQUEST);
    expect(stored?.refusalsNotKept).toEqual({
      count: 5,
      lastAt: refusal(request, REFUSALS_KEPT_PER_REQUEST + 4).at,
    });
  });

  it('changes nothing when the same refusal is recorded again, kept or counted', async () => {
    for (let n = 0; n <= REFUSALS_KEPT_PER_REQUEST; n++)
      await stores.refusals.recordRefusal(refusal(request, n), request.createdAt);
    expect(await stores.refusals.recordRefusal(refusal(request, 0), request.createdAt)).toBe('unchanged');
    expect(
      await stores.refusals.recordRefusal(refusal(request, REFUSALS_KEPT_PER_REQUEST), request.createdAt),
    ).toBe('unchanged');
    expect(await refusedEvents()).toHaveLength(REFUSALS_KEPT_PER_REQUEST);
    expect((await stores.requests.get(request.id))?.refusalsNotKept?.count).toBe(1);
  });

  it('records each of many simultaneous refusals exactly once', async () => {
    const count = 3 * REFUSALS_KEPT_PER_REQUEST;
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        stores.refusals.recordRefusal(refusal(request, n), request.createdAt),
      ),
    );
    expect(outcomes.filter((o) => o === 'kept')).toHaveLength(REFUSALS_KEPT_PER_REQUEST);
    expect(outcomes.filter((o) => o === 'counted')).toHaveLength(count - REFUSALS_KEPT_PER_REQUEST);
    const stored = await stores.requests.get(request.id);
    expect((await refusedEvents()).length + (stored?.refusalsNotKept?.count ?? 0)).toBe(count);
  });

  it('leaves the request and its version alone, so a decision made meanwhile still saves', async () => {
    await stores.refusals.recordRefusal(refusal(request, 1), request.createdAt);
    const stored = await stores.requests.get(request.id);
    expect(stored?.request).toEqual(request);
    expect(await stores.requests.save({ request: bump(request) })).toBe(true);
    expect((await stores.requests.get(request.id))?.events.map((e) => e.type)).toEqual([
      'requested',
      'refused',
    ]);
  });

  it('records nothing for a request that does not exist', async () => {
    const ghost = created().request;
    expect(await stores.refusals.recordRefusal(refusal(ghost, 1), ghost.createdAt)).toBe('unchanged');
    expect(await stores.requests.get(ghost.id)).toBeUndefined();
  });

  it('lists refused commands by month, oldest first, each once however often it was written', async () => {
    const may = [
      commandRefusal('2026-05-31T23:59:59.000Z', 'REF-C3'),
      commandRefusal('2026-05-01T00:00:00.000Z', 'REF-C1'),
      commandRefusal('2026-05-10T12:00:00.000Z', 'REF-C2'),
    ];
    for (const record of may) await stores.refusals.recordCommandRefusal(record);
    await stores.refusals.recordCommandRefusal(may[0] as CommandRefusalRecord);
    await stores.refusals.recordCommandRefusal(commandRefusal('2026-06-01T00:00:00.000Z', 'REF-C4'));
    const listed = [];
    for await (const record of stores.refusals.commandRefusalsIn('2026-05')) listed.push(record);
    expect(listed.map((r) => r.id)).toEqual(['REF-C1', 'REF-C2', 'REF-C3']);
    expect(listed[0]).toEqual(may[1]);
    const scan = await client().send(new ScanCommand({ TableName: table }));
    expect(scan.Items?.filter((item) => item.pk?.S?.startsWith('REFUSAL#'))).toHaveLength(4);
  });
});

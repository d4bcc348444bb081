import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { previewCost } from '../../../../src/core/cost.js';
import { cardPosted, createRequest, queue, type RequestIn } from '../../../../src/core/request.js';
import { addMs } from '../../../../src/core/schedule.js';
import type { Stores } from '../../../../src/usecases/ports.js';
import { type LocalDynamoDb, startDynalite } from '../../../support/dynalite.js';

const AT = '2026-05-04T10:00:00.000Z';
const DISTRIBUTION = { alias: 'web', id: 'E2ABCDEF123XYZ' };
const WORKER = 'worker-1';
let sequence = 0;

/** Records a request without approval and queues it for capacity in `turn`. */
async function queued(stores: Stores, requester: string, turn: number) {
  const id = `INV-QUEUE0${String(++sequence).padStart(4, '0')}`;
  const made = createRequest({
    id,
    distribution: DISTRIBUTION,
    paths: ['/img/*'],
    requester,
    channel: 'C0123DEPLOY',
    createdAt: addMs(AT, sequence * 1000),
    approval: { required: false, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
    cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
  await stores.requests.create(made);
  const posted = cardPosted(made.request, { channel: 'C0123DEPLOY', ts: '1.000100' }, AT, 60_000);
  expect(await stores.requests.save(posted)).toBe(true);
  const waiting = queue(posted.request as RequestIn<'approved'>, { code: 'behind_older' }, AT, 5_000, turn);
  expect(await stores.requests.save(waiting)).toBe(true);
  return waiting.request as RequestIn<'queued'>;
}

describe('the capacity queue in the DynamoDB request stores', () => {
  let dynamo: LocalDynamoDb;
  let client: DynamoDBClient;
  let stores: Stores;

  beforeAll(async () => {
    dynamo = await startDynalite();
    client = dynamo.client();
    await ensureTable(client, 'queue-test');
    stores = openStores(client, 'queue-test');
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });

  const dueAt = async (id: string) => {
    const work = await stores.work.due('2099-01-01T00:00:00.000Z', 100);
    return work.find((w) => w.kind === 'request' && w.request.id === id)?.dueAt;
  };

  it('lists the queue with each request’s requester, age, turn and load', async () => {
    const a = await queued(stores, 'U0A', 0);
    const b = await queued(stores, 'U0B', 3);
    const entries = await stores.capacity.queued(DISTRIBUTION.id);
    expect(entries).toEqual([
      { id: a.id, requester: 'U0A', createdAt: a.createdAt, turn: 0, load: { paths: 1, wildcards: 1 } },
      { id: b.id, requester: 'U0B', createdAt: b.createdAt, turn: 3, load: { paths: 1, wildcards: 1 } },
    ]);
  });

  it('moves a recheck to later with the lease let go, without touching the request', async () => {
    const request = await queued(stores, 'U0C', 0);
    const until = addMs(AT, 30_000);
    expect(await stores.work.claim(request, WORKER, AT, until)).toBe(true);
    const later = addMs(AT, 40_000);
    await stores.work.recheckQueued(request, WORKER, later);
    expect(await dueAt(request.id)).toBe(later);
    const stored = await stores.requests.get(request.id);
    expect(stored?.request.version).toBe(request.version);
    // The lease is gone: another worker may claim it at once.
    expect(await stores.work.claim(request, 'worker-2', AT, until)).toBe(true);
  });

  it('keeps a request due now when a nudge came while it looked', async () => {
    const request = await queued(stores, 'U0D', 0);
    expect(await stores.work.claim(request, WORKER, AT, addMs(AT, 30_000))).toBe(true);
    const nudgedAt = addMs(AT, 1_000);
    await stores.work.nudge(request.id, nudgedAt);
    await stores.work.recheckQueued(request, WORKER, addMs(AT, 40_000));
    expect(await dueAt(request.id)).toBe(nudgedAt);
    expect(await stores.work.claim(request, 'worker-2', nudgedAt, addMs(nudgedAt, 30_000))).toBe(true);
  });
});

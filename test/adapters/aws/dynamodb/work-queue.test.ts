import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { Keys } from '../../../../src/adapters/aws/dynamodb/keys.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { Table } from '../../../../src/adapters/aws/dynamodb/table.js';
import { previewCost } from '../../../../src/core/cost.js';
import { cardPosted, createRequest, queue, type RequestIn } from '../../../../src/core/request.js';
import { addMs } from '../../../../src/core/schedule.js';
import type { DueWork, Stores } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';

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
  const client = useDynalite();
  let stores: Stores;

  beforeAll(async () => {
    await ensureTable(client(), 'queue-test');
    stores = openStores(client(), 'queue-test');
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

describe('due work in the DynamoDB work queue', () => {
  const client = useDynalite();
  let table: Table;

  beforeAll(async () => {
    await ensureTable(client(), 'due-test');
    table = new Table(client(), 'due-test');
  });

  const poll = (distributionId: string) => ({ kind: 'poll' as const, distributionId });
  const tasksIn = (work: DueWork[]) =>
    work.flatMap((w) => (w.kind === 'task' ? [w.task.distributionId] : []));

  it('finds a due poll behind a full batch of requests due before it', async () => {
    const stores = openStores(client(), 'due-test');
    for (let i = 0; i < 3; i++) await queued(stores, `U0BACKLOG${i}`, 0);
    await stores.work.scheduleTask(poll('E1BEHIND'), addMs(AT, 60_000));
    await stores.work.scheduleTask(poll('E1NOTYET'), addMs(AT, 3_600_000));
    const looked = await stores.work.due(addMs(AT, 120_000), 2);
    expect(tasksIn(looked)).toEqual(['E1BEHIND']);
    expect(looked).toHaveLength(2);
    const everything = await stores.work.due(addMs(AT, 120_000), 100);
    expect(everything.map((w) => w.dueAt)).toEqual([...everything.map((w) => w.dueAt)].sort());
  });

  it('finds tasks an earlier version left due, in their own partition or among the requests', async () => {
    const task = (distributionId: string, duePk: string, dueAt: string) => ({
      ...Keys.task('poll', distributionId),
      duePk,
      dueAt,
      distributionId,
      taskKind: 'poll',
    });
    await table.put({ Item: task('E1OWNPART', 'DUE#TASK', addMs(AT, 1_000)) });
    await table.put({ Item: task('E1AMONG', 'DUE', addMs(AT, 2_000)) });
    const stores = openStores(client(), 'due-test');
    const looked = await stores.work.due(addMs(AT, 10_000), 100);
    expect(looked.filter((w) => w.kind === 'task')).toEqual([
      { kind: 'task', task: poll('E1OWNPART'), dueAt: addMs(AT, 1_000) },
      { kind: 'task', task: poll('E1AMONG'), dueAt: addMs(AT, 2_000) },
    ]);
    // Claimed and finished as before, each is then due where this version keeps tasks.
    for (const [id, at] of [
      ['E1OWNPART', addMs(AT, 1_000)],
      ['E1AMONG', addMs(AT, 2_000)],
    ] as const) {
      expect(await stores.work.claimTask(poll(id), WORKER, at, addMs(at, 30_000))).toBe(true);
      await stores.work.finishTask(poll(id), WORKER, at, addMs(AT, 5_000));
      expect(await table.get(Keys.task('poll', id))).toMatchObject({
        duePk: 'DUE',
        dueAt: Keys.taskDue(addMs(AT, 5_000)),
      });
    }
  });

  it('sets aside a due item it cannot read, kept in the table, and goes on with the rest', async () => {
    const stores = openStores(client(), 'unreadable-test');
    await ensureTable(client(), 'unreadable-test');
    const good = await queued(stores, 'U0GOOD', 0);
    const broken = {
      ...Keys.request('INV-BROKEN0001'),
      duePk: 'DUE',
      dueAt: AT,
      version: 3,
      request: { id: 'x' },
    };
    const brokenTable = new Table(client(), 'unreadable-test');
    await brokenTable.put({ Item: broken });
    const looked = await stores.work.due('2099-01-01T00:00:00.000Z', 100);
    expect(
      looked.filter((w) => w.kind === 'request').map((w) => w.kind === 'request' && w.request.id),
    ).toEqual([good.id]);
    const unreadable = looked.find((w) => w.kind === 'unreadable');
    expect(unreadable).toMatchObject({ kind: 'unreadable', key: 'REQ#INV-BROKEN0001 / REQUEST', dueAt: AT });
    // Kept, with why, out of the due index: the next look does not meet it again.
    const kept = await brokenTable.get(Keys.request('INV-BROKEN0001'));
    expect(kept).toMatchObject({ version: 3, request: { id: 'x' }, dueAt: AT });
    expect(kept?.duePk).toBeUndefined();
    expect(String(kept?.setAsideBecause)).toContain('malformed request item REQ#INV-BROKEN0001');
    const again = await stores.work.due('2099-01-01T00:00:00.000Z', 100);
    expect(again.map((w) => w.kind)).toEqual(['request']);
  });
});

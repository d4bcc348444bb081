import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { Indexes, Keys } from '../../../../src/adapters/aws/dynamodb/keys.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { Table } from '../../../../src/adapters/aws/dynamodb/table.js';
import { previewCost } from '../../../../src/core/cost.js';
import { applyDecision, cardPosted, createRequest, type RequestIn } from '../../../../src/core/request.js';
import { addMs } from '../../../../src/core/schedule.js';
import type { Stores } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';

const AT = '2026-05-04T10:00:00.000Z';
const DISTRIBUTION = { alias: 'web', id: 'E2ABCDEF123XYZ' };
const TABLE = 'pending-test';
/** Paths long enough that the pending requests fill more than one 1 MB page of the due index. */
const LONG_PATHS = Array.from(
  { length: 40 },
  (_, i) => `/${String(i).padStart(3, '0')}/${'a'.repeat(1_000)}`,
);
let sequence = 0;

/** Records a request and posts its card: pending when it needs approval, approved (and due) when not. */
async function posted(stores: Stores, required: boolean, paths: string[] = ['/index.html']) {
  const id = `INV-PEND${String(++sequence).padStart(6, '0')}`;
  const made = createRequest({
    id,
    distribution: DISTRIBUTION,
    paths,
    requester: 'U0REQUEST',
    channel: 'C0123DEPLOY',
    createdAt: addMs(AT, sequence * 1000),
    approval: {
      required,
      rules: required ? [{ rule: 'always' }] : [],
      approvers: { users: ['U0LEAD'] },
      selfApproval: false,
    },
    cost: previewCost(paths.length, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
  await stores.requests.create(made);
  const card = cardPosted(made.request, { channel: 'C0123DEPLOY', ts: `1.${sequence}` }, AT, 3_600_000);
  expect(await stores.requests.save(card)).toBe(true);
  return card.request;
}

describe('pending approvals in the DynamoDB audit queries', () => {
  const client = useDynalite();
  let stores: Stores;

  beforeAll(async () => {
    await ensureTable(client(), TABLE);
    stores = openStores(client(), TABLE);
  });

  it('finds nothing in an empty table', async () => {
    expect(await stores.audit.pendingApprovals()).toEqual([]);
  });

  it('finds every pending request across pages, and none of the other due items', async () => {
    const pending: string[] = [];
    for (let i = 0; i < 30; i++) pending.push((await posted(stores, true, LONG_PATHS)).id);
    // Other due work shares the partition: approved requests, a task, and a request decided since.
    const approved = await posted(stores, false);
    await stores.work.scheduleTask({ kind: 'poll', distributionId: DISTRIBUTION.id }, AT);
    const decided = (await posted(stores, true)) as RequestIn<'pending_approval'>;
    expect(
      await stores.requests.save(applyDecision(decided, { outcome: 'approved', by: 'U0LEAD' }, AT)),
    ).toBe(true);
    const denied = (await posted(stores, true)) as RequestIn<'pending_approval'>;
    const denial = applyDecision(denied, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, AT);
    expect(await stores.requests.save(denial)).toBe(true);
    // A pending request a worker holds the lease of is still pending.
    const leased = (await posted(stores, true)) as RequestIn<'pending_approval'>;
    expect(await stores.work.claim(leased, 'worker-1', AT, addMs(AT, 30_000))).toBe(true);
    pending.push(leased.id);

    // The partition really is read in more than one page.
    const firstPage = await new Table(client(), TABLE).queryPage({
      IndexName: Indexes.due,
      KeyConditionExpression: 'duePk = :duePk',
      ExpressionAttributeValues: { ':duePk': Keys.duePartition },
    });
    expect(firstPage.LastEvaluatedKey).toBeDefined();

    const found = await stores.audit.pendingApprovals();
    expect(found.map((r) => r.id).sort()).toEqual(pending.sort());
    expect(found.every((r) => r.status === 'pending_approval')).toBe(true);
    const ids = new Set(found.map((r) => r.id));
    for (const other of [approved.id, decided.id, denied.id]) expect(ids.has(other)).toBe(false);
    // Read back whole: the paths, the card and the expiry an entry on the Home tab shows.
    const one = found.find((r) => r.id === pending[0]);
    expect(one?.paths).toEqual(LONG_PATHS);
    expect(one?.card).toEqual({ channel: 'C0123DEPLOY', ts: '1.1' });
    expect(one?.expiresAt).toBe(addMs(AT, 3_600_000));
  });
});

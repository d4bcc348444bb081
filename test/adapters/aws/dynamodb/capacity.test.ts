import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { addLoad, batchesFor, inFlightLoad } from '../../../../src/core/capacity.js';
import { previewCost } from '../../../../src/core/cost.js';
import { cardPosted, createRequest, type RequestIn, submitted } from '../../../../src/core/request.js';
import type { Stores } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';

const AT = '2026-05-04T10:00:00.000Z';
const DISTRIBUTION = { alias: 'web', id: 'E2ABCDEF123XYZ' };
let sequence = 0;

/** Records a request without approval and takes it to in progress with its first `submit` batches made. */
async function inProgress(stores: Stores, paths: string[], submit = Infinity) {
  const id = `INV-FLIGHT${String(++sequence).padStart(4, '0')}`;
  const made = createRequest({
    id,
    distribution: DISTRIBUTION,
    paths,
    requester: 'U0DEV',
    channel: 'C0123DEPLOY',
    createdAt: AT,
    approval: { required: false, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
    cost: previewCost(paths.length, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
  await stores.requests.create(made);
  const posted = cardPosted(made.request, { channel: 'C0123DEPLOY', ts: '1.000100' }, AT, 60_000);
  expect(await stores.requests.save(posted)).toBe(true);
  const batches = batchesFor(id, paths).map((batch, index) =>
    index < submit ? { ...batch, invalidationId: `I${sequence}X${index}` } : batch,
  );
  const sent = submitted(posted.request as RequestIn<'approved'>, batches, AT);
  expect(await stores.requests.save(sent)).toBe(true);
  return sent.request as RequestIn<'in_progress'>;
}

describe('the in-flight load in the DynamoDB request stores', () => {
  const client = useDynalite();
  let stores: Stores;

  beforeAll(async () => {
    await ensureTable(client(), 'in-flight-test');
    stores = openStores(client(), 'in-flight-test');
  });

  it('sums what the in-progress requests hold, leaving one out on request, without reading the requests', async () => {
    expect(await stores.capacity.inFlightLoad(DISTRIBUTION.id)).toEqual({ paths: 0, wildcards: 0 });
    const plain = await inProgress(stores, ['/a.html', '/b.html']);
    const wild = await inProgress(stores, ['/img/*', '/css/*', '/x.js']);
    // 20 wildcards make two batches (CloudFront runs 15 at once); only the first was made.
    const split = await inProgress(
      stores,
      Array.from({ length: 20 }, (_, i) => `/w${i}/*`),
      1,
    );
    const fromRequests = (await stores.capacity.inFlightRequests(DISTRIBUTION.id))
      .map((request) => inFlightLoad(request.paths, request.batches))
      .reduce(addLoad, { paths: 0, wildcards: 0 });
    expect(await stores.capacity.inFlightLoad(DISTRIBUTION.id)).toEqual(fromRequests);
    expect(fromRequests).toEqual({ paths: 2 + 3 + 15, wildcards: 2 + 15 });
    expect(await stores.capacity.inFlightLoad(DISTRIBUTION.id, wild.id)).toEqual({
      paths: 17,
      wildcards: 15,
    });
    expect(await stores.capacity.inFlightLoad(DISTRIBUTION.id, split.id)).toEqual({ paths: 5, wildcards: 2 });
    expect(await stores.capacity.inFlightLoad('EOTHER0000000')).toEqual({ paths: 0, wildcards: 0 });
    expect(plain.status).toBe('in_progress');
  });
});

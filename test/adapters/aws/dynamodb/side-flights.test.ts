import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { previewCost } from '../../../../src/core/cost.js';
import {
  cardPosted,
  createRequest,
  polled,
  type RequestIn,
  requestBatches,
  submitted,
} from '../../../../src/core/request.js';
import type { Stores } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';

const AT = '2026-05-04T10:00:00.000Z';
const TABLE = 'side-flights-test';
const E1 = 'E1WEBEU000001';
const E2 = 'E2WEBUS000001';
const POLL = { slowAfterMs: 3_600_000 };
let sequence = 0;

/** Records a request on both distributions (no approval needed) and takes it to in progress on each. */
async function inFlightOnBoth(stores: Stores, paths: string[]): Promise<RequestIn<'in_progress'>> {
  const id = `INV-SIDE${String(++sequence).padStart(6, '0')}`;
  const made = createRequest({
    id,
    distribution: { alias: 'web', id: E1, ids: [E1, E2] },
    paths,
    requester: 'U0DEV',
    channel: 'C0123DEPLOY',
    createdAt: AT,
    approval: { required: false, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
    cost: previewCost(paths.length * 2, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
  await stores.requests.create(made);
  const posted = cardPosted(made.request, { channel: 'C0123DEPLOY', ts: '1.000100' }, AT, 60_000);
  expect(await stores.requests.save(posted)).toBe(true);
  const approved = posted.request as RequestIn<'approved'>;
  const batches = requestBatches(approved).map((batch, i) => ({
    ...batch,
    invalidationId: `I${sequence}X${i}`,
  }));
  const sent = submitted(approved, batches, AT);
  expect(await stores.requests.save(sent)).toBe(true);
  return sent.request;
}

/** Saves the request done on E2, then on E1 (completed). */
async function completeBoth(stores: Stores, request: RequestIn<'in_progress'>): Promise<void> {
  const halfway = doneOn(request, E2);
  expect(await stores.requests.save(halfway)).toBe(true);
  expect(await stores.requests.save(doneOn(halfway.request as RequestIn<'in_progress'>, E1))).toBe(true);
}

/** The request with the invalidations of `distributionId` reported Completed. */
function doneOn(request: RequestIn<'in_progress'>, distributionId: string) {
  const ids = request.batches
    .filter((batch) => (batch.distributionId ?? request.distribution.id) === distributionId)
    .map((batch) => batch.invalidationId ?? '');
  return polled(request, new Set(ids), AT, POLL);
}

describe('a request in flight on several distributions, in DynamoDB', () => {
  const client = useDynalite();
  let stores: Stores;

  beforeAll(async () => {
    await ensureTable(client(), TABLE);
    stores = openStores(client(), TABLE);
  });

  it("counts on each distribution's load, so another request on the second sees it", async () => {
    const request = await inFlightOnBoth(stores, ['/index.html', '/img/*']);
    expect(await stores.capacity.inFlightLoad(E1)).toEqual({ paths: 2, wildcards: 1 });
    // What a submission of another request on E2 reads: this one's load is there.
    expect(await stores.capacity.inFlightLoad(E2)).toEqual({ paths: 2, wildcards: 1 });
    expect(await stores.capacity.inFlightLoad(E2, request.id)).toEqual({ paths: 0, wildcards: 0 });
    expect((await stores.capacity.inFlightRequests(E2)).map((r) => r.id)).toEqual([request.id]);

    // Done on E2 first: it no longer counts there, and still counts on E1 until done there too.
    const halfway = doneOn(request, E2);
    expect(halfway.request.status).toBe('in_progress');
    expect(await stores.requests.save(halfway)).toBe(true);
    expect(await stores.capacity.inFlightLoad(E2)).toEqual({ paths: 0, wildcards: 0 });
    expect(await stores.capacity.inFlightRequests(E2)).toEqual([]);
    expect(await stores.capacity.inFlightLoad(E1)).toEqual({ paths: 2, wildcards: 1 });

    const done = doneOn(halfway.request as RequestIn<'in_progress'>, E1);
    expect(done.request.status).toBe('completed');
    expect(await stores.requests.save(done)).toBe(true);
    expect(await stores.capacity.inFlightLoad(E1)).toEqual({ paths: 0, wildcards: 0 });
    expect(await stores.capacity.inFlightLoad(E2)).toEqual({ paths: 0, wildcards: 0 });
  });

  it('never lets a writer of an older state bring its load back', async () => {
    const request = await inFlightOnBoth(stores, ['/late.html']);
    await completeBoth(stores, request);
    // A slower writer that read the request in progress (version before) saves its own next state: it loses.
    const stale = { request: { ...request, version: request.version + 1, attempts: 1 } };
    expect(await stores.requests.save(stale)).toBe(false);
    expect(await stores.capacity.inFlightLoad(E2)).toEqual({ paths: 0, wildcards: 0 });
  });

  it("settles a side item left by a writer that stopped, once the distribution's poll reads it", async () => {
    const request = await inFlightOnBoth(stores, ['/left.html', '/left/*']);
    await completeBoth(stores, request);
    // As if the side item had been raised and the writer had stopped before settling it.
    const documents = DynamoDBDocumentClient.from(client());
    await documents.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: `REQ#${request.id}`,
          sk: `FLIGHT#${E2}`,
          flightPk: `FLIGHT#${E2}`,
          createdSk: `${AT}#${request.id}`,
          flightPaths: 2,
          flightWildcards: 1,
          requestVersion: request.version,
        },
      }),
    );
    expect(await stores.capacity.inFlightLoad(E2)).toEqual({ paths: 2, wildcards: 1 });
    expect(await stores.capacity.inFlightRequests(E2)).toEqual([]);
    expect(await stores.capacity.inFlightLoad(E2)).toEqual({ paths: 0, wildcards: 0 });
  });
});

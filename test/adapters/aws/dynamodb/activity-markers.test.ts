import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { previewCost } from '../../../../src/core/cost.js';
import {
  auditEvent,
  bump,
  createRequest,
  type InvalidationRequest,
  refusedClick,
} from '../../../../src/core/request.js';
import { exportEvents } from '../../../../src/usecases/audit-export.js';
import type { Stores } from '../../../../src/usecases/ports.js';
import { type LocalDynamoDb, startDynalite } from '../../../support/dynalite.js';

let sequence = 0;

function created(createdAt: string) {
  return createRequest({
    id: `INV-ACT${String(++sequence).padStart(7, '0')}`,
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    paths: ['/images/*'],
    requester: 'U0DEV',
    channel: 'C0123DEPLOY',
    createdAt,
    approval: { required: true, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
    cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
}

/** A state change with its event at `at` (the request's content matters not here, only its version). */
const changed = (request: InvalidationRequest, at: string) => {
  const next = bump(request);
  return { request: next, event: auditEvent(next, 'reminder_sent', at, undefined, {}, `reminder:${at}`) };
};

const refusal = (request: InvalidationRequest, at: string, n: number) =>
  refusedClick(request, { action: 'approve', code: 'not_an_approver', by: 'U0X', refusalId: `REF-${n}` }, at);

describe('activity markers: events recorded in a later month than their request', () => {
  let dynamo: LocalDynamoDb;
  let client: DynamoDBClient;
  let stores: Stores;

  beforeAll(async () => {
    dynamo = await startDynalite();
    client = dynamo.client();
    await ensureTable(client, 'activity-test');
    stores = openStores(client, 'activity-test');
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });

  const activeIn = async (months: string[]) => {
    const ids: string[] = [];
    for await (const { request } of stores.audit.requestsActiveIn(months)) ids.push(request.id);
    return ids;
  };
  const exported = async (since: string, until: string) => {
    const rows: string[] = [];
    for await (const { event } of exportEvents(stores.audit, { since, until }))
      rows.push(`${event.requestId} ${event.type}`);
    return rows;
  };

  it('finds, oldest first and each once, the older requests with an event in the months asked', async () => {
    const june = created('2026-06-10T00:00:00.000Z');
    const may = created('2026-05-20T00:00:00.000Z');
    const quiet = created('2026-05-21T00:00:00.000Z');
    const september = created('2026-09-02T00:00:00.000Z');
    for (const transition of [june, may, quiet, september]) await stores.requests.create(transition);
    // June's request changes in September and October, May's is refused in October (kept, then twice more).
    const juneInSeptember = changed(june.request, '2026-09-03T00:00:00.000Z');
    expect(await stores.requests.save(juneInSeptember)).toBe(true);
    expect(await stores.requests.save(changed(juneInSeptember.request, '2026-10-01T00:00:00.000Z'))).toBe(
      true,
    );
    for (let n = 0; n < 3; n++)
      await stores.refusals.recordRefusal(
        refusal(may.request, '2026-10-05T00:00:00.000Z', n),
        may.request.createdAt,
      );
    // September's own request changes in October too.
    expect(await stores.requests.save(changed(september.request, '2026-10-02T00:00:00.000Z'))).toBe(true);

    expect(await activeIn(['2026-09', '2026-10'])).toEqual([may.request.id, june.request.id]);
    expect(await activeIn(['2026-10'])).toEqual([may.request.id, june.request.id, september.request.id]);
    expect(await activeIn(['2026-08'])).toEqual([]);
    // The export of October has October's events of all three, and nothing of the quiet request.
    expect(await exported('2026-10-01', '2026-10-31')).toEqual([
      `${may.request.id} refused`,
      `${may.request.id} refused`,
      `${may.request.id} refused`,
      `${june.request.id} reminder_sent`,
      `${september.request.id} reminder_sent`,
    ]);
  });

  it('marks nothing for events in the month the request was created', async () => {
    const july = created('2026-07-01T00:00:00.000Z');
    await stores.requests.create(july);
    expect(await stores.requests.save(changed(july.request, '2026-07-31T23:59:59.999Z'))).toBe(true);
    expect(await activeIn(['2026-07', '2026-08'])).not.toContain(july.request.id);
  });

  it('writes the marker before the event: when the marker cannot be written, neither is the event', async () => {
    const april = created('2026-04-01T00:00:00.000Z');
    await stores.requests.create(april);
    const failing = dynamo.client();
    // DynamoDB refusing the marker's put (as an outage of that one call would): the SDK's own middleware.
    failing.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { pk?: { S?: string } } };
        if (input.Item?.pk?.S?.startsWith('ACTIVITY#')) throw new Error('connect ECONNREFUSED');
        return next(args);
      },
      { step: 'build' },
    );
    const cut = openStores(failing, 'activity-test');
    await expect(cut.requests.save(changed(april.request, '2026-11-01T00:00:00.000Z'))).rejects.toThrow(
      'ECONNREFUSED',
    );
    await expect(
      cut.refusals.recordRefusal(
        refusal(april.request, '2026-11-01T00:00:00.000Z', 9),
        april.request.createdAt,
      ),
    ).rejects.toThrow('ECONNREFUSED');
    failing.destroy();
    expect((await stores.requests.get(april.request.id))?.events.map((e) => e.type)).toEqual(['requested']);
  });
});

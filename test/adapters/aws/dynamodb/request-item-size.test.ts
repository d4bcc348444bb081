import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { MAX_REASON_LENGTH } from '../../../../src/core/command.js';
import { previewCost } from '../../../../src/core/cost.js';
import { itemBytes } from '../../../../src/core/item-size.js';
import { normalisePaths } from '../../../../src/core/paths.js';
import { approvalNeed } from '../../../../src/core/policy.js';
import {
  applyDecision,
  batchPaths,
  cardPosted,
  createRequest,
  type Distribution,
  type InvalidationRequest,
  moreSubmitted,
  noticeSent,
  noticeTried,
  polled,
  queue,
  REFUSALS_KEPT_PER_REQUEST,
  type RequestIn,
  refusedClick,
  reminderDue,
  requestBatches,
  submitted,
  type Transition,
} from '../../../../src/core/request.js';
import {
  largestRequestBytes,
  type RequestSizeInput,
  ROOM_FOR_LATER_FIELDS,
} from '../../../../src/core/request-size.js';
import type { Stores } from '../../../../src/usecases/ports.js';
import { useDynalite } from '../../../support/dynalite.js';

const TABLE = 'item-size-test';
const DISTRIBUTION = { alias: 'web', id: 'E2ABCDEF123XYZ' };
const APPROVERS = { usergroup: 'S0ONCALL01', users: ['U0LEAD0001', 'U0LEAD0002'] };
const at = (second: number) => new Date(Date.UTC(2026, 4, 4, 10, 0, second)).toISOString();

/** A path of `length` CJK characters under a numbered folder: 9 bytes each once percent-encoded. */
const cjk = (index: number, length: number) => `/${index}/${'中文路径'.repeat(length / 4)}`;

describe('the largest size of a request item', () => {
  const client = useDynalite();
  let documents: DynamoDBDocumentClient;
  let stores: Stores;

  beforeAll(async () => {
    documents = DynamoDBDocumentClient.from(client());
    await ensureTable(client(), TABLE);
    stores = openStores(client(), TABLE);
  });

  const save = async (transition: Transition | InvalidationRequest) => {
    const written = 'status' in transition ? { request: transition } : transition;
    expect(await stores.requests.save(written)).toBe(true);
    return written.request;
  };
  const notice = async (request: InvalidationRequest, now: string) =>
    save(noticeSent(await save(noticeTried(request)), now));
  const rawItem = async (id: string) =>
    (await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: `REQ#${id}`, sk: 'REQUEST' } })))
      .Item as Record<string, unknown>;

  /**
   * Takes a request through every step that adds to its item: refusals past the number kept, a
   * reminder, approval, a queue, batches submitted one at a time, a slow notice, completion and its
   * notice. Returns the item as stored.
   */
  async function atItsLargest(
    id: string,
    items: string[],
    reason: string,
    distribution: Distribution = DISTRIBUTION,
  ) {
    const normalised = normalisePaths(items);
    if (!normalised.ok) throw new Error('paths should be valid');
    const { paths, encoded, duplicates, covered } = normalised.value;
    const cost = previewCost(paths.length, 999, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }, 1200);
    const need = approvalNeed(paths, cost, {
      mode: 'wildcard',
      rootWildcard: true,
      pastFreeAllowance: true,
      abovePaths: 10,
      aboveUsd: 0.01,
    });
    const made = createRequest({
      id,
      distribution,
      paths,
      reason,
      requester: 'U0DEV00001',
      channel: 'C0123DEPLOY',
      createdAt: at(0),
      approval: { ...need, approvers: APPROVERS, selfApproval: true, groupUnresolved: true },
      cost,
      notes: { encoded, duplicates, covered },
    });
    await stores.requests.create(made);
    const card = { channel: 'C0123DEPLOY', ts: '1777888999.000100' };
    let request = await save(cardPosted(made.request, card, at(1), 3_600_000));
    for (let n = 0; n < REFUSALS_KEPT_PER_REQUEST + 3; n++) {
      const refusal = { action: 'approve', code: 'approvers_unresolved', by: `U0OUTSIDE${n}` } as const;
      await stores.refusals.recordRefusal(
        refusedClick(request, { ...refusal, refusalId: `REF-${n}` }, at(2)),
        request.createdAt,
      );
    }
    request = await save(reminderDue(request as RequestIn<'pending_approval'>, at(3)));
    request = await notice(request, at(4));
    const approved = applyDecision(
      request as RequestIn<'pending_approval'>,
      { outcome: 'approved', by: 'U0LEAD0001' },
      at(5),
    );
    request = await save(approved);
    const capacity = { code: 'capacity', inFlightPaths: 2999, inFlightWildcards: 15 } as const;
    request = await save(queue(request as RequestIn<'approved'>, capacity, at(6), 5000));
    const batches = requestBatches({ id, distribution, paths });
    expect(batches.length).toBeGreaterThan(1);
    const sent = (count: number) =>
      batches.map((batch, index) =>
        index < count ? { ...batch, invalidationId: `I2J0I21PCU${index}` } : batch,
      );
    request = await save(submitted(request as RequestIn<'queued'>, sent(1), at(7)));
    for (let count = 2; count <= batches.length; count++) {
      request = await save(moreSubmitted(request as RequestIn<'in_progress'>, sent(count), at(8)));
    }
    request = await save(polled(request as RequestIn<'in_progress'>, new Set(), at(60), { slowAfterMs: 0 }));
    request = await notice(request, at(61));
    const ids = new Set(sent(batches.length).map((batch) => batch.invalidationId ?? ''));
    request = await save(polled(request as RequestIn<'in_progress'>, ids, at(62), { slowAfterMs: 0 }));
    expect(request.status).toBe('completed');
    request = await notice(request, at(63));
    const sizeInput: RequestSizeInput = {
      distribution,
      paths,
      notes: { encoded, duplicates, covered },
      reason,
      approvers: APPROVERS,
    };
    return { item: await rawItem(id), sizeInput, request };
  }

  it('bounds from above what a request of long multi-byte paths and wildcards takes at its largest', async () => {
    const items = [
      ...Array.from({ length: 20 }, (_, i) => cjk(i, 440)),
      ...Array.from({ length: 20 }, (_, i) => `/${i}/资产/*`),
      cjk(0, 440),
    ];
    const reason = '发布'.repeat(MAX_REASON_LENGTH / 2);
    const { item, sizeInput } = await atItsLargest('INV-LARGEST001', items, reason);
    const events = item.events as Array<{ type: string }>;
    expect(events.filter((event) => event.type === 'refused')).toHaveLength(REFUSALS_KEPT_PER_REQUEST);
    expect(events.filter((event) => event.type === 'submitted')).toHaveLength(2);
    const stored = itemBytes(item);
    const bound = largestRequestBytes(sizeInput);
    expect(stored).toBeGreaterThan(150_000);
    expect(bound).toBeGreaterThanOrEqual(stored);
    // Tight enough to take what fits: what the bound adds is room for later fields and what no single
    // request can gather at once (a denial beside an approval, a failure beside a completion).
    expect(bound - stored).toBeLessThan(ROOM_FOR_LATER_FIELDS + 12 * 1024);
  });

  it('counts the batches and submissions of every distribution of an alias with ids', async () => {
    // two batches per distribution: 20 wildcards, past the 15 one invalidation takes
    const items = Array.from({ length: 20 }, (_, i) => `/${i}/资产/*`);
    const several = { ...DISTRIBUTION, ids: [DISTRIBUTION.id, 'E3SECOND00001', 'E4THIRD000001'] };
    const one = await atItsLargest('INV-IDSONE0001', items, 'release');
    const three = await atItsLargest('INV-IDSTHREE01', items, 'release', several);
    expect((three.request as { batches: unknown[] }).batches.length).toBe(
      3 * (one.request as { batches: unknown[] }).batches.length,
    );
    const storedGrowth = itemBytes(three.item) - itemBytes(one.item);
    const boundGrowth = largestRequestBytes(three.sizeInput) - largestRequestBytes(one.sizeInput);
    expect(storedGrowth).toBeGreaterThan(500);
    expect(boundGrowth).toBeGreaterThanOrEqual(storedGrowth);
  });

  it('keeps each path once, in the request: the batches refer to them', async () => {
    const items = Array.from({ length: 20 }, (_, i) => `/${i}/*`);
    const { item, request } = await atItsLargest('INV-ONCEONLY01', items, 'release');
    const body = JSON.stringify(item);
    expect(body.split('"/7/*"')).toHaveLength(1 + 2); // the request's paths and the wildcard rule
    if (request.status !== 'completed') throw new Error('completed expected');
    expect(request.batches.flatMap((batch) => batchPaths(request.paths, batch))).toEqual(request.paths);
  });

  it('reads batches written with their own copy of their paths, as earlier versions wrote them', async () => {
    const items = [...Array.from({ length: 17 }, (_, i) => `/${i}/*`), '/index.html'];
    const { request } = await atItsLargest('INV-OLDSHAPE01', items, 'release');
    if (request.status !== 'completed') throw new Error('completed expected');
    const old = request.batches.map(({ start, end, ...batch }) => ({
      ...batch,
      paths: request.paths.slice(start, end),
    }));
    await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: `REQ#${request.id}`, sk: 'REQUEST' },
        UpdateExpression: 'SET #request.batches = :old',
        ExpressionAttributeNames: { '#request': 'request' },
        ExpressionAttributeValues: { ':old': old },
      }),
    );
    const read = (await stores.requests.get(request.id))?.request;
    expect(read).toEqual(request);
  });
});

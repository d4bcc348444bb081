import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDigestMarkers } from '../../../../src/adapters/aws/dynamodb/digest-markers.js';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { Table } from '../../../../src/adapters/aws/dynamodb/table.js';
import { createLogger } from '../../../../src/adapters/system/logger.js';
import { parseConfig } from '../../../../src/config.js';
import { type DigestServices, postDigests, scheduleDigest } from '../../../../src/usecases/digest.js';
import { DIGEST_TASK, type DigestMarkers } from '../../../../src/usecases/ports.js';
import { ChannelStandIn } from '../../../support/digest-channel.js';
import { useDynalite } from '../../../support/dynalite.js';
import { MemoryStores } from '../../../support/memory-ports.js';

const T1 = '2026-12-07T00:00:01.000Z';
const T2 = '2026-12-07T00:06:00.000Z';
let periods = 0;
const newPeriod = () => `weekly#2026-11-${String(++periods).padStart(2, '0')}`;

const client = useDynalite();

beforeAll(async () => {
  await ensureTable(client(), 'digests');
});

// The use cases' tests run on the in-memory markers: they must behave as the DynamoDB ones do.
describe.each([
  ['in DynamoDB', () => new DynamoDbDigestMarkers(new Table(client(), 'digests'))],
  ['in memory', () => new MemoryStores().digestMarkers],
])('digest markers %s', (_, open: () => DigestMarkers) => {
  let markers: DigestMarkers;
  beforeAll(() => {
    markers = open();
  });

  it('lets one of many runners begin a period, and keeps it posted', async () => {
    const period = newPeriod();
    expect(await markers.get(period)).toBeUndefined();
    const begun = await Promise.all([1, 2, 3, 4].map(() => markers.begin(period, T1)));
    expect(begun.filter(Boolean)).toHaveLength(1);
    expect(await markers.get(period)).toEqual({ state: 'posting', at: T1 });
    await markers.posted(period);
    expect(await markers.get(period)).toEqual({ state: 'posted' });
    expect(await markers.begin(period, T2, T1)).toBe(false);
  });

  it('lets one runner take over a post begun at a given time, and nobody with another time', async () => {
    const period = newPeriod();
    await markers.begin(period, T1);
    expect(await markers.begin(period, T2, '2026-12-07T00:00:00.000Z')).toBe(false);
    const taken = await Promise.all([1, 2, 3].map(() => markers.begin(period, T2, T1)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await markers.get(period)).toEqual({ state: 'posting', at: T2 });
  });
});

describe('the digest task on one table', () => {
  it('is posted once by two instances running their due work at the boundary', async () => {
    await ensureTable(client(), 'digest-task');
    const stores = openStores(client(), 'digest-task');
    const channel = new ChannelStandIn();
    const config = parseConfig(
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'shh' },
      {
        path: 'invalidator.config.yml',
        content: {
          distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0LEAD'] } } },
          digest: { channel: 'C0123LEADS' },
        },
      },
    );
    const clock = { at: '2026-12-03T10:00:00.000Z', now: () => clock.at };
    const instance = (workerId: string): DigestServices => ({
      ...stores,
      digests: channel,
      clock,
      logger: createLogger({ level: 'error', secrets: [] }),
      workerId,
      policy: config.policy,
      operations: config.operations,
    });
    await Promise.all([scheduleDigest(instance('a')), scheduleDigest(instance('b'))]);
    clock.at = T1;
    const [scheduled] = await stores.work.due(T1, 10);
    expect(scheduled).toMatchObject({ kind: 'task', task: DIGEST_TASK, dueAt: '2026-12-07T00:00:00.000Z' });
    const run = async (services: DigestServices) => {
      const due = (await services.work.due(T1, 10)).find((work) => work.kind === 'task');
      if (!due) return;
      if (await services.work.claimTask(DIGEST_TASK, services.workerId, T1, T2))
        await postDigests(services, due.dueAt);
    };
    await Promise.all([run(instance('a')), run(instance('b'))]);
    // And once more, as an instance whose lease ran out would.
    await stores.work.scheduleTask(DIGEST_TASK, T1);
    await run(instance('c'));
    expect(channel.posts.map((post) => post.figures.period.key)).toEqual(['weekly#2026-11-30']);
    const [next] = await stores.work.due('2026-12-14T00:00:00.000Z', 10);
    expect(next).toMatchObject({ kind: 'task', task: DIGEST_TASK, dueAt: '2026-12-14T00:00:00.000Z' });
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/system/logger.js';
import { parseConfig } from '../../src/config.js';
import { previewCost } from '../../src/core/cost.js';
import type { DigestFigures } from '../../src/core/digest.js';
import { createRequest, type InvalidationRequest } from '../../src/core/request.js';
import {
  type DigestServices,
  POSTING_STALE_MS,
  postDigests,
  scheduleDigest,
} from '../../src/usecases/digest.js';
import { DIGEST_TASK } from '../../src/usecases/ports.js';
import { ChannelStandIn } from '../support/digest-channel.js';
import { MemoryStores } from '../support/memory-ports.js';

const CHANNEL = 'C0123LEADS';
const WEB_ID = 'E2ABCDEF123XYZ';
const MONDAY = '2026-12-07T00:00:00.000Z';

function setUp(digest: Record<string, unknown> | null = { channel: CHANNEL }) {
  const config = parseConfig(
    { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'shh' },
    {
      path: 'invalidator.config.yml',
      content: {
        distributions: { web: { id: WEB_ID, approvers: { users: ['U0LEAD'] } } },
        ...(digest ? { digest } : {}),
      },
    },
  );
  const stores = new MemoryStores();
  const channel = new ChannelStandIn();
  const clock = { at: MONDAY, now: () => clock.at };
  const runner = (workerId: string): DigestServices => ({
    ...stores,
    digests: channel,
    clock,
    logger: createLogger({ level: 'error', secrets: [] }),
    workerId,
    policy: config.policy,
    operations: config.operations,
  });
  return { stores, channel, clock, runner };
}

/** Runs the digest task as the work loop does: claim it under a lease, then run it. */
async function runTask(services: DigestServices): Promise<boolean> {
  const now = services.clock.now();
  const due = (await services.work.due(now, 10)).find((work) => work.kind === 'task');
  if (!due) return false;
  const until = new Date(Date.parse(now) + 30_000).toISOString();
  if (!(await services.work.claimTask(DIGEST_TASK, services.workerId, now, until))) return false;
  await postDigests(services, due.dueAt);
  return true;
}

function taskDueAt(stores: MemoryStores): string | undefined {
  return stores.tasks.get([...stores.tasks.keys()][0] ?? '')?.dueAt;
}

function later(at: string, ms: number): string {
  return new Date(Date.parse(at) + ms).toISOString();
}

describe('the digest task', () => {
  it('is scheduled at the next boundary, and not at all without a digest', async () => {
    const { stores, clock, runner } = setUp();
    clock.at = '2026-12-02T15:00:00.000Z';
    await scheduleDigest(runner('a'));
    expect(taskDueAt(stores)).toBe(MONDAY);
    const none = setUp(null);
    await scheduleDigest(none.runner('a'));
    expect(none.stores.tasks.size).toBe(0);
  });

  it('posts the week that ended, once however many runners run it, and schedules the next', async () => {
    const { stores, channel, clock, runner } = setUp();
    clock.at = '2026-12-02T15:00:00.000Z';
    await scheduleDigest(runner('a'));
    clock.at = later(MONDAY, 1000);
    const ran = await Promise.all([runTask(runner('a')), runTask(runner('b'))]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(channel.keys()).toEqual(['weekly#2026-11-30']);
    expect(channel.posts[0]?.channel).toBe(CHANNEL);
    expect(taskDueAt(stores)).toBe('2026-12-14T00:00:00.000Z');
    // Run again (as after a lease ran out): the marker says posted.
    await stores.work.scheduleTask(DIGEST_TASK, clock.at);
    expect(await runTask(runner('b'))).toBe(true);
    expect(channel.keys()).toEqual(['weekly#2026-11-30']);
    expect(taskDueAt(stores)).toBe('2026-12-14T00:00:00.000Z');
  });

  it('leaves a post in flight to its runner when the lease runs out under it', async () => {
    const { stores, channel, clock, runner } = setUp();
    await stores.work.scheduleTask(DIGEST_TASK, MONDAY);
    clock.at = later(MONDAY, 1000);
    channel.hold();
    const first = runTask(runner('a'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // a's lease of 30 s has run out; b claims the task while a still waits for Slack.
    clock.at = later(MONDAY, 60_000);
    expect(await runTask(runner('b'))).toBe(true);
    channel.release();
    await first;
    expect(channel.keys()).toEqual(['weekly#2026-11-30']);
    // b came back soon to see it settled, and a settled it.
    expect(stores.markers.get('weekly#2026-11-30')).toEqual({ state: 'posted' });
  });

  it('posts after a runner died between marker and post, and not when its post had landed', async () => {
    const { stores, channel, clock, runner } = setUp();
    await stores.digestMarkers.begin('weekly#2026-11-30', later(MONDAY, 1000));
    await stores.work.scheduleTask(DIGEST_TASK, MONDAY);
    clock.at = later(MONDAY, 2000);
    await runTask(runner('b'));
    expect(channel.keys()).toEqual([]);
    const retry = taskDueAt(stores) ?? '';
    expect(Date.parse(retry)).toBeLessThan(Date.parse('2026-12-14T00:00:00.000Z'));
    clock.at = later(MONDAY, POSTING_STALE_MS + 2000);
    expect(clock.at >= retry).toBe(true);
    await runTask(runner('b'));
    expect(channel.keys()).toEqual(['weekly#2026-11-30']);
    expect(taskDueAt(stores)).toBe('2026-12-14T00:00:00.000Z');

    // This time the dead runner's post reached the channel: nothing is posted again.
    const landed = setUp();
    await landed.stores.digestMarkers.begin('weekly#2026-11-30', later(MONDAY, 1000));
    await landed.channel.post(CHANNEL, { ...(channel.posts[0]?.figures as DigestFigures) });
    await landed.stores.work.scheduleTask(DIGEST_TASK, MONDAY);
    landed.clock.at = later(MONDAY, POSTING_STALE_MS + 2000);
    await runTask(landed.runner('b'));
    expect(landed.channel.keys()).toEqual(['weekly#2026-11-30']);
    expect(landed.stores.markers.get('weekly#2026-11-30')).toEqual({ state: 'posted' });
  });

  it('on a Monday that is the 1st posts both digests, with the figures of their periods', async () => {
    const { stores, channel, clock, runner } = setUp();
    const monday = '2027-02-01T00:00:00.000Z';
    stores.seed(completed('INV-0000000001', '2027-01-28T10:00:00.000Z', 120_000, 40));
    stores.seed(completed('INV-0000000002', '2027-01-05T10:00:00.000Z', 60_000, 2));
    await stores.work.scheduleTask(DIGEST_TASK, monday);
    clock.at = monday;
    await runTask(runner('a'));
    expect(channel.keys()).toEqual(['weekly#2027-01-25', 'monthly#2027-01']);
    const [week, month] = channel.posts.map((post) => post.figures);
    expect(week).toMatchObject({ paths: 40, completed: 1, medianCompletionMs: 120_000 });
    expect(month).toMatchObject({ paths: 42, completed: 2, medianCompletionMs: 90_000 });
    expect(month?.freeAllowance).toEqual({ used: 42, free: 1000 });
    expect(taskDueAt(stores)).toBe('2027-02-08T00:00:00.000Z');
  });

  it('posts nothing and stops once the digest is gone from the config', async () => {
    const { stores, channel, clock, runner } = setUp(null);
    await stores.work.scheduleTask(DIGEST_TASK, MONDAY);
    clock.at = MONDAY;
    await runTask(runner('a'));
    expect(channel.keys()).toEqual([]);
    expect(taskDueAt(stores)).toBeUndefined();
  });
});

/** A completed request of `paths` paths made at `createdAt` that took `tookMs`. */
function completed(id: string, createdAt: string, tookMs: number, paths: number): InvalidationRequest {
  const { request } = createRequest({
    id,
    distribution: { alias: 'web', id: WEB_ID },
    paths: Array.from({ length: paths }, (_, i) => `/p/${i}`),
    requester: 'U0DEV',
    channel: 'C0DEPLOY',
    createdAt,
    approval: { required: false, rules: [], approvers: { users: [] }, selfApproval: false },
    cost: previewCost(paths, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
  return {
    ...request,
    status: 'completed',
    decision: { outcome: 'approved', by: 'policy', at: createdAt },
    batches: [{ callerReference: id, start: 0, end: paths, invalidationId: `I${id}`, completed: true }],
    submittedAt: createdAt,
    completedAt: later(createdAt, tookMs),
  };
}

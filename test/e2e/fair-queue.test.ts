import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { type DynamoCounter, startDynamoCounter } from '../support/dynamo-counter.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';

const FLOODER = USERS.requester;
const OTHER = USERS.lead;

/** Fifteen wildcards: a request that takes the whole of CloudFront's wildcard capacity on a distribution. */
const fullLoad = (name: string) => Array.from({ length: 15 }, (_, i) => `/${name}/${i}/*`).join(' ');

describe('the capacity queue, end to end', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;
  let counter: DynamoCounter;

  beforeAll(async () => {
    stack = await startStack({ cloudfront: { completeAfterMs: 5_000 } });
    counter = await startDynamoCounter(stack.dynamoProxy.url);
    bot = await stack.startBot({ AWS_ENDPOINT_URL_DYNAMODB: counter.url });
    slack = stack.sender(bot);
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
    await counter?.close();
  });

  /** Sends a request on `docs` (no approval needed) and returns its id, from its card. */
  const request = async (user: string, paths: string) => {
    const before = new Set(stack.slack.messages.map((m) => m.ts));
    expect((await slack.command(user, `docs ${paths}`)).status).toBe(200);
    // Requests are sent one at a time: the new card is this one's.
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)),
    );
    return requestIdOf(card.text);
  };
  const statusOf = async (id: string) =>
    (await stack.plainItems()).find((item) => item.pk === `REQ#${id}`)?.status;
  const waitQueued = async (id: string) => {
    for (let tries = 0; tries < 100; tries++) {
      if ((await statusOf(id)) === 'queued') return;
      await sleep(100);
    }
    throw new Error(`${id} was never queued`);
  };

  // Each invalidation takes 5 s: long enough for the whole flood and the other request to queue
  // behind the first.
  it("takes queued requests in turn by requester: one requester's flood does not hold another's request", async () => {
    const first = await request(FLOODER, fullLoad('a0'));
    await stack.slack.waitFor(() =>
      stack.cloudfront.invalidations().find((i) => i.callerReference === first),
    );
    const flood: string[] = [];
    for (let n = 1; n <= 4; n++) {
      const id = await request(FLOODER, fullLoad(`a${n}`));
      await waitQueued(id);
      flood.push(id);
    }
    const single = await request(OTHER, fullLoad('b1'));
    await waitQueued(single);
    expect(stack.cloudfront.invalidations(DISTRIBUTIONS.docs)).toHaveLength(1);

    const made = await stack.slack.waitFor(() => {
      const all = stack.cloudfront.invalidations(DISTRIBUTIONS.docs);
      return all.some((i) => i.callerReference === single) && all.length >= 3 ? all : undefined;
    }, 30_000);
    // The flood's oldest went when the first freed room; the other requester's request goes next,
    // before the flood's other three.
    expect(made.slice(0, 3).map((i) => i.callerReference)).toEqual([first, flood[0], single]);

    // Each went as soon as the one before it completed: woken, not left to its back-off.
    const done = await stack.slack.waitFor(() => {
      const all = stack.cloudfront.invalidations(DISTRIBUTIONS.docs);
      return all.length === 6 && all.every((i) => i.status === 'Completed') ? all : undefined;
    }, 90_000);
    expect(done.map((i) => i.callerReference)).toEqual([first, flood[0], single, ...flood.slice(1)]);
    for (let n = 1; n < done.length; n++) {
      const freed = done[n - 1]?.completedAt?.getTime() ?? 0;
      expect((done[n]?.createTime.getTime() ?? 0) - freed).toBeLessThan(3_000);
    }
  });

  it('backs off while queued: few writes to a queued request, where one every 5 s was the rule', async () => {
    stack.cloudfront.inject({
      operation: 'create',
      code: 'TooManyInvalidationsInProgress',
      times: Number.POSITIVE_INFINITY,
      distributionId: DISTRIBUTIONS.docs,
    });
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push(await request(FLOODER, `/backoff/${n}.html`));
    for (const id of ids) await waitQueued(id);
    const start = counter.calls.length;
    const windowMs = 40_000;
    await sleep(windowMs);
    const calls = counter.calls.slice(start);
    stack.cloudfront.clearFaults();
    for (const id of ids) {
      const writes = calls.filter((c) => c.pk === `REQ#${id}` && c.operation === 'UpdateItem');
      // Looks at about 5, 10, 20 and 40 s after it queued: a claim and a due-time write each (one more
      // look may fall in the window's edges). Every 5 s would be 16.
      expect(writes.length, JSON.stringify(writes)).toBeLessThanOrEqual(10);
      expect(writes.length, id).toBeGreaterThanOrEqual(2);
    }
    // And the queued items themselves are never rewritten: no recheck bumps a request's version.
    for (const id of ids) {
      const item = (await stack.plainItems()).find((i) => i.pk === `REQ#${id}`);
      expect(item?.status).toBe('queued');
      expect(item?.version, id).toBeLessThanOrEqual(3);
    }
  });
});

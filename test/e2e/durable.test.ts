import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const BULK = 'EBULK00000001';

function config(overrides: Record<string, unknown> = {}) {
  const base = testConfig(overrides);
  const distributions = base.distributions as Record<string, unknown>;
  return { ...base, distributions: { ...distributions, bulk: { id: BULK, approval: 'never' } } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('durable work', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  const cards = (s: Stack, fragment: string) =>
    s.slack.messages.filter((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(fragment));
  const completions = (s: Stack, card: StoredMessage) =>
    s.slack.threadReplies(card.channel, card.ts).filter((m) => m.text.includes('completed in'));
  /** Waits until every card for `fragment` has its completion reply; returns the cards. */
  const allCompleted = (s: Stack, fragment: string, count: number, timeoutMs = 60_000) =>
    s.slack.waitFor(() => {
      const found = cards(s, fragment);
      return found.length === count && found.every((card) => completions(s, card).length >= 1)
        ? found
        : undefined;
    }, timeoutMs);

  it('runs each step once with two bot processes on one table: 50 requests, each submitted and announced once', async () => {
    stack = await startStack({ config: config() });
    const bots = [await stack.startBot(), await stack.startBot()];
    const senders = bots.map((bot) => stack?.sender(bot));
    for (let start = 0; start < 50; start += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          senders[(start + i) % 2]?.command(USERS.requester, `docs /two/${start + i}.html`),
        ),
      );
    }
    const done = await allCompleted(stack, '/two/', 50);
    for (const card of done) expect(completions(stack, card)).toHaveLength(1);
    expect(stack.cloudfront.createdCount()).toBe(50);
    const references = stack.cloudfront.invalidations().map((inv) => inv.callerReference);
    expect(new Set(references).size).toBe(50);
    expect(new Set(done.map((card) => requestIdOf(card.text)))).toEqual(new Set(references));
  });

  it('brings every request to its end when the bot is killed (SIGKILL) at random moments', async () => {
    stack = await startStack({
      config: config(),
      cloudfront: { completeAfterMs: () => 300 + Math.random() * 1200 },
    });
    let bot: BotProcess = await stack.startBot();
    for (let i = 0; i < 20; i++) await stack.sender(bot).command(USERS.requester, `docs /killed/${i}.html`);
    await stack.slack.waitFor(() => cards(stack as Stack, '/killed/').length === 20);
    for (let kill = 0; kill < 4; kill++) {
      await sleep(150 + Math.random() * 600);
      await bot.stop('SIGKILL');
      bot = await stack.startBot();
    }
    const done = await allCompleted(stack, '/killed/', 20);
    await sleep(1_000);
    for (const card of done) expect(completions(stack, card)).toHaveLength(1);
    expect(stack.cloudfront.createdCount()).toBe(20);
    // One invalidation per request, under the request's own id: none lost, none made twice.
    const references = stack.cloudfront.invalidations().map((inv) => inv.callerReference);
    expect(references.sort()).toEqual(done.map((card) => requestIdOf(card.text)).sort());
  });

  it('survives CloudFront throttling, 503s and bursts of TooManyInvalidationsInProgress', async () => {
    stack = await startStack({
      // The injected ListInvalidations fault is for polling: reconciliation (on by default) could take it.
      config: config({ reconciliation: { enabled: false, intervalMinutes: 60 } }),
      cloudfront: { faultRate: { rate: 0.3, codes: ['Throttling', 'ServiceUnavailable'] } },
    });
    const bot = await stack.startBot();
    // On top of the random ones, some of each for certain (injected faults apply in this order).
    const injected = { Throttling: 2, ServiceUnavailable: 2, TooManyInvalidationsInProgress: 5 };
    for (const [code, times] of Object.entries(injected))
      stack.cloudfront.inject({ operation: 'create', code, times });
    stack.cloudfront.inject({ operation: 'list', code: 'ServiceUnavailable', times: 1 });
    for (let i = 0; i < 10; i++) await stack.sender(bot).command(USERS.requester, `docs /faulty/${i}.html`);
    const done = await allCompleted(stack, '/faulty/', 10, 90_000);
    for (const card of done) expect(completions(stack, card)).toHaveLength(1);
    expect(stack.cloudfront.createdCount()).toBe(10);
    const failed = (code: string, operation?: string) =>
      stack?.cloudfront.calls.filter(
        (call) => call.errorCode === code && (operation === undefined || call.operation === operation),
      ).length ?? 0;
    for (const [code, times] of Object.entries(injected))
      expect(failed(code, 'create')).toBeGreaterThanOrEqual(times);
    expect(failed('ServiceUnavailable', 'list')).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('queues a 16th wildcard request until CloudFront has room, then submits it', async () => {
    // Long enough for all 16 to be acknowledged (each reserves its paths first) before the first completes.
    stack = await startStack({ config: config(), cloudfront: { completeAfterMs: 5_000 } });
    const bot = await stack.startBot();
    for (let i = 0; i < 16; i++) await stack.sender(bot).command(USERS.requester, `bulk /wild/${i}/*`);
    const queued = await stack.slack.waitFor(() =>
      cards(stack as Stack, '/wild/').find((card) =>
        stack?.slack.message(card.channel, card.ts)?.text.includes('Queued'),
      ),
    );
    expect(JSON.stringify(stack.slack.message(queued.channel, queued.ts)?.blocks)).toMatch(
      /15 wildcards|other requests/,
    );
    const done = await allCompleted(stack, '/wild/', 16, 30_000);
    for (const card of done) expect(completions(stack, card)).toHaveLength(1);
    expect(stack.cloudfront.createdCount()).toBe(16);
  });

  it('splits a request with more wildcards than CloudFront runs at once into batches, reported as one', async () => {
    stack = await startStack({ config: config(), cloudfront: { completeAfterMs: 800 } });
    const bot = await stack.startBot();
    const paths = Array.from({ length: 20 }, (_, i) => `/many/${i}/*`).join(' ');
    await stack.sender(bot).command(USERS.requester, `bulk ${paths}`);
    const [card] = await allCompleted(stack, '/many/', 1, 30_000);
    const id = requestIdOf(card?.text ?? '');
    const made = stack.cloudfront.invalidations(BULK);
    expect(made.map((inv) => inv.callerReference).sort()).toEqual([id, `${id}-2`]);
    expect(made.map((inv) => inv.paths.length).sort()).toEqual([15, 5]);
    expect(card && completions(stack, card)).toHaveLength(1);
  });

  it('submits nothing while DynamoDB is unreachable, tells the requester, and recovers by itself', async () => {
    stack = await startStack({ config: config(), cloudfront: { completeAfterMs: 1_500 } });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, 'docs /before-outage.html');
    const inFlight = await stack.slack.waitFor(() => cards(stack as Stack, '/before-outage.html')[0]);
    await stack.slack.waitFor(() => stack?.cloudfront.createdCount() === 1);

    stack.dynamoProxy.cut();
    const told = await slack.command(USERS.requester, 'docs /during-outage.html');
    expect(told.status).toBe(200);
    expect(JSON.stringify(told.json())).toContain('could not record your request');
    await sleep(2_000);
    expect(stack.cloudfront.createdCount()).toBe(1);
    expect(cards(stack, '/during-outage.html')).toHaveLength(0);

    stack.dynamoProxy.restore();
    await stack.slack.waitFor(() => completions(stack as Stack, inFlight).length === 1, 30_000);
    await slack.command(USERS.requester, 'docs /after-outage.html');
    await allCompleted(stack, '/after-outage.html', 1, 30_000);
    expect(stack.cloudfront.createdCount()).toBe(2);
  }, 90_000);

  it('posts a thread notice once through Slack 429s and a reply slower than the client timeout', async () => {
    stack = await startStack({ config: config() });
    const bot = await stack.startBot();
    stack.slack.inject({
      method: 'chat.postMessage',
      status: 429,
      retryAfterSeconds: 1,
      channel: 'C0123DEPLOY',
      times: 1,
    });
    await stack.sender(bot).command(USERS.requester, 'docs /notice-429.html');
    const [card] = await allCompleted(stack, '/notice-429.html', 1, 30_000);
    expect(card && completions(stack, card)).toHaveLength(1);

    await stack.sender(bot).command(USERS.requester, 'docs /notice-slow.html');
    const slowCard = await stack.slack.waitFor(() => cards(stack as Stack, '/notice-slow.html')[0]);
    // The completion reply arrives after the client gave up (10 s): Slack did post it.
    stack.slack.inject({ method: 'chat.postMessage', delayMs: 11_000, channel: slowCard.channel });
    await stack.slack.waitFor(() => completions(stack as Stack, slowCard).length >= 1, 40_000);
    await sleep(3_000);
    expect(completions(stack, slowCard)).toHaveLength(1);
    expect(bot.logs.some((line) => line.includes('posting a thread notice failed; will retry'))).toBe(true);
  }, 90_000);

  it('says once in the thread that a slow invalidation is still in progress, and keeps polling', async () => {
    stack = await startStack({
      config: config({
        polling: { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5, slowNoticeMinutes: 0.02 },
        // The polls counted below are the request's own: reconciliation (on by default) lists too.
        reconciliation: { enabled: false, intervalMinutes: 60 },
      }),
      cloudfront: { completeAfterMs: 4_000 },
    });
    const bot = await stack.startBot();
    await stack.sender(bot).command(USERS.requester, 'docs /slow.html');
    const [card] = await allCompleted(stack, '/slow.html', 1, 30_000);
    const replies = card ? stack.slack.threadReplies(card.channel, card.ts) : [];
    expect(replies.filter((m) => m.text.includes('still in progress'))).toHaveLength(1);
    expect(replies.filter((m) => m.text.includes('completed in'))).toHaveLength(1);
    // Alone in flight on its distribution, the request polls itself: GetInvalidation, not ListInvalidations.
    const polls = stack.cloudfront.calls.filter((c) => c.operation === 'list' || c.operation === 'get');
    expect(polls.length).toBeGreaterThan(3);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { type Stack, startStack, USERS } from '../support/stack.js';

/** Slack's answer to each chat.update comes this late: inside the client's timeout, far above a submission. */
const SLOW_UPDATE_MS = 6_000;

describe('Slack failures, end to end', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack();
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  const cardWith = (path: string) =>
    stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(path)),
    );

  it('waits out a 429 with Retry-After on the card and posts it once', async () => {
    stack.slack.inject({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1 });
    await slack.command(USERS.requester, 'docs /rate-limited.html');
    const card = await cardWith('/rate-limited.html');
    await stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
    );
    const cards = stack.slack.messages.filter(
      (m) => !m.thread_ts && JSON.stringify(m.blocks).includes('/rate-limited.html'),
    );
    expect(cards).toHaveLength(1);
    const limited = stack.slack.callsTo('chat.postMessage').filter((c) => c.status === 429);
    expect(limited).toHaveLength(1);
    // Waited out: the post that went through came a Retry-After (1 s, less a timer's slack) after the 429.
    const posted = stack.slack
      .callsTo('chat.postMessage')
      .find((c) => c.status === 200 && JSON.stringify(c.args).includes('/rate-limited.html'));
    expect((posted?.at ?? 0) - (limited[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('retries a completion notice that Slack refused with 500s from the queue, and posts it once', async () => {
    await slack.command(USERS.requester, 'docs /notice-500.html');
    const card = await cardWith('/notice-500.html');
    // The card is posted; now every reply in its thread fails three times (the client's own two retries too).
    stack.slack.inject({ method: 'chat.postMessage', status: 500, times: 3, channel: card.channel });
    await stack.slack.waitFor(
      () => stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
      20_000,
    );
    expect(stack.slack.threadReplies(card.channel, card.ts)).toHaveLength(1);
    // The notice met all three 500s before it went through.
    const refused = stack.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.status === 500 && c.args.thread_ts === card.ts);
    expect(refused).toHaveLength(3);
    expect(bot.logs.some((line) => line.includes('posting a thread notice failed; will retry'))).toBe(true);
  });

  it('submits a new request while an earlier card redraw waits for a slow Slack', async () => {
    const createOf = (path: string) =>
      stack.cloudfront.calls.find((call) => call.operation === 'create' && call.paths?.includes(path));
    // Every chat.update answers late (inside the client's 10 s timeout); posting is as fast as ever.
    stack.slack.inject({ method: 'chat.update', delayMs: SLOW_UPDATE_MS, times: Infinity });
    let sent: number;
    try {
      await slack.command(USERS.requester, 'docs /slow-update-first.html');
      await stack.slack.waitFor(() => createOf('/slow-update-first.html'));
      // The first request is submitted; the redraw of its card is now waiting for Slack.
      sent = Date.now();
      await slack.command(USERS.requester, 'docs /slow-update-second.html');
      await stack.slack.waitFor(() => createOf('/slow-update-second.html'), SLOW_UPDATE_MS * 2);
    } finally {
      stack.slack.clearFaults();
    }
    expect((createOf('/slow-update-second.html')?.at ?? Number.POSITIVE_INFINITY) - sent).toBeLessThan(
      SLOW_UPDATE_MS / 2,
    );
    for (const path of ['/slow-update-first.html', '/slow-update-second.html']) {
      const card = await cardWith(path);
      await stack.slack.waitFor(() =>
        stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
      );
      expect(stack.slack.threadReplies(card.channel, card.ts)).toHaveLength(1);
      await stack.slack.waitFor(() =>
        stack.slack.messages.find((m) => m.ts === card.ts && JSON.stringify(m.blocks).includes('Completed')),
      );
      expect(
        stack.cloudfront.calls.filter((c) => c.operation === 'create' && c.paths?.includes(path)),
      ).toHaveLength(1);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { type Stack, startStack, USERS } from '../support/stack.js';

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
    const reply = await stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
    );
    expect(reply).toBeDefined();
    const cards = stack.slack.messages.filter(
      (m) => !m.thread_ts && JSON.stringify(m.blocks).includes('/rate-limited.html'),
    );
    expect(cards).toHaveLength(1);
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('retries a completion notice that Slack refused with 500s from the queue, and posts it once', async () => {
    await slack.command(USERS.requester, 'docs /notice-500.html');
    const card = await cardWith('/notice-500.html');
    // The card is posted; now every reply in its thread fails three times (the client's own two retries too).
    stack.slack.inject({ method: 'chat.postMessage', status: 500, times: 3, channel: card.channel });
    const reply = await stack.slack.waitFor(
      () => stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
      20_000,
    );
    expect(reply).toBeDefined();
    expect(stack.slack.threadReplies(card.channel, card.ts)).toHaveLength(1);
    expect(bot.logs.some((line) => line.includes('posting a thread notice failed; will retry'))).toBe(true);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

// 6 seconds to decide: the reminder is due after 3.
// These tests assert that nothing reached CloudFront; reconciliation (on by default) would list at start.
const TIMEOUT = { approvalTimeoutMinutes: 0.1, reconciliation: { enabled: false, intervalMinutes: 60 } };

describe('pending requests that nobody decides', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it('reminds the approvers once, halfway, then expires, and refuses later clicks kindly', async () => {
    stack = await startStack({ config: testConfig(TIMEOUT) });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, 'web /reminder/*');
    const card = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => m.text.includes('on web')),
    );
    const id = requestIdOf(card.text);
    const reminder = await stack.slack.waitFor(() =>
      stack?.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('still waiting')),
    );
    expect(reminder.text).toContain('<!subteam^SONCALL001>');
    expect(reminder.text).toContain(`<@${USERS.lead}>`);
    await stack.slack.waitFor(() => stack?.slack.message(card.channel, card.ts)?.text.includes('Expired'));
    const expiry = await stack.slack.waitFor(() =>
      stack?.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('expired')),
    );
    expect(expiry.text).toContain(`<@${USERS.requester}>`);
    expect(expiry.text).toContain('nobody decided within 6s');
    const replies = stack.slack.threadReplies(card.channel, card.ts);
    expect(replies.filter((m) => m.text.includes('still waiting'))).toHaveLength(1);
    expect(JSON.stringify(stack.slack.message(card.channel, card.ts)?.blocks)).not.toContain(
      '"text":"Approve"',
    );

    const before = stack.slack.responses.length;
    await slack.click(USERS.oncall, 'invalidator.approve', id);
    const answer = await stack.slack.waitFor(() => stack?.slack.responses[before]);
    expect(JSON.stringify(answer.body)).toContain('expired');
    expect(stack.cloudfront.calls).toHaveLength(0);
  });

  it('expires a request whose timeout passed while the bot was stopped, once it starts again', async () => {
    stack = await startStack({ config: testConfig(TIMEOUT) });
    const first = await stack.startBot();
    await stack.sender(first).command(USERS.requester, 'web /while-down/*');
    const card = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => m.text.includes('on web')),
    );
    for (let tries = 0; tries < 100; tries++) {
      const items = await stack.items();
      if (items.some((item) => (item.status as { S: string } | undefined)?.S === 'pending_approval')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await first.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    expect(stack.slack.message(card.channel, card.ts)?.text).not.toContain('Expired');

    await stack.startBot();
    const expired = await stack.slack.waitFor(() => {
      const message = stack?.slack.message(card.channel, card.ts);
      return message?.text.includes('Expired') ? message : undefined;
    });
    expect(JSON.stringify(expired.blocks)).toContain('nothing was submitted');
    expect(stack.cloudfront.calls).toHaveLength(0);
  });

  it('tells the requester of the expiry once, even when Slack fails once', async () => {
    stack = await startStack({ config: testConfig(TIMEOUT) });
    const bot = await stack.startBot();
    // The reminder goes out first; the expiry notice then meets three 500s (the client's own retries too).
    await stack.sender(bot).command(USERS.requester, 'web /expiry-notice/*');
    const card = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => m.text.includes('on web')),
    );
    await stack.slack.waitFor(() =>
      stack?.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('still waiting')),
    );
    stack.slack.inject({ method: 'chat.postMessage', status: 500, times: 3, channel: card.channel });
    await stack.slack.waitFor(
      () => stack?.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('expired')),
      20_000,
    );
    // Long enough for a second post, were the retry to miss the first.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const expiries = stack.slack
      .threadReplies(card.channel, card.ts)
      .filter((m) => m.text.includes('expired'));
    expect(expiries).toHaveLength(1);
    const refused = stack.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.status === 500 && c.args.thread_ts === card.ts);
    expect(refused).toHaveLength(3);
  });
});

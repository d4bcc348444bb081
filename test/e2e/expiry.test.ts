import { afterEach, describe, expect, it } from 'vitest';
import { requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

// 6 seconds to decide: the reminder is due after 3.
const TIMEOUT = { approvalTimeoutMinutes: 0.1 };

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
});

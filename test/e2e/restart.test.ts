import { afterEach, describe, expect, it } from 'vitest';
import { requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';

describe('a restarted bot', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'still announces an invalidation that was in flight when it stopped (%s)',
    async (signal) => {
      stack = await startStack({ cloudfront: { completeAfterMs: 2_500 } });
      const first = await stack.startBot();
      await stack.sender(first).command(USERS.requester, 'docs /in-flight.html');
      const card = await stack.slack.waitFor(() =>
        stack?.slack.messages.find((m) => m.text.includes('on docs')),
      );
      const id = requestIdOf(card.text);
      await stack.slack.waitFor(() =>
        stack?.cloudfront.invalidations().find((inv) => inv.callerReference === id),
      );
      await first.stop(signal);
      expect(stack.slack.threadReplies(card.channel, card.ts)).toHaveLength(0);

      await stack.startBot();
      const reply = await stack.slack.waitFor(
        () => stack?.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
        15_000,
      );
      expect(reply.text).toContain(`<@${USERS.requester}>`);
      expect(stack.cloudfront.createdCount()).toBe(1);
      expect(stack.slack.threadReplies(card.channel, card.ts)).toHaveLength(1);
    },
  );

  it('keeps its data in the embedded store across a restart', async () => {
    stack = await startStack();
    const embedded = { TABLE_NAME: '', INVALIDATOR_DATA_DIR: `${stack.cwd}/data` };
    const first = await stack.startBot(embedded);
    expect(first.logs[0]).toContain('embedded DynamoDB-compatible store');
    await stack.sender(first).command(USERS.requester, 'docs /one.html /two.html');
    const card = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => m.text.includes('on docs')),
    );
    await stack.slack.waitFor(() =>
      stack?.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
    );
    await first.stop();

    const second = await stack.startBot(embedded);
    await stack.sender(second).command(USERS.requester, 'docs /three.html');
    const next = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => m.text.includes('1 path on docs') && m.ts !== card.ts),
    );
    // The month-to-date figure on the new card comes from the first run's record.
    expect(JSON.stringify(next.blocks)).toContain('1 path, 2 of 1,000 free used this month');
  });
});

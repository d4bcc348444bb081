import { afterAll, describe, expect, it } from 'vitest';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

describe('reconciliation of invalidations made outside the bot', () => {
  let stack: Stack;
  afterAll(() => stack?.close());

  it('counts them into usage once, as external, next to the bot’s own', async () => {
    stack = await startStack({
      config: testConfig({ reconciliation: { enabled: true, intervalMinutes: 0.02 } }),
    });
    stack.cloudfront.addExternal(
      DISTRIBUTIONS.docs,
      ['/from-ci/*', '/from-ci/index.html'],
      'github-actions-4711',
    );
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, 'docs /ours.html');
    await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => m.thread_ts && m.text.includes('completed in')),
    );
    // Several reconciliation rounds pass (every 1.2 s here): each invalidation is still counted once.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const before = stack.slack.responses.length;
    await slack.command(USERS.requester, 'usage');
    const usage = JSON.stringify((await stack.slack.waitFor(() => stack.slack.responses[before])).body);
    expect(usage).toContain('3 of 1,000 paths');
    expect(usage).toContain('Made outside the bot: 2 paths');
    // Reconciliation describes each invalidation it has not seen once; the bot's own request, alone in
    // flight, polls itself with GetInvalidation too, and those calls are not reconciliation's.
    const own = new Set(
      stack.cloudfront.calls.filter((c) => c.operation === 'create').map((c) => c.invalidationId),
    );
    const gets = stack.cloudfront.calls.filter((c) => c.operation === 'get' && !own.has(c.invalidationId));
    expect(gets.length).toBeLessThanOrEqual(2);
  });
});

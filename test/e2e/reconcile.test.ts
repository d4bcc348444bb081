import { afterAll, describe, expect, it } from 'vitest';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

/** a distribution of the account that the config does not name */
const SHOP = 'ESHOP00000001';

describe('reconciliation of invalidations made outside the bot', () => {
  let stack: Stack;
  let second: Stack | undefined;
  afterAll(async () => {
    await second?.close();
    await stack?.close();
  });

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
    expect(usage).toContain('Made outside Invalidator: 2 paths');
    // Reconciliation describes each invalidation it has not seen once; the bot's own request, alone in
    // flight, polls itself with GetInvalidation too, and those calls are not reconciliation's.
    const own = new Set(
      stack.cloudfront.calls.filter((c) => c.operation === 'create').map((c) => c.invalidationId),
    );
    const gets = stack.cloudfront.calls.filter((c) => c.operation === 'get' && !own.has(c.invalidationId));
    expect(gets.length).toBeLessThanOrEqual(2);
  });

  it('shows, with reconciliation on by default, what was made outside Invalidator on every distribution of the account, in the month’s allowance and cost', async () => {
    // No `reconciliation` in the config: it is on by default. Two free paths, a dollar each after them.
    second = await startStack({ config: testConfig({ cost: { freePathsPerMonth: 2, pricePerPathUsd: 1 } }) });
    const cloudfront = second.cloudfront;
    cloudfront.addDistribution({
      id: SHOP,
      domainName: 'd1shop.cloudfront.net',
      aliases: ['shop.example.com'],
    });
    cloudfront.addExternal(SHOP, ['/cart/*', '/index.html', '/a.css'], 'console-upload');
    cloudfront.addExternal(DISTRIBUTIONS.docs, ['/from-ci/*', '/from-ci/index.html'], 'github-actions-4711');
    const bot = await second.startBot();
    const slack = second.sender(bot);
    // The first round runs at start: each outside invalidation is read once (GetInvalidation).
    await second.slack.waitFor(
      () => cloudfront.calls.filter((c) => c.operation === 'get' && c.status === 200).length >= 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = second.slack.responses.length;
    await slack.command(USERS.requester, 'usage');
    const usage = JSON.stringify((await second.slack.waitFor(() => second?.slack.responses[before])).body);
    expect(usage).toContain('Made outside Invalidator: 5 paths');
    expect(usage).toContain('5 of 2 paths, 0 free left');
    expect(usage).toContain('Cost so far: *$3.00*');
    expect(usage).toContain('• `docs` 1 invalidation, 2 paths');
    expect(usage).toContain(`• ${SHOP} (d1shop.cloudfront.net) 1 invalidation, 3 paths`);
    expect(usage).not.toContain('configured distributions only');
    expect(cloudfront.calls.filter((c) => c.operation === 'distributions')).not.toHaveLength(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestCard } from '../support/cards.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

/**
 * `#tag` items through the running bot: accepted only where CloudFront keeps cache tags (the distribution's
 * CacheTagConfig, read with GetDistributionConfig), refused elsewhere and when the configuration cannot be
 * read; plain paths never cost a GetDistributionConfig call.
 */

const SHOP = 'ESHOP00000001';

describe('cache tags', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    const distributions = testConfig().distributions as Record<string, unknown>;
    stack = await startStack({
      config: testConfig({ distributions: { ...distributions, shop: { id: SHOP, approval: 'never' } } }),
    });
    stack.cloudfront.addDistribution({ id: DISTRIBUTIONS.docs, cacheTagHeader: 'Cache-Tag' });
    stack.cloudfront.addDistribution({ id: DISTRIBUTIONS.web });
    stack.cloudfront.addDistribution({ id: SHOP, cacheTagHeader: 'Edge-Cache-Tag' });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  const configReads = () => stack.cloudfront.calls.filter((c) => c.operation === 'config');
  const creates = () => stack.cloudfront.calls.filter((c) => c.operation === 'create');

  it('reads no distribution configuration for plain paths', async () => {
    const { id } = await requestCard(stack, slack, 'docs /plain.html');
    await stack.slack.waitFor(() => creates().find((c) => c.callerReference === id));
    expect(configReads()).toHaveLength(0);
  });

  it('accepts tags on a distribution set up for them, and CloudFront receives them', async () => {
    const { id } = await requestCard(stack, slack, 'docs #product-42 /a.html');
    const create = await stack.slack.waitFor(() => creates().find((c) => c.callerReference === id));
    expect(create).toMatchObject({ distributionId: DISTRIBUTIONS.docs, paths: ['#product-42', '/a.html'] });
    expect(configReads().map((c) => c.distributionId)).toEqual([DISTRIBUTIONS.docs]);
  });

  it('refuses tags on a distribution without a cache tag header, saying how to set one up', async () => {
    const before = creates().length;
    const answer = await slack.command(USERS.requester, 'web #product-42 /a.html');
    expect(answer.text).toContain('`web` is not set up for cache tags');
    expect(answer.text).toContain('CacheTagConfig');
    expect(creates()).toHaveLength(before);
  });

  it('refuses tags when the configuration cannot be read, naming the permission', async () => {
    stack.cloudfront.inject({ operation: 'config', code: 'AccessDenied', distributionId: SHOP });
    const before = creates().length;
    const answer = await slack.command(USERS.requester, 'shop #sale');
    expect(answer.text).toContain('could not check whether `shop` is set up for cache tags');
    expect(answer.text).toContain('cloudfront:GetDistributionConfig');
    expect(creates()).toHaveLength(before);
    expect(configReads().find((c) => c.distributionId === SHOP)?.errorCode).toBe('AccessDenied');
  });
});

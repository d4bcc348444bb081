import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestCard } from '../support/cards.js';
import { type Stack, startStack, testConfig } from '../support/stack.js';

const SHOP = 'ESHOP00000001';
const TENANT = 'dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB';
const GHOST = 'EGHOST0000001';

describe('a tenant of a multi-tenant distribution', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    const base = testConfig();
    stack = await startStack({
      cloudfront: { tenants: { [TENANT]: SHOP } },
      config: {
        ...base,
        distributions: {
          ...(base.distributions as Record<string, unknown>),
          shop: { id: SHOP, tenant: TENANT, approval: 'never' },
          ghost: { id: GHOST, tenant: 'dt_NoSuchTenant1', approval: 'never' },
        },
      },
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  const replyOf = (card: StoredMessage, words: string) =>
    stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes(words));

  it("is invalidated through the tenant's own calls, and completes", async () => {
    const { card, id } = await requestCard(stack, slack, 'shop /tenant.html');
    await stack.slack.waitFor(() => replyOf(card, 'completed in'), 10_000);
    const ofShop = stack.cloudfront.calls.filter((call) => call.distributionId === SHOP);
    const creates = ofShop.filter((call) => call.operation === 'create');
    expect(creates.map((call) => [call.tenantId, call.callerReference, call.status])).toEqual([
      [TENANT, id, 201],
    ]);
    // Polled with the tenant's calls too: none of the distribution's own calls carried it.
    const polls = ofShop.filter((call) => call.operation !== 'create');
    expect(polls.some((call) => call.tenantId === TENANT)).toBe(true);
    expect(stack.cloudfront.invalidations(SHOP).map((i) => [i.tenantId, i.status])).toEqual([
      [TENANT, 'Completed'],
    ]);
    expect(JSON.stringify(stack.slack.message(card.channel, card.ts)?.blocks)).toContain(`tenant ${TENANT}`);
  });

  it('fails plainly when CloudFront has no such tenant', async () => {
    const { card } = await requestCard(stack, slack, 'ghost /nowhere.html');
    const failure = await stack.slack.waitFor(() => replyOf(card, 'failed'), 10_000);
    expect(failure.text).toContain('EntityNotFound');
    expect(failure.text).toContain('no distribution tenant with this id');
  });
});

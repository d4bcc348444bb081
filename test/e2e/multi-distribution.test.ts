import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestCard } from '../support/cards.js';
import { type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const APPROVE = 'invalidator.approve';
const EU = 'EEUSITE000001';
const US = 'EUSSITE000001';
const A = 'EPAIRA0000001';
const B = 'EPAIRB0000001';
/** How long an invalidation takes at the stand-in, by distribution: the second of a site lags behind. */
const LAG_MS: Record<string, number> = { [US]: 2_500 };

describe('one alias over several distributions', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    const base = testConfig();
    stack = await startStack({
      config: {
        ...base,
        distributions: {
          ...(base.distributions as Record<string, unknown>),
          site: { ids: [EU, US], approval: 'wildcard', approvers: { users: [USERS.lead] } },
          pair: { ids: [A, B], approval: 'never' },
        },
      },
    });
    // Each invalidation's time is drawn as it is made: the stand-in's last create call says where.
    stack.cloudfront.setCompleteAfterMs(() => {
      const last = stack.cloudfront.calls.filter((call) => call.operation === 'create').at(-1);
      return LAG_MS[last?.distributionId ?? ''] ?? 200;
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  const creates = (distributionId: string) =>
    stack.cloudfront.calls.filter((c) => c.operation === 'create' && c.distributionId === distributionId);
  const cardNow = (card: StoredMessage) => JSON.stringify(stack.slack.message(card.channel, card.ts)?.blocks);
  const completionOf = (card: StoredMessage) =>
    stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in'));

  it('makes one card and takes one approval, then one invalidation per distribution, and completes when both have', async () => {
    const { card, id } = await requestCard(stack, slack, 'site /mr/*');
    expect(stack.slack.messages.filter((m) => !m.thread_ts && m.text.includes(id))).toHaveLength(1);
    expect(cardNow(card)).toContain(`(${EU}, ${US})`);
    await slack.click(USERS.lead, APPROVE, id);
    await stack.slack.waitFor(() => creates(US).length === 1 || undefined);
    const [eu] = creates(EU);
    const [us] = creates(US);
    expect(creates(EU)).toHaveLength(1);
    expect(eu?.callerReference).toBe(id);
    expect(us?.callerReference).toBe(`${id}-${US}`);
    expect(eu?.paths).toEqual(['/mr/*']);
    expect(us?.paths).toEqual(['/mr/*']);

    // Done on EU, still in progress on US: the card says so for each, and the request is not completed.
    const euInvalidation = stack.cloudfront.invalidations(EU)[0]?.id ?? '';
    await stack.slack.waitFor(() =>
      /completed.*in progress/.test(lineOf(cardNow(card), EU, US)) ? true : undefined,
    );
    expect(completionOf(card)).toBeUndefined();

    const notice = await stack.slack.waitFor(() => completionOf(card), 10_000);
    const usInvalidation = stack.cloudfront.invalidations(US)[0]?.id ?? '';
    expect(stack.cloudfront.invalidations(US)[0]?.status).toBe('Completed');
    expect(notice.text).toContain(`${EU}: \`${euInvalidation}\` :white_check_mark: completed`);
    expect(notice.text).toContain(`${US}: \`${usInvalidation}\` :white_check_mark: completed`);
    expect(cardNow(card)).toContain(usInvalidation);
  });

  it('after a fault on the second distribution, makes its invalidation later without repeating the first', async () => {
    stack.cloudfront.inject({ operation: 'create', code: 'ServiceUnavailable', distributionId: B });
    const { card, id } = await requestCard(stack, slack, 'pair /retry.html');
    const notice = await stack.slack.waitFor(() => completionOf(card), 15_000);
    expect(notice.text).toContain(B);
    expect(creates(A)).toHaveLength(1);
    expect(creates(B).map((call) => call.status)).toEqual([503, 201]);
    expect(stack.cloudfront.invalidations(A).filter((i) => i.callerReference === id)).toHaveLength(1);
    expect(stack.cloudfront.invalidations(B).map((i) => i.callerReference)).toEqual([`${id}-${B}`]);
  });
});

/** The card's lines about the two distributions, first then second, as one string. */
function lineOf(blocks: string, first: string, second: string): string {
  const at = (id: string) => blocks.slice(blocks.indexOf(`• ${id}`), blocks.indexOf(`• ${id}`) + 80);
  return `${at(first)} ${at(second)}`;
}

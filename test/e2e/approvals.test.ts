import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestCard } from '../support/cards.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const APPROVE = 'invalidator.approve';
const CANCEL = 'invalidator.cancel';
const ONCALL = Array.from({ length: 20 }, (_, i) => `UONCALL${String(i + 100).padStart(3, '0')}`);
const TEAM = 'ETEAM00000001';
const FREE = 'EFREE00000001';
const RESTRICTED = 'ERESTRICTED01';

describe('approvals that on-call can trust', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    const base = testConfig();
    stack = await startStack({
      slack: {
        userGroups: { SONCALL001: [...ONCALL, USERS.requester], SFREEPLAN1: 'plan_upgrade_required' },
      },
      config: {
        ...base,
        distributions: {
          ...(base.distributions as Record<string, unknown>),
          team: {
            id: TEAM,
            approval: 'always',
            approvers: { users: [USERS.requester, USERS.lead] },
            selfApproval: true,
          },
          free: { id: FREE, approvers: { usergroup: 'SFREEPLAN1', users: [USERS.lead] } },
          restricted: {
            id: RESTRICTED,
            approval: 'never',
            requesters: { users: [USERS.requester] },
            approvalAbovePaths: 2,
            approvalForRootWildcard: true,
            approvers: { users: [USERS.lead] },
          },
        },
      },
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  const request = (user: string, text: string) => requestCard(stack, slack, text, user);
  const cardNow = (card: StoredMessage) => stack.slack.message(card.channel, card.ts);
  const cardSays = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() => (cardNow(card)?.text.includes(fragment) ? cardNow(card) : undefined));
  const creates = (distributionId: string) =>
    stack.cloudfront.calls.filter((c) => c.operation === 'create' && c.distributionId === distributionId);
  const answersSince = (count: number, expected: number) =>
    stack.slack.waitFor(() => {
      const answers = stack.slack.responses.slice(count);
      return answers.length >= expected ? answers.map((a) => JSON.stringify(a.body)) : undefined;
    });
  const eventsOf = async (id: string) => {
    const item = (await stack.items()).find((i) => (i.pk as { S: string }).S === `REQ#${id}`);
    const events = item?.events as { L: Array<{ M: { type: { S: string } } }> } | undefined;
    return (events?.L ?? []).map((e) => e.M.type.S);
  };

  it('records exactly one decision and makes one CreateInvalidation when 20 approvers click at once', async () => {
    const { card, id } = await request(USERS.requester, 'web /race/*');
    const before = stack.slack.responses.length;
    const createsBefore = creates(DISTRIBUTIONS.web).length;
    await Promise.all(ONCALL.map((user) => slack.click(user, APPROVE, id)));
    await cardSays(card, 'Completed');
    expect(creates(DISTRIBUTIONS.web).length - createsBefore).toBe(1);
    expect((await eventsOf(id)).filter((type) => type === 'approved')).toHaveLength(1);
    const losers = await answersSince(before, 19);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser, loser).toMatch(/Too late: <@UONCALL\d+> already approved/);
  });

  it('lets exactly one of Approve and Deny win a race, and tells the loser', async () => {
    const { card, id } = await request(USERS.requester, 'web /approve-vs-deny/*');
    const createsBefore = creates(DISTRIBUTIONS.web).length;
    const before = stack.slack.responses.length;
    const [, denyAnswer] = await Promise.all([
      slack.click(ONCALL[0] ?? '', APPROVE, id),
      slack.submitDeny(ONCALL[1] ?? '', id, 'race'),
    ]);
    const final = await stack.slack.waitFor(() => {
      const text = cardNow(card)?.text ?? '';
      return text.includes('Denied') || text.includes('Completed') ? text : undefined;
    });
    const decisions = (await eventsOf(id)).filter((type) => type === 'approved' || type === 'denied');
    expect(decisions).toHaveLength(1);
    if (final.includes('Denied')) {
      expect(creates(DISTRIBUTIONS.web).length - createsBefore).toBe(0);
      const [approveLoser] = await answersSince(before, 1);
      expect(approveLoser).toContain('already denied');
    } else {
      expect(creates(DISTRIBUTIONS.web).length - createsBefore).toBe(1);
      expect(JSON.stringify(denyAnswer.json())).toContain('already approved');
    }
  });

  it('lets the requester approve their own request only where selfApproval is on, and says so on the card', async () => {
    const own = await request(USERS.requester, 'team /self.html');
    expect(JSON.stringify(own.card.blocks)).toContain('Self-approval is allowed');
    await slack.click(USERS.requester, APPROVE, own.id);
    await cardSays(own.card, 'Completed');
    expect(creates(TEAM)).toHaveLength(1);

    const elsewhere = await request(USERS.requester, 'web /not-self/*');
    const before = stack.slack.responses.length;
    await slack.click(USERS.requester, APPROVE, elsewhere.id);
    const [refusal] = await answersSince(before, 1);
    expect(refusal).toContain('cannot approve or deny your own request');
  });

  it('says on the card when the approvers group cannot be resolved, and lets only listed users decide', async () => {
    const { card, id } = await request(USERS.requester, 'free /free-plan/*');
    expect(JSON.stringify(card.blocks)).toContain('could not be resolved');
    expect(JSON.stringify(card.blocks)).toContain(`<@${USERS.lead}> can approve`);
    const before = stack.slack.responses.length;
    await slack.click(ONCALL[2] ?? '', APPROVE, id);
    const [refusal] = await answersSince(before, 1);
    expect(refusal).toContain('could not be resolved');
    expect(creates(FREE)).toHaveLength(0);
    await slack.click(USERS.lead, APPROVE, id);
    await cardSays(card, 'Completed');
    expect(creates(FREE)).toHaveLength(1);
    expect(bot.logs.some((line) => line.includes('plan_upgrade_required'))).toBe(true);
  });

  it('checks the group again before refusing someone who joined it after it was cached', async () => {
    const { card, id } = await request(USERS.requester, 'web /new-member/*');
    const lists = stack.slack.callsTo('usergroups.users.list').length;
    stack.slack.setUserGroup('SONCALL001', [...ONCALL, USERS.requester, 'UJUSTJOINED']);
    // Re-checks of one group are at most one a second (a burst of clicks costs one call).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await slack.click('UJUSTJOINED', APPROVE, id);
    await cardSays(card, 'Completed');
    expect(stack.slack.callsTo('usergroups.users.list').length).toBe(lists + 1);
  });

  it('lets the requester cancel with the button, refuses anyone else, and refuses clicks afterwards', async () => {
    const { card, id } = await request(USERS.requester, 'web /cancel-me/*');
    const before = stack.slack.responses.length;
    await slack.click(USERS.outsider, CANCEL, id);
    const [refusal] = await answersSince(before, 1);
    expect(refusal).toContain(`Only <@${USERS.requester}>`);
    await slack.click(USERS.requester, CANCEL, id);
    const cancelled = await cardSays(card, 'Cancelled');
    expect(JSON.stringify(cancelled?.blocks)).not.toContain('"text":"Approve"');
    await slack.click(ONCALL[3] ?? '', APPROVE, id);
    const [late] = await answersSince(before + 1, 1);
    expect(late).toContain('already cancelled');
    expect((await eventsOf(id)).filter((type) => type === 'cancelled')).toHaveLength(1);
  });

  it('redraws a card as soon as it waits for approval, with when it expires', async () => {
    const { card } = await request(USERS.requester, 'web /expires-at/*');
    const drawn = await cardSays(card, 'expires <!date^');
    expect(drawn?.text).toMatch(/expires <!date\^\d+\^at \{time\}\|at \d\d:\d\d UTC>, in \d+ min/);
  });

  /** The thread's notices, once the request records its notice as sent: nothing more is posted after that. */
  const noticesOnceSent = async (card: StoredMessage, id: string) => {
    for (let tries = 0; tries < 400 && !(await eventsOf(id)).includes('notice_sent'); tries++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    return stack.slack.threadReplies(card.channel, card.ts);
  };
  const failThreadPostsOnce = (card: StoredMessage) =>
    // Three 500s: the Web API client's own two retries too, so the bot's post fails once.
    stack.slack.inject({ method: 'chat.postMessage', status: 500, times: 3, channel: card.channel });

  it('tells the requester in the thread, once, who denied and why, even when Slack fails once', async () => {
    const { card, id } = await request(USERS.requester, 'web /deny-notice/*');
    failThreadPostsOnce(card);
    await slack.submitDeny(USERS.lead, id, 'not during the sale');
    const replies = await noticesOnceSent(card, id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain(`<@${USERS.requester}>`);
    expect(replies[0]?.text).toContain(`denied by <@${USERS.lead}>`);
    expect(replies[0]?.text).toContain('not during the sale');
    expect(cardNow(card)?.text).toContain('Denied');
  });

  it('tells the requester in the thread, once, that they cancelled, even when Slack fails once', async () => {
    const { card, id } = await request(USERS.requester, 'web /cancel-notice/*');
    failThreadPostsOnce(card);
    await slack.click(USERS.requester, CANCEL, id);
    const replies = await noticesOnceSent(card, id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain(`<@${USERS.requester}>`);
    expect(replies[0]?.text).toContain('cancelled by you');
  });

  it('tells the requester in the thread, once, that it failed, even when Slack fails once', async () => {
    stack.cloudfront.inject({
      operation: 'create',
      code: 'AccessDenied',
      distributionId: DISTRIBUTIONS.docs,
    });
    stack.slack.inject({ method: 'chat.postMessage', status: 500, times: 3, thread: true });
    const { card, id } = await request(USERS.requester, 'docs /fail-notice.html');
    const replies = await noticesOnceSent(card, id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain(`<@${USERS.requester}>`);
    expect(replies[0]?.text).toContain('failed');
  });

  it('cancels with /invalidate cancel <id>', async () => {
    const { card, id } = await request(USERS.requester, 'web /cancel-by-command/*');
    const stranger = await slack.command(USERS.outsider, `cancel ${id}`);
    expect(stranger.status).toBe(200);
    await slack.command(USERS.requester, `cancel ${id.toLowerCase()}`);
    await cardSays(card, 'Cancelled');
    const texts = () => stack.slack.responses.map((r) => JSON.stringify(r.body));
    await stack.slack.waitFor(() => texts().some((t) => t.includes(`Cancelled ${id}`)));
    await stack.slack.waitFor(() =>
      texts().some((t) => t.includes(`Only <@${USERS.requester}>, who made ${id}`)),
    );
    // The cancellation is told in the thread too: done before the next test counts the posts.
    expect(await noticesOnceSent(card, id)).toHaveLength(1);
  });

  it('refuses a requester outside `requesters`, recording the refusal and no request', async () => {
    const posts = stack.slack.callsTo('chat.postMessage').length;
    const requests = (await stack.items()).filter((i) => (i.pk as { S: string }).S.startsWith('REQ#')).length;
    const answer = await slack.command(USERS.outsider, 'restricted /a.html');
    expect(answer.json()).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(answer.json())).toContain('may request invalidations of `restricted`');
    expect(stack.slack.callsTo('chat.postMessage')).toHaveLength(posts);
    const items = await stack.items();
    expect(items.filter((i) => (i.pk as { S: string }).S.startsWith('REQ#'))).toHaveLength(requests);
    const refusals = items.filter((i) => (i.pk as { S: string }).S.startsWith('REFUSAL#'));
    expect(refusals.map((i) => i.refusal)).toEqual([
      expect.objectContaining({
        M: expect.objectContaining({ code: { S: 'not_a_requester' }, user: { S: USERS.outsider } }),
      }),
    ]);
  });

  it('lists every policy rule that applied on the card, and asks for confirmation on /*', async () => {
    const root = await request(USERS.requester, 'restricted /* /a.html');
    expect(JSON.stringify(root.card.blocks)).toContain('`/*` purges the whole distribution');
    expect(JSON.stringify(root.card.blocks)).toContain('"confirm":{');
    // One dialog, on Approve: Deny opens its reason form straight away.
    expect(JSON.stringify(root.card.blocks).match(/"text":"Back"/g)).toHaveLength(1);
    const many = await request(USERS.requester, 'restricted /a.html /b.html /c.html');
    expect(JSON.stringify(many.card.blocks)).toContain('3 paths is more than the 2 allowed without approval');
    expect(JSON.stringify(many.card.blocks)).not.toContain('"confirm":{');
  });
});

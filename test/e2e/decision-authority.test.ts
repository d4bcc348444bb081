import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import { type BotProcess, writeConfig } from '../support/bot-process.js';
import { requestCard } from '../support/cards.js';
import { type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const APPROVE = 'invalidator.approve';
const DENY = 'invalidator.deny';
const GROUP = 'SONCALL001';
const ONCALL = Array.from({ length: 6 }, (_, i) => `UONCALL${String(i + 100).padStart(3, '0')}`);
const LATER = 'ELATER0000001';

/** `web` as the tests' config has it, plus `later`, which the second config removes. */
function config(webUsers: string[], withLater: boolean): Record<string, unknown> {
  const base = testConfig();
  const distributions = {
    ...(base.distributions as Record<string, unknown>),
    web: { id: 'EWEB000000001', approval: 'wildcard', approvers: { usergroup: GROUP, users: webUsers } },
    ...(withLater ? { later: { id: LATER, approval: 'always', approvers: { users: [USERS.lead] } } } : {}),
  };
  return { ...base, distributions };
}

describe('decision authority is current', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack({
      slack: { userGroups: { [GROUP]: [...ONCALL] } },
      config: config([USERS.lead], true),
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  const request = (text: string) => requestCard(stack, slack, text);
  const cardNow = (card: StoredMessage) => stack.slack.message(card.channel, card.ts);
  const cardSays = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() => (cardNow(card)?.text.includes(fragment) ? cardNow(card) : undefined));
  const answersSince = (count: number, expected: number) =>
    stack.slack.waitFor(() => {
      const answers = stack.slack.responses.slice(count);
      return answers.length >= expected ? answers.map((a) => JSON.stringify(a.body)) : undefined;
    });
  const lookups = () => stack.slack.callsTo('usergroups.users.list').length;
  const stored = async (id: string) =>
    JSON.stringify((await stack.plainItems()).find((item) => item.pk === `REQ#${id}`));
  /** Waits until the request item shows a refusal with this code; returns the item as JSON. */
  const refusalRecorded = async (id: string, code: string) => {
    for (let tries = 0; tries < 100; tries++) {
      const item = await stored(id);
      if (item.includes(`"refusal":"${code}"`)) return item;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${code} refusal recorded on ${id}: ${await stored(id)}`);
  };
  const expectStillPending = async (card: StoredMessage, id: string) => {
    expect(cardNow(card)?.text).not.toMatch(/Approved|Completed|Denied/);
    expect(await stored(id)).toContain('"status":"pending_approval"');
  };

  it('asks Slack at the click: a member removed from the group after a cached lookup cannot approve', async () => {
    const first = await request('web /first/*');
    const second = await request('web /second/*');
    const removed = ONCALL[0] ?? '';
    await slack.click(removed, APPROVE, first.id);
    await cardSays(first.card, 'Completed');
    // Well inside the cache's 60 s, the group no longer has them.
    stack.slack.setUserGroup(GROUP, ONCALL.slice(1));
    const before = stack.slack.responses.length;
    const lookupsBefore = lookups();
    await slack.click(removed, APPROVE, second.id);
    const [answer] = await answersSince(before, 1);
    expect(answer).toContain('Only the approvers of this distribution can decide');
    expect(lookups()).toBe(lookupsBefore + 1);
    await refusalRecorded(second.id, 'not_an_approver');
    await expectStillPending(second.card, second.id);
    await slack.click(ONCALL[1] ?? '', APPROVE, second.id);
    await cardSays(second.card, 'Completed');
  });

  it('checks at the Deny button and again when its modal is submitted', async () => {
    const { card, id } = await request('web /deny-check/*');
    const leaving = ONCALL[2] ?? '';
    const views = stack.slack.views.length;
    await slack.click(leaving, DENY, id);
    await stack.slack.waitFor(() => (stack.slack.views.length > views ? true : undefined));
    // They leave the group while the modal is open.
    stack.slack.setUserGroup(GROUP, ONCALL.slice(3));
    const submitted = await slack.submitDeny(leaving, id, 'not needed');
    expect(JSON.stringify(submitted.json())).toContain('Only the approvers of this distribution can decide');
    await refusalRecorded(id, 'not_an_approver');
    await expectStillPending(card, id);

    const before = stack.slack.responses.length;
    const viewsNow = stack.slack.views.length;
    await slack.click(leaving, DENY, id);
    const [answer] = await answersSince(before, 1);
    expect(answer).toContain('Only the approvers of this distribution can decide');
    expect(stack.slack.views.length).toBe(viewsNow);
  });

  it('refuses with a clear message, and records it, when Slack cannot confirm the group', async () => {
    const { card, id } = await request('web /slack-down/*');
    const member = ONCALL[4] ?? '';
    stack.slack.inject({ method: 'usergroups.users.list', status: 500, times: Number.POSITIVE_INFINITY });
    try {
      const before = stack.slack.responses.length;
      await slack.click(member, APPROVE, id);
      const [answer] = await answersSince(before, 1);
      expect(answer).toContain('I could not confirm with Slack just now');
      expect(answer).toContain('nothing was decided');
      expect(answer).toContain(`<@${USERS.lead}>`);
      await refusalRecorded(id, 'approvers_unresolved');
      await expectStillPending(card, id);
    } finally {
      stack.slack.clearFaults();
    }
    await slack.click(member, APPROVE, id);
    await cardSays(card, 'Completed');
  });

  it('lets clicks that arrive together share one lookup', async () => {
    const { card, id } = await request('web /together/*');
    const members = ONCALL.slice(3);
    // Slack answers slowly, so every click arrives while the first lookup is in flight.
    stack.slack.inject({ method: 'usergroups.users.list', delayMs: 1_500, times: Number.POSITIVE_INFINITY });
    try {
      const lookupsBefore = lookups();
      const before = stack.slack.responses.length;
      await Promise.all(members.map((user) => slack.click(user, APPROVE, id)));
      await cardSays(card, 'Approved');
      await answersSince(before, members.length - 1);
      expect(lookups()).toBe(lookupsBefore + 1);
    } finally {
      stack.slack.clearFaults();
    }
  });

  it('takes listed approvers from the current config: removed there, they cannot decide open requests', async () => {
    const web = await request('web /config-change/*');
    const later = await request('later /gone.html');
    await bot.stop();
    writeConfig(config([], false), stack.cwd);
    bot = await stack.startBot();
    slack = stack.sender(bot);

    const before = stack.slack.responses.length;
    await slack.click(USERS.lead, APPROVE, web.id);
    const [refused] = await answersSince(before, 1);
    expect(refused).toContain('Only the approvers of this distribution can decide');
    await refusalRecorded(web.id, 'not_an_approver');
    await expectStillPending(web.card, web.id);

    await slack.click(USERS.lead, APPROVE, later.id);
    const [gone] = await answersSince(before + 1, 1);
    expect(gone).toContain(`\`later\` (${LATER}) is no longer in my configuration`);
    await refusalRecorded(later.id, 'distribution_removed');
    await expectStillPending(later.card, later.id);
  });
});

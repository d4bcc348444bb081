import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnCallStandIn } from '../../src/standins/on-call-standin.js';
import { startOpsgenieStandIn } from '../../src/standins/opsgenie-standin.js';
import { startPagerDutyStandIn } from '../../src/standins/pagerduty-standin.js';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import { requestCard } from '../support/cards.js';
import { requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const APPROVE = 'invalidator.approve';
const SCHEDULE = 'P1ABCDE';
const OPSGENIE_SCHEDULE = 'Platform On-call';
const PD_KEY = 'pd-e2e-key-7f3a';
const OG_KEY = 'og-e2e-key-9c1b';
const ANA = { email: 'ana@example.com', id: 'UANAONCALL' };
const BO = { email: 'bo@example.com', id: 'UBOONCALL1' };
const USER_EMAILS = { [ANA.email]: ANA.id, [BO.email]: BO.id };

/** `web` approved by the lead by name and by whoever is on call in `onCall`; no user group. */
function config(onCall: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const base = testConfig(overrides);
  const distributions = {
    ...(base.distributions as Record<string, unknown>),
    web: { id: 'EWEB000000001', approval: 'wildcard', approvers: { users: [USERS.lead], ...onCall } },
  };
  return { ...base, distributions };
}

/** Everything a message shows: its fallback text and its blocks. */
function shown(message: StoredMessage | undefined): string {
  return `${message?.text ?? ''} ${JSON.stringify(message?.blocks ?? [])}`;
}

describe('approvers on call in PagerDuty', () => {
  let pagerDuty: OnCallStandIn;
  let stack: Stack;
  let slack: SlackSender;

  beforeAll(async () => {
    pagerDuty = await startPagerDutyStandIn({ apiKey: PD_KEY });
    pagerDuty.setOnCall(SCHEDULE, [ANA.email]);
    stack = await startStack({
      config: config({ pagerduty: { schedule: SCHEDULE } }),
      slack: { userEmails: USER_EMAILS },
      env: { PAGERDUTY_API_URL: pagerDuty.url, PAGERDUTY_API_KEY: PD_KEY },
    });
    slack = stack.sender(await stack.startBot());
  });
  afterAll(async () => {
    await stack?.close();
    await pagerDuty?.close();
  });

  const request = (text: string) => requestCard(stack, slack, text);
  const cardNow = (card: StoredMessage) => stack.slack.message(card.channel, card.ts);
  const cardSays = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() => (cardNow(card)?.text.includes(fragment) ? cardNow(card) : undefined));
  const answerTo = async (user: string, id: string): Promise<string> => {
    const before = stack.slack.responses.length;
    await slack.click(user, APPROVE, id);
    return stack.slack.waitFor(() => {
      const answer = stack.slack.responses[before];
      return answer ? JSON.stringify(answer.body) : undefined;
    });
  };
  const refusalRecorded = async (id: string, code: string) => {
    for (let tries = 0; tries < 100; tries++) {
      const item = JSON.stringify((await stack.plainItems()).find((i) => i.pk === `REQ#${id}`));
      if (item.includes(`"refusal":"${code}"`)) return item;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${code} refusal recorded on ${id}`);
  };

  it('names who is on call on the card, and lets them approve', async () => {
    const { card, id } = await request('web /oncall/*');
    expect(shown(card)).toContain(`on call in PagerDuty schedule \`${SCHEDULE}\`: <@${ANA.id}>`);
    expect(stack.slack.callsTo('users.lookupByEmail').length).toBeGreaterThan(0);
    const clicks = pagerDuty.calls.length;
    await slack.click(ANA.id, APPROVE, id);
    await cardSays(card, 'Completed');
    // The click asked PagerDuty again, with the key from the environment.
    expect(pagerDuty.calls.length).toBeGreaterThan(clicks);
    expect(pagerDuty.calls.at(-1)?.headers.authorization).toBe(`Token token=${PD_KEY}`);
  });

  it('refuses someone whose shift ended after the card was drawn, and lets the new person on call approve', async () => {
    pagerDuty.setOnCall(SCHEDULE, [ANA.email]);
    const { card, id } = await request('web /shift/*');
    pagerDuty.setOnCall(SCHEDULE, [BO.email]);
    expect(await answerTo(ANA.id, id)).toContain('Only the approvers of this distribution can decide');
    await refusalRecorded(id, 'not_an_approver');
    expect(cardNow(card)?.text).not.toMatch(/Approved|Completed/);
    await slack.click(BO.id, APPROVE, id);
    await cardSays(card, 'Completed');
  });

  it('refuses on-call approvers while PagerDuty is down, says so, and still lets a listed approver decide', async () => {
    pagerDuty.setOnCall(SCHEDULE, [ANA.email]);
    const { card, id } = await request('web /down/*');
    pagerDuty.setFault({ kind: 'status', status: 500 });
    try {
      const answer = await answerTo(ANA.id, id);
      expect(answer).toContain(`I could not read who is on call in PagerDuty schedule \`${SCHEDULE}\``);
      expect(answer).toContain('PagerDuty answered HTTP 500');
      expect(answer).toContain(`Meanwhile these approvers can decide: <@${USERS.lead}>`);
      expect(answer).not.toContain(PD_KEY);
      await refusalRecorded(id, 'on_call_unresolved');
      await slack.click(USERS.lead, APPROVE, id);
      await cardSays(card, 'Completed');
    } finally {
      pagerDuty.setFault(undefined);
    }
  });
});

describe('the reminder to approvers on call in Opsgenie', () => {
  let opsgenie: OnCallStandIn;
  let stack: Stack;

  beforeAll(async () => {
    opsgenie = await startOpsgenieStandIn({ apiKey: OG_KEY });
    opsgenie.setOnCall(OPSGENIE_SCHEDULE, [ANA.email, BO.email]);
    // 6 seconds to decide: the reminder is due after 3; reconciliation would only add CloudFront calls.
    const overrides = {
      approvalTimeoutMinutes: 0.1,
      reconciliation: { enabled: false, intervalMinutes: 60 },
    };
    stack = await startStack({
      config: config({ opsgenie: { schedule: OPSGENIE_SCHEDULE } }, overrides),
      slack: { userEmails: USER_EMAILS },
      env: { OPSGENIE_API_URL: opsgenie.url, OPSGENIE_API_KEY: OG_KEY },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await opsgenie?.close();
  });

  it('mentions them in the thread and sends each a direct message; a DM that fails fails nothing else', async () => {
    const bot = await stack.startBot();
    // The first DM cannot be opened; the second person still gets theirs, and the thread its reminder.
    stack.slack.inject({ method: 'conversations.open', error: 'user_disabled' });
    await stack.sender(bot).command(USERS.requester, 'web /remind/*');
    const card = await stack.slack.waitFor(() => stack.slack.messages.find((m) => m.text.includes('on web')));
    const id = requestIdOf(card.text);
    const reminder = await stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('still waiting')),
    );
    expect(reminder.text).toContain(
      `on call in Opsgenie schedule \`${OPSGENIE_SCHEDULE}\`: <@${ANA.id}>, <@${BO.id}>`,
    );
    expect(reminder.text).toContain(`<@${USERS.lead}>`);
    const dm = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => m.channel.startsWith('D') && m.text.includes(id)),
    );
    expect(dm.text).toContain(`You are on call in Opsgenie schedule \`${OPSGENIE_SCHEDULE}\``);
    expect(dm.text).toMatch(/<https:\/\/\S+\/archives\/\S+\|Open the request card>/);
    expect(stack.slack.callsTo('conversations.open').length).toBe(2);
    expect(stack.slack.messages.filter((m) => m.channel.startsWith('D') && m.text.includes(id))).toHaveLength(
      1,
    );
    const call = opsgenie.calls.at(-1);
    expect(call?.headers.authorization).toBe(`GenieKey ${OG_KEY}`);
    expect(call?.query.get('scheduleIdentifierType')).toBe('name');
  });
});

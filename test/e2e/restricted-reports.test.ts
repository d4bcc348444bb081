import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionsBody, CHANNEL, type SlackSender, sign } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const LOCKED_CHANNEL = 'CLOCKED001';
const TEAM = 'ETEAM00000001';
const TEAM_GROUP = 'STEAM00001';
/** A member of the `team` requesters group only: no approver, no listed user anywhere. */
const TEAM_MEMBER = 'UTEAMMATE1';

// Distinctive strings that must never reach someone who may not see them.
const LOCKED_PATH = '/locked-secret/page.html';
const LOCKED_REASON = 'lockedreason-merger-announcement';
const DENY_REASON = 'denyreason-not-before-friday';
const TEAM_PATH = '/team-secret/index.html';
const TEAM_REASON = 'teamreason-pricing-page';
const SECRETS = [LOCKED_PATH, LOCKED_REASON, DENY_REASON, TEAM_PATH, TEAM_REASON, USERS.requester];

describe('restricted distributions stay restricted in reports', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;
  let lockedId = '';
  let deniedId = '';
  let teamId = '';

  beforeAll(async () => {
    const base = testConfig();
    stack = await startStack({
      slack: {
        userGroups: { SONCALL001: [USERS.oncall], [TEAM_GROUP]: [USERS.requester, TEAM_MEMBER] },
      },
      config: {
        ...base,
        distributions: {
          ...(base.distributions as Record<string, unknown>),
          // locked: channels [CLOCKED001], approvers: lead (from testConfig)
          team: {
            id: TEAM,
            approval: 'never',
            requesters: { usergroup: TEAM_GROUP, users: [] },
            approvers: { users: [USERS.lead] },
          },
        },
      },
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
    lockedId = await request(
      USERS.requester,
      `locked ${LOCKED_PATH} --reason ${LOCKED_REASON}`,
      LOCKED_CHANNEL,
    );
    deniedId = await request(
      USERS.requester,
      `locked /locked-secret/* --reason ${LOCKED_REASON}`,
      LOCKED_CHANNEL,
    );
    await slack.submitDeny(USERS.lead, deniedId, DENY_REASON, LOCKED_CHANNEL);
    teamId = await request(USERS.requester, `team ${TEAM_PATH} --reason ${TEAM_REASON}`, CHANNEL);
    // The outsider's own request on an open distribution, to see that their own row still names them.
    await request(USERS.outsider, 'docs /open.html', CHANNEL);
    // Usage counts submitted paths: wait until the three exact-path requests are through.
    await stack.slack.waitFor(
      () => stack.slack.messages.filter((m) => m.thread_ts && m.text.includes('completed in')).length >= 3,
      20_000,
    );
    await stack.slack.waitFor(() =>
      stack.slack.messages.some((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(DENY_REASON)),
    );
  });
  afterAll(() => stack?.close());

  async function request(user: string, text: string, channel: string): Promise<string> {
    const before = new Set(stack.slack.messages.map((m) => m.ts));
    await slack.command(user, text, channel);
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)),
    );
    return requestIdOf(card.text);
  }

  /** The ephemeral answer to `/invalidate <text>`, as Slack received it through the response_url. */
  async function answer(user: string, text: string, channel: string): Promise<string> {
    const before = stack.slack.responses.length;
    await slack.command(user, text, channel);
    const response = await stack.slack.waitFor(() => stack.slack.responses[before]);
    return JSON.stringify(response.body);
  }

  async function home(user: string): Promise<string> {
    const before = stack.slack.views.length;
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home' });
    const view = await stack.slack.waitFor(() =>
      stack.slack.views.slice(before).find((v) => v.kind === 'publish' && v.user_id === user),
    );
    return JSON.stringify(view.view);
  }

  const expectRestricted = (shown: string) => {
    expect(shown).toContain('restricted');
    for (const secret of SECRETS) expect(shown).not.toContain(secret);
  };

  it('shows an outsider in another channel status, list and usage without paths, reasons or requesters', async () => {
    for (const id of [lockedId, deniedId, teamId]) {
      const status = await answer(USERS.outsider, `status ${id}`, CHANNEL);
      expect(status).toContain(id);
      expectRestricted(status);
    }
    const list = await answer(USERS.outsider, 'list', CHANNEL);
    for (const id of [lockedId, deniedId, teamId]) expect(list).toContain(id);
    expectRestricted(list);
    expectRestricted(await answer(USERS.outsider, 'list locked', CHANNEL));

    const usage = await answer(USERS.outsider, 'usage', CHANNEL);
    expectRestricted(usage);
    // Counts stay in the totals: the restricted line sums both distributions' two submitted paths.
    expect(usage).toContain('restricted distributions 2 paths');
    expect(usage).toContain(`<@${USERS.outsider}> 1 path`);
    expect(usage).toContain('3 of 1,000 paths');
  });

  it('shows an outsider the App Home tab without anyone else’s requesters', async () => {
    const view = await home(USERS.outsider);
    expect(view).toContain('Free allowance');
    expectRestricted(view);
  });

  it('shows everything in the distribution’s channel, to its approvers and to its requesters', async () => {
    const inChannel = await answer(USERS.outsider, `status ${deniedId}`, LOCKED_CHANNEL);
    expect(inChannel).toContain(DENY_REASON);
    expect(inChannel).toContain(LOCKED_REASON);
    expect(inChannel).toContain(`<@${USERS.requester}>`);
    const listInChannel = await answer(USERS.outsider, 'list locked', LOCKED_CHANNEL);
    expect(listInChannel).toContain(`<@${USERS.requester}>`);

    // The approver, from a channel the distribution does not allow.
    const byApprover = await answer(USERS.lead, `status ${lockedId}`, CHANNEL);
    expect(byApprover).toContain(LOCKED_REASON);
    expect(byApprover).toContain(`<@${USERS.requester}>`);
    expect(await answer(USERS.lead, 'usage', CHANNEL)).toContain(`<@${USERS.requester}>`);
    expect(await home(USERS.lead)).toContain(`<@${USERS.requester}>`);

    // A member of the requesters' user group, resolved from Slack, from any channel.
    const byMember = await answer(TEAM_MEMBER, `status ${teamId}`, CHANNEL);
    expect(byMember).toContain(TEAM_REASON);
    expect(byMember).toContain(`<@${USERS.requester}>`);
    // ...but that membership opens only its own distribution.
    expectRestricted(await answer(TEAM_MEMBER, `status ${lockedId}`, CHANNEL));
  });

  it('shows the requester their own requests in full, on the App Home tab too', async () => {
    const view = await home(USERS.requester);
    expect(view).toContain(lockedId);
    expect(view).toContain(`<@${USERS.requester}>`);
    expect(view).not.toContain(':lock: restricted');
  });

  /** Clicks "More" under a list, as `user` in `channel`; the next page as Slack received it. */
  async function more(list: string, user: string, channel: string): Promise<string> {
    const blocks = (JSON.parse(list) as { blocks: Array<{ elements?: Array<Record<string, unknown>> }> })
      .blocks;
    const button = blocks
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === 'invalidator.list_more');
    if (typeof button?.value !== 'string') throw new Error(`no More button in ${list}`);
    const value = button.value;
    const before = stack.slack.responses.length;
    const body = blockActionsBody({
      user,
      actionId: 'invalidator.list_more',
      value,
      container: { type: 'message', channel, messageTs: '1.000001', ephemeral: true },
      responseUrl: stack.slack.responseUrl(`more-${Date.now()}`),
      triggerId: `trigger-more-${Date.now()}`,
      actionTs: `${Date.now() / 1000}`,
    });
    await slack.raw(body, sign(stack.secret, body));
    const response = await stack.slack.waitFor(() => stack.slack.responses[before]);
    return JSON.stringify(response.body);
  }

  it('decides again for whoever clicks More under a list, where the list is', async () => {
    // Enough requests on `locked` for a second page.
    for (let i = 0; i < 10; i++)
      await request(USERS.requester, `locked /locked-secret/more-${i}.html`, LOCKED_CHANNEL);
    const outside = await answer(USERS.outsider, 'list locked', CHANNEL);
    expectRestricted(outside);
    expectRestricted(await more(outside, USERS.outsider, CHANNEL));
    const inChannel = await answer(USERS.outsider, 'list locked', LOCKED_CHANNEL);
    expect(await more(inChannel, USERS.outsider, LOCKED_CHANNEL)).toContain(`<@${USERS.requester}>`);
    // The button from the channel's list, clicked where the distribution is not allowed, shows no more.
    expectRestricted(await more(inChannel, USERS.outsider, CHANNEL));
  });
});

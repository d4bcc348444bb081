import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockActionsBody,
  CHANNEL,
  type SlackSender,
  sign,
  viewSubmissionBody,
} from '../../src/standins/slack-requests.js';
import type { RecordedView, StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestCard } from '../support/cards.js';
import { type Stack, startStack, USERS } from '../support/stack.js';

const APPROVE = 'invalidator.approve';
const DENY = 'invalidator.deny';

/** A published Home tab as JSON, with what these tests read of it. */
interface HomeBlock {
  type: string;
  text?: { text: string };
  elements?: Array<{ action_id?: string; value?: string }>;
}

describe('deciding from the App Home tab', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;
  let sequence = 0;

  beforeAll(async () => {
    // testConfig: `web` needs approval for wildcards, by ULEAD00001 or the SONCALL001 group, which holds
    // the requester too; no self-approval.
    stack = await startStack();
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  const request = (text: string) => requestCard(stack, slack, text);
  const cardSays = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() => stack.slack.message(card.channel, card.ts)?.text.includes(fragment), 20_000);

  /** The next Home tab published for `user` after `since` views. */
  const publishedHome = (user: string, since: number) =>
    stack.slack.waitFor(() =>
      stack.slack.views.slice(since).find((v) => v.kind === 'publish' && v.user_id === user),
    );

  /** `user` opens the Home tab; the view the bot published for it. */
  async function openHome(user: string): Promise<RecordedView> {
    const before = stack.slack.views.length;
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home' });
    return publishedHome(user, before);
  }

  const blocksOf = (view: RecordedView): HomeBlock[] =>
    (JSON.parse(JSON.stringify(view.view)) as { blocks: HomeBlock[] }).blocks;
  /** The request ids under "Waiting for you" that carry an Approve and a Deny button. */
  const waitingIds = (view: RecordedView) => {
    const buttons = blocksOf(view).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));
    const approvable = buttons.filter((b) => b.action_id === APPROVE).map((b) => b.value);
    const deniable = buttons.filter((b) => b.action_id === DENY).map((b) => b.value);
    expect(deniable).toEqual(approvable);
    return approvable;
  };

  /** A click on a button of `user`'s Home tab: a view container, no channel, message or response_url. */
  async function clickOnHome(user: string, home: RecordedView, actionId: string, requestId: string) {
    const n = ++sequence;
    const body = blockActionsBody({
      user,
      actionId,
      value: requestId,
      blockId: `home_decision:${requestId}`,
      container: { type: 'view', viewId: home.id },
      responseUrl: '',
      triggerId: `trigger-home-${n}`,
      actionTs: `${Date.now() / 1000}`,
    });
    const answer = await slack.raw(body, sign(stack.secret, body));
    expect(answer.status).toBe(200);
    return `trigger-home-${n}`;
  }
  const openedWith = (trigger: string) =>
    stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'open' && v.trigger_id === trigger));

  it('shows an approver the pending request, and not the requester their own', async () => {
    const { id } = await request('web /home-shown/* --reason release <!here> 4.2');
    const lead = await openHome(USERS.lead);
    expect(waitingIds(lead)).toContain(id);
    const shown = JSON.stringify(lead.view);
    expect(shown).toContain('Waiting for you');
    expect(shown).toContain(`<@${USERS.requester}>`);
    expect(shown).toContain('release &lt;!here&gt; 4.2');

    // The requester is in the approvers' group, but may not decide on their own request.
    const mine = await openHome(USERS.requester);
    expect(JSON.stringify(mine.view)).toContain('Waiting for you');
    expect(waitingIds(mine)).not.toContain(id);
    // Their own request is still under their recent requests.
    expect(JSON.stringify(mine.view)).toContain(id);

    // Someone who approves nothing sees no such section.
    expect(JSON.stringify((await openHome(USERS.outsider)).view)).not.toContain('Waiting for you');
  });

  it('approves from Home: the request is submitted, its card redrawn, and the Home drawn again without it', async () => {
    const { card, id } = await request('web /home-approve/*');
    const home = await openHome(USERS.lead);
    expect(waitingIds(home)).toContain(id);
    const before = stack.slack.views.length;
    const responses = stack.slack.responses.length;
    await clickOnHome(USERS.lead, home, APPROVE, id);
    await cardSays(card, 'Completed');
    expect(stack.cloudfront.invalidations().some((inv) => inv.callerReference.startsWith(id))).toBe(true);
    const again = await publishedHome(USERS.lead, before);
    expect(waitingIds(again)).not.toContain(id);
    // No response_url to answer through, and nothing tried one.
    expect(stack.slack.responses.length).toBe(responses);
  });

  it('tells someone who may not decide why in a modal, since Home has no response_url', async () => {
    const { card, id } = await request('web /home-refused/*');
    const home = await openHome(USERS.outsider);
    const trigger = await clickOnHome(USERS.outsider, home, APPROVE, id);
    const notice = await openedWith(trigger);
    expect(JSON.stringify(notice.view)).toContain('Not approved');
    const denyTrigger = await clickOnHome(USERS.outsider, home, DENY, id);
    expect(JSON.stringify((await openedWith(denyTrigger)).view)).toContain('Not denied');
    expect(stack.slack.message(card.channel, card.ts)?.text).toContain('Waiting for approval');
  });

  it('denies from Home through the reason modal: the card says so and the Home is drawn again', async () => {
    const { card, id } = await request('web /home-deny/*');
    const home = await openHome(USERS.lead);
    const trigger = await clickOnHome(USERS.lead, home, DENY, id);
    const modal = (await openedWith(trigger)).view as { private_metadata: string };
    const metadata = JSON.parse(modal.private_metadata) as Record<string, unknown>;
    expect(metadata).toEqual({ requestId: id, channel: CHANNEL, home: true });
    const before = stack.slack.views.length;
    const body = viewSubmissionBody({
      user: USERS.lead,
      viewId: 'VHOMEDENY',
      callbackId: 'invalidator.deny_reason',
      privateMetadata: modal.private_metadata,
      values: { reason: { reason_input: { type: 'plain_text_input', value: 'not before friday' } } },
      triggerId: `trigger-home-submit-${++sequence}`,
    });
    expect((await slack.raw(body, sign(stack.secret, body))).status).toBe(200);
    await cardSays(card, 'Denied');
    expect(waitingIds(await publishedHome(USERS.lead, before))).not.toContain(id);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';

const APPROVE = 'invalidator.approve';
const DENY = 'invalidator.deny';

describe('the /invalidate flow, end to end', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack();
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  /** The card of the request for `path` (each test asks for paths of its own). */
  const cardFor = (path: string) =>
    stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(path)),
    );
  const threadReply = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes(fragment)),
    );
  const buttons = (message: StoredMessage | undefined) =>
    JSON.stringify(message?.blocks ?? []).match(/"text":"(Approve|Deny)"/g) ?? [];

  it('submits a request without wildcards at once and announces completion in the thread', async () => {
    const answer = await slack.command(
      USERS.requester,
      'docs /guide/index.html /guide/a.png --reason release 4.2',
    );
    expect(answer.status).toBe(200);
    const card = await cardFor('/guide/index.html');
    const id = requestIdOf(card.text);
    const created = await stack.slack.waitFor(() =>
      stack.cloudfront.invalidations(DISTRIBUTIONS.docs).find((inv) => inv.callerReference === id),
    );
    expect(created.paths).toEqual(['/guide/index.html', '/guide/a.png']);
    const reply = await threadReply(card, 'completed in');
    expect(reply.text).toContain(`<@${USERS.requester}>`);
    const final = await stack.slack.waitFor(() => {
      const message = stack.slack.message(card.channel, card.ts);
      return message?.text.includes('Completed') ? message : undefined;
    });
    expect(JSON.stringify(final.blocks)).toContain('release 4.2');
    expect(buttons(final)).toEqual([]);
  });

  it('asks for approval of a wildcard, refuses the requester and non-approvers, submits once when approved', async () => {
    await slack.command(USERS.requester, 'web /assets/* /assets/app.js');
    const card = await cardFor('/assets/*');
    const id = requestIdOf(card.text);
    expect(buttons(card)).toEqual(['"text":"Approve"', '"text":"Deny"']);
    expect(JSON.stringify(card.blocks)).toContain('already covered by a wildcard');

    const before = stack.slack.responses.length;
    await slack.click(USERS.outsider, APPROVE, id);
    await slack.click(USERS.requester, APPROVE, id);
    // Each refusal goes back through its own response_url after the ack, so they may arrive in any order.
    const refusals = await stack.slack.waitFor(() => {
      const answers = stack.slack.responses.slice(before).map((answer) => JSON.stringify(answer.body));
      return answers.length >= 2 ? answers.join('\n') : undefined;
    });
    expect(refusals).toContain('Only the approvers');
    expect(refusals).toContain('cannot approve or deny your own request');
    expect(stack.cloudfront.invalidations(DISTRIBUTIONS.web)).toHaveLength(0);

    await slack.click(USERS.oncall, APPROVE, id);
    await threadReply(card, 'completed in');
    const made = stack.cloudfront
      .invalidations(DISTRIBUTIONS.web)
      .filter((inv) => inv.callerReference === id);
    expect(made).toHaveLength(1);
    expect(made[0]?.paths).toEqual(['/assets/*']);
    const creates = stack.cloudfront.calls.filter(
      (c) => c.operation === 'create' && c.distributionId === DISTRIBUTIONS.web,
    );
    expect(creates).toHaveLength(1);

    const late = stack.slack.responses.length;
    await slack.click(USERS.oncall2, APPROVE, id);
    const tooLate = await stack.slack.waitFor(() => stack.slack.responses[late]);
    expect(JSON.stringify(tooLate.body)).toContain(`<@${USERS.oncall}> already approved`);
    expect(
      stack.cloudfront.calls.filter(
        (c) => c.operation === 'create' && c.distributionId === DISTRIBUTIONS.web,
      ),
    ).toHaveLength(1);
  });

  it('denies with a reason given in the modal', async () => {
    await slack.command(USERS.requester, 'web /blog/*');
    const card = await cardFor('/blog/*');
    const id = requestIdOf(card.text);
    await slack.click(USERS.lead, DENY, id);
    const view = await stack.slack.waitFor(() =>
      stack.slack.views.find((v) => JSON.stringify(v.view).includes(id)),
    );
    expect(JSON.stringify(view.view)).toContain('Reason');
    const empty = await slack.submitDeny(USERS.lead, id, '   ');
    expect(empty.json()).toMatchObject({ response_action: 'errors' });
    const answer = await slack.submitDeny(
      USERS.lead,
      id,
      'Release freeze until 18:00, purge /blog/post-1 only',
    );
    expect(answer.status).toBe(200);
    const denied = await stack.slack.waitFor(() => {
      const message = stack.slack.message(card.channel, card.ts);
      return message?.text.includes('Denied') ? message : undefined;
    });
    expect(JSON.stringify(denied.blocks)).toContain('Release freeze until 18:00');
    expect(JSON.stringify(denied.blocks)).toContain(`Denied by <@${USERS.lead}>`);
    expect(buttons(denied)).toEqual([]);
    expect(stack.cloudfront.invalidations(DISTRIBUTIONS.web).some((inv) => inv.callerReference === id)).toBe(
      false,
    );
  });
});

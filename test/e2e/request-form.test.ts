import type { InputBlock, KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHANNEL,
  commandBody,
  messageActionBody,
  postSigned,
  requestFormValues,
  type ViewValues,
  viewActionBody,
  viewSubmissionBody,
} from '../../src/standins/slack-requests.js';
import type { RecordedView } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const FORM = 'invalidator.request_form';
const SHORTCUT = 'invalidator.invalidate_message_urls';

interface ModalSeen {
  callback_id?: string;
  private_metadata?: string;
  blocks: KnownBlock[];
}

/**
 * `web` and `docs` (with its domain) anyone may request anywhere; `locked` only in its channel; `team` only
 * its requesters.
 */
const config = testConfig({
  distributions: {
    ...(testConfig().distributions as Record<string, unknown>),
    docs: { id: DISTRIBUTIONS.docs, approval: 'never', domains: ['docs.example.com'] },
    team: { id: 'ETEAM00000001', approval: 'never', requesters: { users: [USERS.lead] } },
  },
});

const options = (view: ModalSeen) => {
  const select = view.blocks.find((b): b is InputBlock => b.block_id === 'form_distribution');
  return select?.element.type === 'static_select' ? (select.element.options ?? []).map((o) => o.value) : [];
};
const preview = (view: ModalSeen) => JSON.stringify(view.blocks.find((b) => b.block_id === 'form_preview'));

const values = (alias: string | undefined, paths: string): ViewValues => requestFormValues(alias, paths);

describe('the request form and the message shortcut', () => {
  let stack: Stack;
  let bot: BotProcess;
  let sequence = 0;
  const next = () => `${Date.now()}.${++sequence}`;
  const send = (body: string) => postSigned(bot.url, stack.secret, body);

  beforeAll(async () => {
    stack = await startStack({ config });
    bot = await stack.startBot();
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  /** Sends something that opens a modal; returns the recorded opening. */
  async function opened(body: string): Promise<RecordedView & { view: ModalSeen }> {
    const before = stack.slack.views.length;
    const answer = await send(body);
    expect(answer.status).toBe(200);
    const open = await stack.slack.waitFor(() =>
      stack.slack.views.slice(before).find((v) => v.kind === 'open'),
    );
    return open as RecordedView & { view: ModalSeen };
  }

  const command = (text: string, channel = CHANNEL) => {
    const id = next();
    return commandBody({
      user: USERS.requester,
      text,
      channel,
      responseUrl: stack.slack.responseUrl(id),
      triggerId: `trigger-${id}`,
    });
  };

  const hashOf = (viewId: string) => `${viewId}.${stack.slack.views.filter((v) => v.id === viewId).length}`;

  async function typed(open: RecordedView & { view: ModalSeen }, alias: string, paths: string) {
    const before = stack.slack.views.length;
    const view = {
      id: open.id,
      hash: hashOf(open.id),
      callbackId: FORM,
      privateMetadata: open.view.private_metadata ?? '',
      blocks: open.view.blocks,
      values: values(alias, paths),
    };
    await send(
      viewActionBody({
        user: USERS.requester,
        view,
        blockId: 'form_paths',
        actionId: 'form_paths_input',
        triggerId: `trigger-${next()}`,
        actionTs: next(),
      }),
    );
    const update = await stack.slack.waitFor(() =>
      stack.slack.views.slice(before).find((v) => v.kind === 'update' && v.id === open.id),
    );
    return update.view as ModalSeen;
  }

  const submit = (open: RecordedView & { view: ModalSeen }, alias: string, paths: string) =>
    send(
      viewSubmissionBody({
        user: USERS.requester,
        viewId: open.id,
        callbackId: FORM,
        privateMetadata: open.view.private_metadata ?? '',
        values: values(alias, paths),
        triggerId: `trigger-${next()}`,
      }),
    );

  it('opens the form on /invalidate with only the distributions the user may request here', async () => {
    const open = await opened(command(''));
    expect(open.view.callback_id).toBe(FORM);
    expect(options(open.view)).toEqual(['web', 'docs']);
    expect(JSON.parse(open.view.private_metadata ?? '{}')).toEqual({ channel: CHANNEL });

    const locked = await opened(command('', 'CLOCKED001'));
    expect(options(locked.view)).toEqual(['web', 'docs', 'locked']);
  });

  it('previews problems, count, cost and approval as the paths are typed', async () => {
    const open = await opened(command(''));
    const bad = await typed(open, 'web', 'index.html');
    expect(preview(bad)).toContain('Add a leading slash');

    const wild = await typed(open, 'web', '/index.html\n/assets/*');
    expect(preview(wild)).toContain('2 paths');
    expect(preview(wild)).toContain('no charge');
    expect(preview(wild)).toContain('Needs approval: wildcard paths');

    const plain = await typed(open, 'docs', '/index.html');
    expect(preview(plain)).toContain('No approval needed');
  });

  it('previews the checks CloudFront answers too: a URL of another distribution, a #tag without cache tags', async () => {
    const open = await opened(command(''));
    const otherHost = await typed(open, 'web', '/index.html https://docs.example.com/guide.html');
    expect(preview(otherHost)).toContain('belongs to distribution `docs`, not `web`');

    const tag = await typed(open, 'docs', '/index.html #homepage');
    expect(preview(tag)).toContain('is not set up for cache tags');

    const fine = await typed(open, 'docs', 'https://docs.example.com/guide.html');
    expect(preview(fine)).toContain('1 path');
  });

  it('keeps a bad submission in the form, under the paths, and records nothing', async () => {
    const open = await opened(command(''));
    // what a sent form records: a request or a refusal (reconciliation and tasks write on their own)
    const recorded = async () =>
      (await stack.plainItems()).filter((item) => /^(REQ|REFUSAL)#/.test(String(item.pk))).length;
    const itemsBefore = await recorded();
    const answer = await submit(open, 'docs', '/ok.html images/*/x.png');
    expect(answer.json()).toMatchObject({ response_action: 'errors' });
    const errors = (answer.json() as { errors: Record<string, string> }).errors;
    expect(Object.keys(errors)).toEqual(['form_paths']);
    expect(errors.form_paths).toContain('Add a leading slash');
    expect(await recorded()).toBe(itemsBefore);
  });

  it('posts the card of a good submission in the channel, and it completes', async () => {
    const open = await opened(command(''));
    const answer = await submit(open, 'docs', '/form/index.html\n/form/app.css');
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes('/form/index.html')),
    );
    expect(card.channel).toBe(CHANNEL);
    const id = requestIdOf(card.text);
    const created = await stack.slack.waitFor(() =>
      stack.cloudfront.invalidations(DISTRIBUTIONS.docs).find((inv) => inv.callerReference === id),
    );
    expect(created.paths).toEqual(['/form/index.html', '/form/app.css']);
    await stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
    );
  });

  it('opens the form from a message, prefilled with its links', async () => {
    const text =
      'Deployed <https://www.example.com/app/index.html|the app>, see https://www.example.com/app/main.js?v=7 and <https://www.example.com/app/index.html>';
    const blocks = [
      { type: 'actions', elements: [{ type: 'button', url: 'https://www.example.com/changelog' }] },
    ];
    const id = next();
    const open = await opened(
      messageActionBody({
        user: USERS.requester,
        callbackId: SHORTCUT,
        channel: CHANNEL,
        message: { ts: '1700000000.000100', text, blocks },
        responseUrl: stack.slack.responseUrl(id),
        triggerId: `trigger-${id}`,
        actionTs: next(),
      }),
    );
    const paths = open.view.blocks.find((b): b is InputBlock => b.block_id === 'form_paths');
    const element = paths?.element;
    expect(element?.type === 'plain_text_input' ? element.initial_value : undefined).toBe(
      'https://www.example.com/app/index.html\nhttps://www.example.com/app/main.js?v=7\nhttps://www.example.com/changelog',
    );
    expect(options(open.view)).toEqual(['web', 'docs']);
    expect(JSON.parse(open.view.private_metadata ?? '{}')).toEqual({ channel: CHANNEL });
  });

  it('still answers /invalidate help with the help text', async () => {
    const answer = await send(command('help'));
    expect(JSON.stringify(answer.json())).toContain('Usage:');
  });
});

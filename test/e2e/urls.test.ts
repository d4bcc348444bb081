import type { InputBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import { CHANNEL, messageActionBody, postSigned } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestCard } from '../support/cards.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

/**
 * Pasted URLs through the running bot: the host names the distribution (the config's `domains`, then the
 * CNAMEs CloudFront lists, then *.cloudfront.net names), and CloudFront gets the URLs' paths, on that
 * distribution only.
 */

const OTHER = 'EOTHER0000001';

/** `web` lists its domains in the config; `docs` is found by the CNAMEs CloudFront lists. */
function config(overrides: Record<string, unknown> = {}) {
  const distributions = testConfig().distributions as Record<string, Record<string, unknown>>;
  return testConfig({
    distributions: {
      ...distributions,
      web: { ...distributions.web, domains: ['www.example.com', 'Example.com'] },
    },
    ...overrides,
  });
}

/** The account as CloudFront lists it: docs by two CNAMEs, and one distribution the config does not name. */
function addAccount(stack: Stack): void {
  stack.cloudfront.addDistribution({ id: DISTRIBUTIONS.web, aliases: ['www.example.com'] });
  stack.cloudfront.addDistribution({
    id: DISTRIBUTIONS.docs,
    aliases: ['docs.example.com', '*.preview.example.com'],
  });
  stack.cloudfront.addDistribution({ id: OTHER, aliases: ['other.example.org'] });
}

const DOCS_DOMAIN = `d${DISTRIBUTIONS.docs.toLowerCase().slice(1)}.cloudfront.net`;

describe('pasting URLs', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack({ config: config() });
    addAccount(stack);
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  /** The paths CloudFront received for the request `id`, once it did. */
  const submitted = (id: string) =>
    stack.slack.waitFor(() =>
      stack.cloudfront.calls.find((c) => c.operation === 'create' && c.callerReference === id),
    );

  it('sends a URL of a host in `domains` to its distribution, as its path', async () => {
    const { id } = await requestCard(
      stack,
      slack,
      'https://www.example.com/app/main.css https://EXAMPLE.com/',
    );
    const create = await submitted(id);
    expect(create.distributionId).toBe(DISTRIBUTIONS.web);
    expect(create.paths).toEqual(['/app/main.css', '/']);
  });

  it('finds a distribution by a CNAME CloudFront lists, exact or wildcard (one label)', async () => {
    const { id } = await requestCard(
      stack,
      slack,
      'https://docs.example.com/guide/a.html <https://pr-12.preview.example.com/x.js|preview>',
    );
    const create = await submitted(id);
    expect(create.distributionId).toBe(DISTRIBUTIONS.docs);
    expect(create.paths).toEqual(['/guide/a.html', '/x.js']);
  });

  it('finds a distribution by its own *.cloudfront.net name', async () => {
    const { id } = await requestCard(stack, slack, `https://${DOCS_DOMAIN}/c.css`);
    const create = await submitted(id);
    expect(create.distributionId).toBe(DISTRIBUTIONS.docs);
    expect(create.paths).toEqual(['/c.css']);
  });

  it('keeps plain paths beside URLs of the alias’s distribution', async () => {
    const { id } = await requestCard(stack, slack, 'web /plain.html https://www.example.com/b.html');
    const create = await submitted(id);
    expect(create.distributionId).toBe(DISTRIBUTIONS.web);
    expect(create.paths).toEqual(['/plain.html', '/b.html']);
  });

  it('keeps a query string, and says on the card what it invalidates', async () => {
    const { card, id } = await requestCard(stack, slack, 'https://www.example.com/a.js?v=2');
    const create = await submitted(id);
    expect(create.paths).toEqual(['/a.js?v=2']);
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain('query string kept: `/a.js?v=2`');
    expect(blocks).toContain('`/a.js*` covers all');
  });

  it.each([
    [
      'a host nothing names',
      'https://nowhere.example.net/a',
      ['`nowhere.example.net`', 'not a domain of any distribution'],
    ],
    [
      'a host of a distribution the config does not name',
      'https://other.example.org/a',
      ['`other.example.org`', OTHER, 'not configured here'],
    ],
    [
      'an alias and a URL of another distribution',
      'web /a.html https://docs.example.com/b.html',
      ['`docs.example.com` belongs to distribution `docs`, not `web`', 'one command per distribution'],
    ],
    [
      'URLs of two distributions',
      'https://www.example.com/a https://docs.example.com/b',
      ['`www.example.com` → `web`', '`docs.example.com` → `docs`', 'one command per distribution'],
    ],
  ])('refuses %s, naming the host and what to do', async (_name, text, words) => {
    const before = stack.cloudfront.calls.filter((c) => c.operation === 'create').length;
    const answer = await slack.command(USERS.requester, text);
    for (const word of words) expect(answer.text).toContain(word);
    expect(stack.cloudfront.calls.filter((c) => c.operation === 'create')).toHaveLength(before);
  });
});

describe('pasting URLs of a restricted distribution, and with CloudFront unreadable', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    const distributions = testConfig().distributions as Record<string, Record<string, unknown>>;
    stack = await startStack({
      config: testConfig({
        distributions: {
          ...distributions,
          web: { ...distributions.web, domains: ['www.example.com'] },
          locked: { ...distributions.locked, domains: ['*.locked.example.com'] },
        },
        // No stored listing to fall back on: the bot must read CloudFront itself.
        reconciliation: { enabled: false },
      }),
    });
    addAccount(stack);
    stack.cloudfront.inject({
      operation: 'distributions',
      code: 'AccessDenied',
      times: Number.POSITIVE_INFINITY,
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  it('refuses a URL of a distribution outside its channels, naming the host', async () => {
    const answer = await slack.command(USERS.requester, 'https://a.locked.example.com/x', CHANNEL);
    expect(answer.text).toContain('`a.locked.example.com` belongs to distribution `locked`');
    expect(answer.text).toContain('can only be invalidated from <#CLOCKED001>');
  });

  it('says the CloudFront listing could not be read, and still finds hosts in `domains`', async () => {
    const refused = await slack.command(USERS.requester, 'https://docs.example.com/a');
    expect(refused.text).toContain('`docs.example.com`');
    expect(refused.text).toContain('the CloudFront listing');
    expect(refused.text).toContain('could not be read');
    const { id } = await requestCard(stack, slack, 'https://www.example.com/ok.html');
    const create = await stack.slack.waitFor(() =>
      stack.cloudfront.calls.find((c) => c.operation === 'create' && c.callerReference === id),
    );
    expect(create).toMatchObject({ distributionId: DISTRIBUTIONS.web, paths: ['/ok.html'] });
    expect(
      stack.cloudfront.calls.some((c) => c.operation === 'distributions' && c.errorCode === 'AccessDenied'),
    ).toBe(true);
  });

  it('preselects in the message shortcut the distribution all the message’s URLs belong to', async () => {
    const before = stack.slack.views.length;
    const text =
      'Shipped https://www.example.com/app/index.html and <https://www.example.com/app/main.js?v=7>';
    await postSigned(
      bot.url,
      stack.secret,
      messageActionBody({
        user: USERS.requester,
        callbackId: 'invalidator.invalidate_message_urls',
        channel: CHANNEL,
        message: { ts: '1700000000.000200', text },
        responseUrl: stack.slack.responseUrl('shortcut-1'),
        triggerId: 'trigger-shortcut-1',
        actionTs: '1700000000.000201',
      }),
    );
    const open = await stack.slack.waitFor(() =>
      stack.slack.views.slice(before).find((v) => v.kind === 'open'),
    );
    const blocks = (open.view as { blocks: InputBlock[] }).blocks;
    const select = blocks.find((b) => b.block_id === 'form_distribution')?.element;
    expect(select?.type === 'static_select' ? select.initial_option?.value : undefined).toBe('web');
    const paths = blocks.find((b) => b.block_id === 'form_paths')?.element;
    expect(paths?.type === 'plain_text_input' ? paths.initial_value : undefined).toBe(
      // Slack's wrapped links are read before bare ones.
      'https://www.example.com/app/main.js?v=7\nhttps://www.example.com/app/index.html',
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackSender, sign } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

describe('refusals and failures, end to end', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack({
      // Some tests here assert that nothing reached CloudFront: reconciliation (on by default) would list.
      config: testConfig({ reconciliation: { enabled: false, intervalMinutes: 60 } }),
      slack: { memberChannels: ['C0123DEPLOY', 'CLOCKED001'] },
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  const ephemeralText = (answer: { json(): unknown }) => JSON.stringify(answer.json());
  const isRefusal = (item: Record<string, unknown>) => (item.pk as { S: string }).S.startsWith('REFUSAL#');
  const refusalItem = async () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const found = (await stack.items()).find(isRefusal);
      if (found) return found.refusal;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no refusal was recorded');
  };

  it.each([
    ['web', 'Name at least one path'],
    ['nowhere /a.html', "I don't know the distribution `nowhere`"],
    ['web images/a.png', 'Add a leading slash: `/images/a.png`'],
    ['web /a*/b.png', 'Put `*` only at the end of the path, for example `/a*`'],
    ['web /a.html --reason', '`--reason` needs some text'],
    ['wbe /a.html', "I don't know the distribution `wbe`. Did you mean `web`?"],
    ['stauts INV-7K2M9QX4PA', 'Did you mean `/invalidate status INV-7K2M9QX4PA`?'],
    ['status foo', '`foo` is not a request id. Ids look like `INV-7K2M9QX4PA`'],
    ['cancel inv-123', '`inv-123` is not a request id'],
  ])('answers `/invalidate %s` with what to change, and records nothing', async (text, expected) => {
    const postsBefore = stack.slack.callsTo('chat.postMessage').length;
    const answer = await slack.command(USERS.requester, text);
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ response_type: 'ephemeral' });
    expect(ephemeralText(answer)).toContain(expected);
    expect(stack.slack.callsTo('chat.postMessage')).toHaveLength(postsBefore);
    expect(await stack.items()).toHaveLength(0);
  });

  it('answers the status of a well-formed id it has no record of with what to check', async () => {
    const answer = await slack.command(USERS.requester, 'status INV-0000000001');
    expect(answer.status).toBe(200);
    const response = await stack.slack.waitFor(() =>
      stack.slack.responses.find((r) => JSON.stringify(r.body).includes('INV-0000000001')),
    );
    expect(response.body).toMatchObject({ response_type: 'ephemeral' });
    const text = JSON.stringify(response.body);
    expect(text).toContain('I have no record of request INV-0000000001.');
    expect(text).toContain('`/invalidate list mine`');
  });

  it('shows usage with the configured aliases for help; an empty command opens the request form', async () => {
    const answer = await slack.command(USERS.requester, 'help');
    expect(ephemeralText(answer)).toContain('/invalidate <distribution> <path>');
    expect(ephemeralText(answer)).toContain(DISTRIBUTIONS.web);
    const before = stack.slack.views.length;
    const empty = await slack.command(USERS.requester, '');
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
    await stack.slack.waitFor(() => stack.slack.views.slice(before).find((view) => view.kind === 'open'));
  });

  it('refuses a request with a bad signature with 401 and records nothing', async () => {
    const body = new URLSearchParams({
      command: '/invalidate',
      text: 'docs /x',
      user_id: USERS.requester,
    }).toString();
    const forged = await slack.raw(body, sign('not-the-secret', body));
    const stale = await slack.raw(body, sign(stack.secret, body, Math.floor(Date.now() / 1000) - 600));
    const unsigned = await slack.raw(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect([forged.status, stale.status, unsigned.status]).toEqual([401, 401, 401]);
    expect(await stack.items()).toHaveLength(0);
  });

  it('tells the requester to invite the bot when it cannot post in the channel, and submits nothing', async () => {
    const answer = await slack.command(USERS.requester, 'docs /private.html', 'CNOTMEMBER');
    expect(answer.status).toBe(200);
    const response = await stack.slack.waitFor(() =>
      stack.slack.responses.find((r) => JSON.stringify(r.body).includes('/invite @Invalidator')),
    );
    expect(response.body).toMatchObject({ response_type: 'ephemeral' });
    // Besides the request, only the month's counter, its reservation given back.
    const items = (await stack.items()).filter((i) => (i.pk as { S: string }).S.startsWith('REQ#'));
    expect(items).toHaveLength(1);
    expect(items[0]?.status).toEqual({ S: 'undeliverable' });
    expect(stack.cloudfront.calls).toHaveLength(0);
  });

  it('explains a CloudFront AccessDenied on the card and in the thread', async () => {
    stack.cloudfront.inject({
      operation: 'create',
      code: 'AccessDenied',
      distributionId: DISTRIBUTIONS.docs,
    });
    await slack.command(USERS.requester, 'docs /denied.html');
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find(
        (m) => m.text.includes('/denied') || (m.text.includes('on docs') && !m.thread_ts),
      ),
    );
    const reply = await stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('failed')),
    );
    expect(reply.text).toContain('not allowed to invalidate this distribution');
    expect(reply.text).toContain(`<@${USERS.requester}>`);
    const final = stack.slack.message(card.channel, card.ts);
    expect(final?.text).toContain('Failed');
    expect(JSON.stringify(final?.blocks)).toContain('AccessDenied');
    expect(requestIdOf(card.text)).toMatch(/^INV-/);
  });

  it('retries a throttled submission and still submits exactly once', async () => {
    stack.cloudfront.inject({
      operation: 'create',
      code: 'Throttling',
      times: 2,
      distributionId: DISTRIBUTIONS.docs,
    });
    await slack.command(USERS.requester, 'docs /throttled.html');
    await stack.slack.waitFor(() => {
      const card = stack.slack.messages.find(
        (m) =>
          !m.thread_ts &&
          m.text.includes('Completed') &&
          JSON.stringify(m.blocks).includes('/throttled.html'),
      );
      return (
        card && stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in'))
      );
    }, 20_000);
    // Both throttled answers were met, each followed by another try.
    const tries = stack.cloudfront.calls.filter(
      (c) => c.operation === 'create' && c.paths?.includes('/throttled.html'),
    );
    expect(tries.map((c) => c.errorCode)).toEqual(['Throttling', 'Throttling', undefined]);
    expect(
      stack.cloudfront
        .invalidations(DISTRIBUTIONS.docs)
        .filter((inv) => inv.paths.includes('/throttled.html')),
    ).toHaveLength(1);
  });

  it('answers /healthz with 200 while the store is reachable', async () => {
    const response = await fetch(`${bot.url}/healthz`);
    expect(response.status).toBe(200);
  });

  it('answers a command from a channel outside `channels` and records the refusal, nothing else', async () => {
    const requestsBefore = (await stack.items()).filter((item) => !isRefusal(item)).length;
    const answer = await slack.command(USERS.requester, 'locked /a.html');
    expect(answer.json()).toMatchObject({ response_type: 'ephemeral' });
    expect(ephemeralText(answer)).toContain('can only be invalidated from <#CLOCKED001>');
    expect(await refusalItem()).toMatchObject({
      M: { code: { S: 'channel_not_allowed' }, user: { S: USERS.requester } },
    });
    expect((await stack.items()).filter((item) => !isRefusal(item))).toHaveLength(requestsBefore);
  });
});

describe('start-up', () => {
  it('exits non-zero listing every configuration problem at once', async () => {
    const { spawnSync } = await import('node:child_process');
    const { writeConfig, SERVER_ENTRYPOINT } = await import('../support/bot-process.js');
    const cwd = writeConfig({ distributions: { web: { id: 'not-an-id', aproval: 'never' } } });
    const result = spawnSync(process.execPath, [SERVER_ENTRYPOINT], {
      cwd,
      env: { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: 'xoxp-wrong-kind' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('SLACK_BOT_TOKEN must start with xoxb-');
    expect(result.stderr).toContain('SLACK_SIGNING_SECRET is required');
    expect(result.stderr).toContain('distributions.web.id must be a CloudFront distribution id');
    expect(result.stderr).toContain('unknown key distributions.web.aproval');
    expect(result.stderr).not.toContain('xoxp-wrong-kind');
  });
});

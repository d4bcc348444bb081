import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, TEAM } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';

const APP_TOKEN = `xapp-1-A0TEST-1-${randomBytes(8).toString('hex')}`;
const APPROVE = 'invalidator.approve';

let sequence = 0;
const next = () => `${Date.now()}.${++sequence}`;

/** A slash_commands envelope's payload: the fields Slack form-encodes over HTTP, as JSON strings. */
function commandPayload(stack: Stack, user: string, text: string) {
  const id = `cmd-${next()}`;
  return {
    token: 'verification-token-unused',
    team_id: TEAM,
    team_domain: 'test',
    channel_id: CHANNEL,
    channel_name: 'deploys',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/invalidate',
    text,
    api_app_id: 'A0TEST',
    is_enterprise_install: 'false',
    response_url: stack.slack.responseUrl(id),
    trigger_id: `trigger-${id}`,
  };
}

/** An interactive envelope's payload: a click on a card button, as Slack sends it over HTTP in `payload`. */
function buttonPayload(stack: Stack, user: string, actionId: string, requestId: string, card: StoredMessage) {
  const id = `act-${next()}`;
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: TEAM },
    api_app_id: 'A0TEST',
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
    trigger_id: `trigger-${id}`,
    team: { id: TEAM, domain: 'test' },
    channel: { id: card.channel, name: 'deploys' },
    message: { type: 'message', ts: card.ts, text: card.text },
    response_url: stack.slack.responseUrl(id),
    actions: [
      {
        action_id: actionId,
        block_id: 'decision',
        text: { type: 'plain_text', text: 'Approve' },
        value: requestId,
        type: 'button',
        action_ts: next(),
      },
    ],
  };
}

describe('Socket Mode, end to end over a WebSocket on loopback', () => {
  let stack: Stack;
  let bot: BotProcess;

  beforeAll(async () => {
    stack = await startStack({ slack: { appToken: APP_TOKEN } });
    // Socket Mode needs no signing secret: Slack authenticates the app by its app token instead.
    bot = await stack.startBot({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' });
    await stack.slack.waitFor(() => stack.slack.socketConnected());
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  const cardFor = (fragment: string) =>
    stack.slack.waitFor(() => stack.slack.messages.find((m) => !m.thread_ts && m.text.includes(fragment)));
  const threadReply = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes(fragment)),
    );
  const webCreates = () =>
    stack.cloudfront.calls.filter((c) => c.operation === 'create' && c.distributionId === DISTRIBUTIONS.web);

  it('connects with the app token, serves /healthz on PORT and has no HTTP endpoint for Slack', async () => {
    expect(stack.slack.callsTo('apps.connections.open')).toEqual([
      expect.objectContaining({ token: APP_TOKEN, status: 200 }),
    ]);
    expect(bot.logs.join('\n')).toContain('connected to Slack in Socket Mode');
    expect(bot.logs.join('\n')).not.toContain(APP_TOKEN);

    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const events = await fetch(`${bot.url}/slack/events`, { method: 'POST', body: 'command=%2Finvalidate' });
    expect(events.status).toBe(404);
  });

  it('answers help in the ack payload of the slash_commands envelope', async () => {
    const ack = await stack.slack.socketSend(
      'slash_commands',
      commandPayload(stack, USERS.requester, 'help'),
    );

    expect(ack).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(ack)).toContain('/invalidate');
  });

  it('runs /invalidate from a slash_commands envelope: card, invalidation, completion in the thread', async () => {
    const ack = await stack.slack.socketSend(
      'slash_commands',
      commandPayload(stack, USERS.requester, 'docs /socket.html'),
    );

    expect(ack).toEqual({});
    const card = await cardFor('on docs');
    const id = requestIdOf(card.text);
    const created = await stack.slack.waitFor(() =>
      stack.cloudfront.invalidations(DISTRIBUTIONS.docs).find((inv) => inv.callerReference === id),
    );
    expect(created.paths).toEqual(['/socket.html']);
    const reply = await threadReply(card, 'completed in');
    expect(reply.text).toContain(`<@${USERS.requester}>`);
  });

  it('submits a wildcard request once when approved through interactive envelopes', async () => {
    await stack.slack.socketSend('slash_commands', commandPayload(stack, USERS.requester, 'web /socket/*'));
    const card = await cardFor('on web');
    const id = requestIdOf(card.text);

    const approve = (user: string) =>
      stack.slack.socketSend('interactive', buttonPayload(stack, user, APPROVE, id, card), {
        acceptsResponsePayload: false,
      });

    const before = stack.slack.responses.length;
    expect(await approve(USERS.requester)).toEqual({});
    const refusal = await stack.slack.waitFor(() => stack.slack.responses[before]);
    expect(JSON.stringify(refusal.body)).toContain('cannot approve or deny your own request');
    expect(webCreates()).toHaveLength(0);

    // A double click: both envelopes are acknowledged, one approval wins.
    expect(await Promise.all([approve(USERS.oncall), approve(USERS.oncall)])).toEqual([{}, {}]);
    await threadReply(card, 'completed in');
    const made = stack.cloudfront
      .invalidations(DISTRIBUTIONS.web)
      .filter((inv) => inv.callerReference === id);
    expect(made).toHaveLength(1);
    expect(made[0]?.paths).toEqual(['/socket/*']);
    expect(webCreates()).toHaveLength(1);
  });

  it('reconnects when Slack asks it to, riding out a failing apps.connections.open', async () => {
    // Three failures outlast the two retries of the bot's own Web API calls: the Socket Mode client must
    // keep retrying on its own (src/adapters/slack/app.ts), not give up and take the process down.
    const earlier = stack.slack.callsTo('apps.connections.open').length;
    stack.slack.inject({ method: 'apps.connections.open', status: 500, times: 3 });

    expect(stack.slack.socketDisconnect('refresh_requested')).toBe(1);
    const opens = () => stack.slack.callsTo('apps.connections.open').slice(earlier);
    // The client waits 5 s before reconnecting, then backs off 1 s, 1.3 s, 1.7 s between failed attempts.
    await stack.slack.waitFor(() => opens().at(-1)?.status === 200 && stack.slack.socketConnected(), 20_000);

    expect(opens().map((call) => call.status)).toEqual([500, 500, 500, 200]);
    const ack = await stack.slack.socketSend(
      'slash_commands',
      commandPayload(stack, USERS.requester, 'help'),
    );
    expect(ack).toMatchObject({ response_type: 'ephemeral' });
  }, 30_000);

  it('stops on SIGTERM and lets go of its socket', async () => {
    expect(await bot.stop('SIGTERM')).toBe(0);
    await stack.slack.waitFor(() => !stack.slack.socketConnected());
  });
});

describe('Socket Mode start-up', () => {
  it('refuses to start with an app token Slack rejects, without printing the token', async () => {
    const stack = await startStack({ slack: { appToken: APP_TOKEN } });
    const wrong = `xapp-1-A0TEST-1-${randomBytes(8).toString('hex')}`;
    try {
      const started = stack.startBot({ SLACK_APP_TOKEN: wrong, SLACK_SIGNING_SECRET: '' });

      await expect(started).rejects.toThrow(/exited before it was ready[\s\S]*invalid_auth/);
      await expect(started).rejects.not.toThrow(wrong);
      expect(stack.slack.callsTo('apps.connections.open')).toEqual([
        expect.objectContaining({ token: wrong, error: 'invalid_auth' }),
      ]);
    } finally {
      await stack.close();
    }
  });
});

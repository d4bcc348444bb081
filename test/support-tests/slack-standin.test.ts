import { randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { connect } from 'node:net';
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebClient } from '@slack/web-api';
import { type CloseEvent, ErrorEvent, ping, WebSocket } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type SlackCall,
  type SlackStandIn,
  type SlackStandInOptions,
  startSlackStandIn,
} from '../support/slack-standin.js';

const TOKEN = 'xoxb-test-token';
const blocks = [
  { type: 'section', text: { type: 'mrkdwn', text: '*Invalidate* `/images/*`?' } },
  {
    type: 'actions',
    elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' } }],
  },
];

let standIn: SlackStandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(options: SlackStandInOptions = {}): Promise<{ slack: SlackStandIn; client: WebClient }> {
  standIn = await startSlackStandIn(options);
  // No retries, so every scripted failure reaches the test instead of being retried for minutes.
  const client = new WebClient(TOKEN, {
    slackApiUrl: standIn.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
  return { slack: standIn, client };
}

function platformError(error: string) {
  return expect.objectContaining({
    code: 'slack_webapi_platform_error',
    data: expect.objectContaining({ error }),
  });
}

describe('slack stand-in', () => {
  it('answers auth.test with the bot identity and records the bearer token', async () => {
    const { slack, client } = await start({ botUserId: 'UBOT42', botId: 'BBOT42', teamId: 'T42' });

    const identity = await client.auth.test();

    expect(identity).toMatchObject({ ok: true, user_id: 'UBOT42', bot_id: 'BBOT42', team_id: 'T42' });
    expect(slack.callsTo('auth.test')).toEqual([expect.objectContaining({ token: TOKEN, status: 200 })]);
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(slack.apiUrl).toBe(`${slack.url}/api/`);
  });

  it('rejects a token other than the bot token with invalid_auth', async () => {
    const { slack, client } = await start({ botToken: 'xoxb-the-real-one' });

    await expect(client.auth.test()).rejects.toEqual(platformError('invalid_auth'));
    expect(slack.calls[0]).toMatchObject({ method: 'auth.test', error: 'invalid_auth' });
  });

  it('round-trips blocks posted with chat.postMessage as JSON', async () => {
    const { slack, client } = await start();

    const posted = await client.chat.postMessage({ channel: 'C123', text: 'Invalidate?', blocks });

    expect(posted).toMatchObject({ ok: true, channel: 'C123', ts: expect.stringMatching(/^\d{10}\.\d{6}$/) });
    expect(posted.message?.blocks).toEqual(blocks);
    expect(slack.callsTo('chat.postMessage')[0]?.args.blocks).toEqual(blocks);
    expect(slack.message('C123', posted.ts ?? '')).toMatchObject({
      text: 'Invalidate?',
      blocks,
      user: 'UBOT000001',
    });
  });

  it('keeps thread replies under their parent, in order, with increasing ts', async () => {
    const { slack, client } = await start();
    const parent = await client.chat.postMessage({ channel: 'C123', text: 'request' });
    const parentTs = parent.ts ?? '';

    const first = await client.chat.postMessage({ channel: 'C123', thread_ts: parentTs, text: 'approved' });
    const second = await client.chat.postMessage({ channel: 'C123', thread_ts: parentTs, text: 'completed' });

    expect(slack.threadReplies('C123', parentTs).map((m) => m.text)).toEqual(['approved', 'completed']);
    expect(Number(first.ts)).toBeGreaterThan(Number(parentTs));
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });

  it('updates a message in place with chat.update and counts the updates', async () => {
    const { slack, client } = await start();
    const posted = await client.chat.postMessage({ channel: 'C123', text: 'pending', blocks });
    const ts = posted.ts ?? '';

    await client.chat.update({ channel: 'C123', ts, text: 'approved', blocks: [] });

    expect(slack.message('C123', ts)).toMatchObject({ text: 'approved', blocks: [], updates: 1 });
    expect(slack.messages).toHaveLength(1);
    await expect(client.chat.update({ channel: 'C123', ts: '1.000001', text: 'x' })).rejects.toEqual(
      platformError('message_not_found'),
    );
  });

  it('records ephemeral messages and answers a message_ts', async () => {
    const { slack, client } = await start();

    const answer = await client.chat.postEphemeral({ channel: 'C123', user: 'U1', text: 'only you' });

    expect(answer.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.ephemerals).toEqual([
      expect.objectContaining({ channel: 'C123', user: 'U1', text: 'only you' }),
    ]);
  });

  it('opens a modal and decodes its view', async () => {
    const { slack, client } = await start();
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Invalidate' },
      blocks,
    };

    const opened = await client.views.open({ trigger_id: '123.456.abc', view });

    expect(opened.view?.id).toMatch(/^V/);
    expect(slack.views).toEqual([{ id: opened.view?.id, trigger_id: '123.456.abc', view, kind: 'open' }]);
    await expect(client.apiCall('views.open', { view })).rejects.toEqual(platformError('invalid_arguments'));
  });

  it('lists user group members and answers the user group errors', async () => {
    const { slack, client } = await start({ userGroups: { S1: ['U1', 'U2'], S2: 'plan_upgrade_required' } });

    await expect(client.usergroups.users.list({ usergroup: 'S1' })).resolves.toMatchObject({
      users: ['U1', 'U2'],
    });
    await expect(client.usergroups.users.list({ usergroup: 'S2' })).rejects.toEqual(
      platformError('plan_upgrade_required'),
    );
    await expect(client.usergroups.users.list({ usergroup: 'S9' })).rejects.toEqual(
      platformError('no_such_subteam'),
    );
    slack.setUserGroup('S9', ['U3']);
    await expect(client.usergroups.users.list({ usergroup: 'S9' })).resolves.toMatchObject({ users: ['U3'] });
  });

  it('refuses to post where the bot is not a member', async () => {
    const { slack, client } = await start({ memberChannels: ['C123'] });

    await expect(client.chat.postMessage({ channel: 'C999', text: 'hi' })).rejects.toEqual(
      platformError('not_in_channel'),
    );
    await expect(client.chat.postMessage({ channel: 'G999', text: 'hi' })).rejects.toEqual(
      platformError('channel_not_found'),
    );
    await expect(client.chat.postMessage({ channel: 'C123', text: 'hi' })).resolves.toMatchObject({
      ok: true,
    });
    expect(slack.callsTo('chat.postMessage').map((c) => c.error)).toEqual([
      'not_in_channel',
      'channel_not_found',
      undefined,
    ]);
  });

  it('answers unknown methods with unknown_method', async () => {
    const { client } = await start();

    const failure = client.apiCall('chat.teleport', {});

    await expect(failure).rejects.toBeInstanceOf(WebAPIPlatformError);
    await expect(failure).rejects.toEqual(platformError('unknown_method'));
  });

  it('fails the next call with an injected 500, then recovers', async () => {
    const { slack, client } = await start();
    slack.inject({ method: 'chat.postMessage', status: 500 });

    const failure = client.chat.postMessage({ channel: 'C123', text: 'hi' });

    await expect(failure).rejects.toBeInstanceOf(WebAPIHTTPError);
    await expect(failure).rejects.toMatchObject({ statusCode: 500 });
    await expect(client.chat.postMessage({ channel: 'C123', text: 'hi' })).resolves.toMatchObject({
      ok: true,
    });
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([500, 200]);
    expect(slack.messages).toHaveLength(1);
  });

  it('applies a fault only to calls for its channel, as often as asked', async () => {
    const { slack, client } = await start();
    slack.inject({ method: '*', channel: 'C2', error: 'is_archived', times: 2 });

    await client.chat.postMessage({ channel: 'C1', text: 'fine' });
    const failures = await Promise.allSettled([
      client.chat.postMessage({ channel: 'C2', text: 'a' }),
      client.chat.postMessage({ channel: 'C2', text: 'b' }),
    ]);
    await client.chat.postMessage({ channel: 'C2', text: 'c' });

    expect(failures.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(slack.messages.map((m) => m.text)).toEqual(['fine', 'c']);
  });

  it('lets a client with one retry wait out a 429 and succeed', async () => {
    const { slack } = await start();
    // minTimeout 0 removes p-retry's own 1 s back-off, so the wait measured is the Retry-After pause alone.
    const client = new WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 1, minTimeout: 0 },
      logLevel: LogLevel.ERROR,
    });
    slack.inject({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1 });
    const started = Date.now();

    const posted = await client.chat.postMessage({ channel: 'C123', text: 'hi' });

    expect(posted.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(slack.callsTo('chat.postMessage').map((c) => [c.status, c.error])).toEqual([
      [429, 'ratelimited'],
      [200, undefined],
    ]);
    expect(slack.messages).toHaveLength(1);
  });

  it('waits for state reached asynchronously, and explains a timeout', async () => {
    const { slack, client } = await start();
    const seen: SlackCall[] = [];
    slack.onCall((call) => seen.push(call));
    slack.inject({ method: 'chat.postMessage', delayMs: 100 });

    void client.chat.postMessage({ channel: 'C123', text: 'later' });
    const message = await slack.waitFor(() => slack.messages.find((m) => m.text === 'later'));

    expect(message.channel).toBe('C123');
    expect(seen.map((c) => c.method)).toEqual(['chat.postMessage']);
    await expect(slack.waitFor(() => slack.messages.length > 5, 100)).rejects.toThrow(
      /waitFor timed out after 100 ms .*last calls: chat\.postMessage/,
    );
  });

  it('accepts JSON bodies and a token form field', async () => {
    const { slack } = await start({ botToken: TOKEN });

    const answer = await fetch(`${slack.apiUrl}users.info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ user: 'U1' }),
    });
    const form = await fetch(`${slack.apiUrl}conversations.info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN, channel: 'C1' }).toString(),
    });

    expect(await answer.json()).toMatchObject({ ok: true, user: { id: 'U1', name: 'u1', tz: 'UTC' } });
    expect(await form.json()).toMatchObject({ ok: true, channel: { id: 'C1' } });
    expect(slack.calls[1]).toMatchObject({ token: TOKEN, args: { channel: 'C1' } });
    expect(slack.calls[1]?.args).not.toHaveProperty('token');
  });

  it('opens a DM and takes a files.uploadV2 of two files into it, with their bytes, titles and comment', async () => {
    const { slack, client } = await start({ memberChannels: ['C0CARDS001'] });
    const opened = await client.conversations.open({ users: 'UAUDIT0001' });
    const channel = opened.channel?.id ?? '';
    expect(channel).toMatch(/^D/);
    expect((await client.conversations.open({ users: 'UAUDIT0001' })).channel?.id).toBe(channel);
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x0d, 0x0a, 0x00, 0xff]);
    await client.filesUploadV2({
      channel_id: channel,
      initial_comment: 'two files',
      file_uploads: [
        { file: bytes, filename: 'a.csv', title: 'A' },
        { file: Buffer.from('[]\n'), filename: 'b.json', title: 'B' },
      ],
    });
    expect(slack.files.map(({ filename, title, channel: where }) => ({ filename, title, where }))).toEqual([
      { filename: 'a.csv', title: 'A', where: channel },
      { filename: 'b.json', title: 'B', where: channel },
    ]);
    expect(slack.files[0]?.content.equals(bytes)).toBe(true);
    expect(slack.files[1]?.content.toString('utf8')).toBe('[]\n');
    expect(slack.files.every((file) => file.initial_comment === 'two files')).toBe(true);
    // The DM is the bot's to post in, whatever the channels it was invited to.
    await client.chat.postMessage({ channel, text: 'hello' });
  });

  it('shares nothing when completeUploadExternal names a file whose bytes never arrived', async () => {
    const { slack, client } = await start();
    const { file_id } = await client.files.getUploadURLExternal({ filename: 'a.csv', length: 3 });
    await expect(
      client.files.completeUploadExternal({ files: [{ id: file_id ?? '' }], channel_id: 'D0001' }),
    ).rejects.toThrow(/file_not_found/);
    expect(slack.files).toEqual([]);
  });

  it('records posts to a response_url', async () => {
    const { slack } = await start();

    const answer = await fetch(slack.responseUrl('cmd/1'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'Working on it' }),
    });

    expect(answer.status).toBe(200);
    expect(slack.responses).toEqual([
      { id: 'cmd/1', body: { response_type: 'ephemeral', text: 'Working on it' }, at: expect.any(Number) },
    ]);
  });
});

describe('slack stand-in, Socket Mode', () => {
  const APP_TOKEN = 'xapp-1-A0TEST-1-secret';

  async function openConnection(slack: SlackStandIn, token = APP_TOKEN) {
    const answer = await fetch(`${slack.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    return (await answer.json()) as { ok: boolean; url?: string; error?: string };
  }

  /** A raw client: undici's WebSocket, the one @slack/socket-mode uses, collecting every text message. */
  async function connect(url: string) {
    const socket = new WebSocket(url);
    const received: unknown[] = [];
    socket.addEventListener('message', (event) => received.push(JSON.parse(String(event.data))));
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    return { socket, received };
  }

  it('hands out a one-use ws:// URL to app tokens only', async () => {
    const { slack } = await start({ botToken: TOKEN });

    const opened = await openConnection(slack);

    expect(opened).toEqual({
      ok: true,
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/socket\?ticket=[\w-]+$/),
    });
    expect(await openConnection(slack, TOKEN)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await openConnection(slack, 'nonsense')).toEqual({ ok: false, error: 'invalid_auth' });
    expect(slack.callsTo('apps.connections.open').map((c) => c.error)).toEqual([
      undefined,
      'not_allowed_token_type',
      'invalid_auth',
    ]);
    const first = await connect(opened.url ?? '');
    const second = new WebSocket(opened.url ?? '');
    const refused = await new Promise((resolve) => second.addEventListener('error', resolve, { once: true }));
    expect(refused).toBeInstanceOf(ErrorEvent);
    first.socket.close();
  });

  it('says hello, delivers envelopes and resolves with the ack payload', async () => {
    const { slack } = await start();
    const { socket, received } = await connect((await openConnection(slack)).url ?? '');
    await slack.waitFor(() => received.length > 0);

    expect(received[0]).toMatchObject({ type: 'hello', connection_info: { app_id: 'A0TEST' } });
    expect(slack.socketConnected()).toBe(true);
    const acked = slack.socketSend('slash_commands', { command: '/invalidate', text: 'help' });
    const envelope = await slack.waitFor(() => received[1] as { envelope_id: string } | undefined);
    expect(envelope).toMatchObject({
      type: 'slash_commands',
      payload: { command: '/invalidate', text: 'help' },
      accepts_response_payload: true,
    });
    socket.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'Usage' } }));
    await expect(acked).resolves.toEqual({ text: 'Usage' });

    socket.close(1000);
    await slack.waitFor(() => !slack.socketConnected());
    await expect(slack.socketSend('interactive', {})).rejects.toThrow(/no Socket Mode connection/);
  });

  it('rejects an envelope nobody acknowledges in time, and keeps the connection up with ping/pong', async () => {
    const { slack } = await start({ socketPingIntervalMs: 50 });
    const { socket } = await connect((await openConnection(slack)).url ?? '');
    const pongs: unknown[] = [];
    const unsubscribe = subscribePongs(socket, pongs);

    await expect(
      slack.socketSend('interactive', { type: 'block_actions' }, { timeoutMs: 200 }),
    ).rejects.toThrow(/not acknowledged within 200 ms/);
    // undici answers the server's pings by itself; its own pings get the server's pongs.
    ping(socket, Buffer.from('client ping'));
    await slack.waitFor(() => pongs.length > 0, 2_000);
    expect(slack.socketConnected()).toBe(true);
    unsubscribe();
    socket.close();
  });

  it('reassembles fragmented masked frames, and closes with 1002 on an unmasked one', async () => {
    const { slack } = await start();
    const raw = await rawConnect((await openConnection(slack)).url ?? '');
    const acked = slack.socketSend('interactive', { type: 'block_actions' });
    const envelopeId = await slack.waitFor(() => /"envelope_id":"([\w-]+)"/.exec(raw.text())?.[1]);
    const ack = Buffer.from(JSON.stringify({ envelope_id: envelopeId, payload: { text: 'ok' } }));

    raw.socket.write(clientFrame(0x1, ack.subarray(0, 20), { fin: false }));
    raw.socket.write(clientFrame(0x9, Buffer.from('between fragments')));
    raw.socket.write(clientFrame(0x0, ack.subarray(20)));
    await expect(acked).resolves.toEqual({ text: 'ok' });

    raw.socket.write(clientFrame(0x1, Buffer.from('{}'), { masked: false }));
    const close = await slack.waitFor(() => {
      const at = raw.data().lastIndexOf(0x88);
      return at >= 0 && raw.data().length >= at + 4 ? raw.data().subarray(at) : undefined;
    });
    expect(close.readUInt16BE(2)).toBe(1002);
    expect(slack.socketConnected()).toBe(false);
    raw.socket.destroy();
    expect(raw.data().includes(Buffer.from('between fragments'))).toBe(true);
  });

  it('closes open sockets when it closes', async () => {
    const { slack } = await start();
    const { socket } = await connect((await openConnection(slack)).url ?? '');
    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));

    await slack.close();
    standIn = undefined;

    expect((await closed).code).toBe(1001);
  });
});

function subscribePongs(socket: WebSocket, pongs: unknown[]): () => void {
  const listener = (message: unknown) => {
    if ((message as { websocket?: unknown }).websocket === socket) pongs.push(message);
  };
  const pongChannel = channel('undici:websocket:pong');
  pongChannel.subscribe(listener);
  return () => pongChannel.unsubscribe(listener);
}

/** A WebSocket client frame with a payload under 126 bytes; clients must mask (RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: Buffer, { fin = true, masked = true } = {}): Buffer {
  const mask = randomBytes(4);
  const body = masked ? payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)) : payload;
  const header = Buffer.from([(fin ? 0x80 : 0) | opcode, (masked ? 0x80 : 0) | payload.length]);
  return Buffer.concat([header, ...(masked ? [mask] : []), body]);
}

/** A hand-written client: the opening handshake over a plain TCP socket, then raw bytes both ways. */
async function rawConnect(url: string) {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Version: 13\r\n\r\n',
  );
  const data = () => Buffer.concat(chunks);
  const text = () => data().toString('latin1');
  await new Promise<void>((resolve, reject) => {
    const check = () => (text().includes('\r\n\r\n') ? resolve() : setTimeout(check, 10));
    socket.once('error', reject);
    check();
  });
  if (!text().startsWith('HTTP/1.1 101')) throw new Error(`handshake refused: ${text()}`);
  return { socket, data, text };
}

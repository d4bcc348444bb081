import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** One Web API call as the stand-in saw it, failed ones included. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  at: number;
  status: number;
  error?: string;
}

/** A channel message in its current state (chat.update edits it in place). */
export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** Message metadata as posted (`{ event_type, event_payload }`). */
  metadata?: unknown;
  /** The bot user id: every message here was posted by the bot. */
  user: string;
  updates: number;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  at: number;
}

/** A file shared with `files.completeUploadExternal`, its bytes as uploaded to its upload URL. */
export interface SharedFile {
  id: string;
  /** where it was shared (`channel_id`), e.g. a DM opened with `conversations.open` */
  channel: string;
  filename: string;
  title?: string;
  initial_comment?: string;
  content: Buffer;
  at: number;
}

type UserGroup = string[] | 'plan_upgrade_required' | 'no_such_subteam';

export interface SlackStandInOptions {
  /**
   * User groups: id → member user ids. A group mapped to 'plan_upgrade_required' or 'no_such_subteam'
   * makes usergroups.users.list answer that error.
   */
  userGroups?: Record<string, UserGroup>;
  /** Users' emails: email → user id, for `users.lookupByEmail` (any other email: users_not_found). */
  userEmails?: Record<string, string>;
  /**
   * Channels the bot is a member of; posting elsewhere answers not_in_channel for ids starting with 'C'
   * (public) and channel_not_found otherwise. Default: every channel accepted.
   */
  memberChannels?: string[];
  /** If set, calls with another token answer invalid_auth (and calls with none, not_authed). */
  botToken?: string;
  /** Default 'UBOT000001'. */
  botUserId?: string;
  /** Default 'BBOT000001'. */
  botId?: string;
  /** Default 'T0000TEST'. */
  teamId?: string;
  /** Default: a free port. */
  port?: number;
  /** What the tests' version (test/support/slack-standin.ts) adds on top: faults, Socket Mode. */
  hooks?: SlackStandInHooks;
}

/** The HTTP answer to one Web API call. */
export interface SlackApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  error?: string;
}

/** Ways to extend the stand-in without changing how it answers the calls it knows. */
export interface SlackStandInHooks {
  /**
   * Called before a Web API call is answered (it may take its time); an answer it resolves with replaces
   * the normal one, token check included. The call is recorded with whichever answer is sent.
   */
  beforeAnswer?(
    method: string,
    args: Record<string, unknown>,
    token: string | undefined,
  ): Promise<SlackApiAnswer | undefined>;
  /** Takes an HTTP upgrade request on the stand-in's port (a WebSocket). */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** A message the bot sent to a `response_url` (`id` names which one). */
export interface ResponseUrlMessage {
  id: string;
  body: unknown;
  at: number;
}

export interface RecordedView {
  id: string;
  trigger_id?: string;
  view: unknown;
  user_id?: string;
  kind: 'open' | 'update' | 'push' | 'publish';
}

export interface SlackStandIn {
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + '/api/', for the web-api client's `slackApiUrl`. */
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  messages: StoredMessage[];
  ephemerals: EphemeralMessage[];
  threadReplies(channel: string, ts: string): StoredMessage[];
  message(channel: string, ts: string): StoredMessage | undefined;
  views: RecordedView[];
  /** A URL on this server standing in for a `response_url`; JSON POSTs to it land in `responses`. */
  responseUrl(id: string): string;
  responses: ResponseUrlMessage[];
  /** Files shared by `files.completeUploadExternal` (uploaded but never completed ones are not here). */
  files: SharedFile[];
  setUserGroup(id: string, members: UserGroup): void;
  /** Gives user `id` this email, for `users.lookupByEmail`. */
  setUserEmail(email: string, id: string): void;
  /**
   * Resolves with the probe's value once it is neither undefined nor false (a throwing probe counts as
   * not yet), polling every 20 ms; rejects with a descriptive error after timeoutMs (default 10000).
   */
  waitFor<T>(probe: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Calls the listener for every recorded call; returns the unsubscribe function. */
  onCall(listener: (call: SlackCall) => void): () => void;
  /** Calls the listener for every message posted to a `response_url`; returns the unsubscribe function. */
  onResponse(listener: (response: ResponseUrlMessage) => void): () => void;
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Reply = { ok: true; body: Record<string, unknown> } | { ok: false; error: string };

interface State {
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  readonly memberChannels: ReadonlySet<string> | undefined;
  readonly userGroups: Map<string, UserGroup>;
  /** lower-cased email → user id */
  readonly userEmails: Map<string, string>;
  readonly messages: StoredMessage[];
  readonly ephemerals: EphemeralMessage[];
  readonly views: RecordedView[];
  /** DMs opened with `conversations.open`: the bot may post there whatever `memberChannels` says */
  readonly directMessages: Map<string, string>;
  /** files given an upload URL, by id; `content` once their bytes were posted there */
  readonly uploads: Map<string, { filename: string; length: number; content?: Buffer }>;
  readonly files: SharedFile[];
  /** this server's own address, for the upload URLs it hands out */
  url: string;
  lastTsMicros: number;
  viewCount: number;
  fileCount: number;
}

const ok = (body: Record<string, unknown> = {}): Reply => ({ ok: true, body });
const fail = (error: string): Reply => ({ ok: false, error });

// The web-api client JSON-encodes objects inside its form body; these are the keys whose values are
// structured in Slack's API, so only they are decoded back (a text that merely looks like JSON stays text).
const JSON_KEYS = ['blocks', 'attachments', 'view', 'metadata', 'files'] as const;

// --- ids and argument helpers ------------------------------------------------------------------------

/** Slack ts values are "seconds.micros"; unique and strictly increasing, as threads rely on ordering. */
function nextTs(state: State): string {
  const micros = Math.max(Date.now() * 1000, state.lastTsMicros + 1);
  state.lastTsMicros = micros;
  const seconds = Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function nextViewId(state: State): string {
  state.viewCount += 1;
  return `V${String(state.viewCount).padStart(10, '0')}`;
}

/** Form bodies make every value a string; JSON bodies may carry numbers (e.g. a numeric thread_ts). */
function str(args: Args, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function blocksOf(args: Args): unknown[] | undefined {
  return Array.isArray(args.blocks) ? args.blocks : undefined;
}

function channelAccessError(state: State, channel: string): string | undefined {
  if (state.memberChannels === undefined || state.memberChannels.has(channel)) return undefined;
  if ([...state.directMessages.values()].includes(channel)) return undefined;
  // Slack says not_in_channel only for public channels; private channels and DMs the bot cannot see
  // do not exist as far as it is concerned.
  return channel.startsWith('C') ? 'not_in_channel' : 'channel_not_found';
}

function findMessage(state: State, channel: string, ts: string): StoredMessage | undefined {
  return state.messages.find((m) => m.channel === channel && m.ts === ts);
}

// --- methods ---------------------------------------------------------------------------------------

function authTest(_args: Args, state: State): Reply {
  return ok({
    url: 'https://invalidator-test.slack.com/',
    team: 'Invalidator Test',
    user: 'invalidator',
    team_id: state.teamId,
    user_id: state.botUserId,
    bot_id: state.botId,
    is_enterprise_install: false,
  });
}

function messageView(state: State, message: StoredMessage, withMetadata = false): Record<string, unknown> {
  const { updates: _updates, channel: _channel, metadata, ...fields } = message;
  const view: Record<string, unknown> = {
    type: 'message',
    ...fields,
    bot_id: state.botId,
    team: state.teamId,
  };
  if (withMetadata && metadata !== undefined) view.metadata = metadata;
  return view;
}

/** A channel's top-level messages since `oldest`, newest first, as Slack lists them. */
function conversationHistory(args: Args, state: State): Reply {
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const oldest = Number(str(args, 'oldest') ?? '0');
  const withMetadata = str(args, 'include_all_metadata') === 'true' || args.include_all_metadata === true;
  const messages = state.messages
    .filter((m) => m.channel === channel && m.thread_ts === undefined && Number(m.ts) > oldest)
    .reverse()
    .map((m) => messageView(state, m, withMetadata));
  return ok({ messages, has_more: false });
}

/** A thread: its parent, then its replies; metadata only with `include_all_metadata`, as Slack does. */
function conversationReplies(args: Args, state: State): Reply {
  const channel = str(args, 'channel');
  const ts = str(args, 'ts');
  if (channel === undefined) return fail('channel_not_found');
  const parent = ts === undefined ? undefined : findMessage(state, channel, ts);
  if (parent === undefined) return fail('thread_not_found');
  const withMetadata = str(args, 'include_all_metadata') === 'true' || args.include_all_metadata === true;
  const replies = state.messages.filter((m) => m.channel === channel && m.thread_ts === ts);
  const messages = [parent, ...replies].map((m) => messageView(state, m, withMetadata));
  return ok({ messages, has_more: false });
}

function postMessage(args: Args, state: State): Reply {
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const accessError = channelAccessError(state, channel);
  if (accessError !== undefined) return fail(accessError);
  const text = str(args, 'text');
  const blocks = blocksOf(args);
  if (text === undefined && blocks === undefined) return fail('no_text');
  const message: StoredMessage = {
    channel,
    ts: nextTs(state),
    text: text ?? '',
    user: state.botUserId,
    updates: 0,
  };
  const threadTs = str(args, 'thread_ts');
  if (threadTs !== undefined) message.thread_ts = threadTs;
  if (blocks !== undefined) message.blocks = blocks;
  if (args.metadata !== undefined) message.metadata = args.metadata;
  state.messages.push(message);
  return ok({ channel, ts: message.ts, message: messageView(state, message) });
}

function updateMessage(args: Args, state: State): Reply {
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const accessError = channelAccessError(state, channel);
  if (accessError !== undefined) return fail(accessError);
  const message = findMessage(state, channel, str(args, 'ts') ?? '');
  if (message === undefined) return fail('message_not_found');
  const text = str(args, 'text');
  const blocks = blocksOf(args);
  if (text !== undefined) message.text = text;
  if (blocks !== undefined) message.blocks = blocks;
  message.updates += 1;
  return ok({ channel, ts: message.ts, text: message.text, message: messageView(state, message) });
}

function postEphemeral(args: Args, state: State): Reply {
  const channel = str(args, 'channel');
  const user = str(args, 'user');
  if (channel === undefined) return fail('channel_not_found');
  if (user === undefined) return fail('user_not_found');
  const text = str(args, 'text');
  const blocks = blocksOf(args);
  if (text === undefined && blocks === undefined) return fail('no_text');
  const ephemeral: EphemeralMessage = { channel, user, text: text ?? '', at: Date.now() };
  if (blocks !== undefined) ephemeral.blocks = blocks;
  const threadTs = str(args, 'thread_ts');
  if (threadTs !== undefined) ephemeral.thread_ts = threadTs;
  state.ephemerals.push(ephemeral);
  return ok({ message_ts: nextTs(state) });
}

function viewReply(state: State, id: string, view: unknown): Reply {
  const fields = typeof view === 'object' && view !== null ? view : {};
  return ok({
    view: { ...fields, id, team_id: state.teamId, bot_id: state.botId, hash: viewHash(state, id) },
  });
}

/** A view's hash changes with every update, as Slack's does, so a stale `hash` can be refused. */
function viewHash(state: State, id: string): string {
  return `${id}.${state.views.filter((v) => v.id === id).length}`;
}

function openOrPushView(kind: 'open' | 'push') {
  return (args: Args, state: State): Reply => {
    const triggerId = str(args, 'trigger_id');
    if (triggerId === undefined || args.view === undefined) return fail('invalid_arguments');
    const id = nextViewId(state);
    state.views.push({ id, trigger_id: triggerId, view: args.view, kind });
    return viewReply(state, id, args.view);
  };
}

function updateView(args: Args, state: State): Reply {
  const id = str(args, 'view_id') ?? str(args, 'external_id');
  if (id === undefined || args.view === undefined) return fail('invalid_arguments');
  if (!state.views.some((v) => v.id === id)) return fail('not_found');
  // https://api.slack.com/methods/views.update#arg_hash
  const hash = str(args, 'hash');
  if (hash !== undefined && hash !== viewHash(state, id)) return fail('hash_conflict');
  state.views.push({ id, view: args.view, kind: 'update' });
  return viewReply(state, id, args.view);
}

function publishView(args: Args, state: State): Reply {
  const userId = str(args, 'user_id');
  if (userId === undefined || args.view === undefined) return fail('invalid_arguments');
  // A user has one Home tab, so republishing keeps its view id.
  const earlier = state.views.find((v) => v.kind === 'publish' && v.user_id === userId);
  const id = earlier?.id ?? nextViewId(state);
  state.views.push({ id, user_id: userId, view: args.view, kind: 'publish' });
  return viewReply(state, id, args.view);
}

function listUserGroupMembers(args: Args, state: State): Reply {
  const group = state.userGroups.get(str(args, 'usergroup') ?? '');
  if (group === undefined) return fail('no_such_subteam');
  return typeof group === 'string' ? fail(group) : ok({ users: [...group] });
}

function conversationInfo(args: Args, state: State): Reply {
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const isMember = state.memberChannels?.has(channel) ?? true;
  return ok({ channel: { id: channel, name: channel.toLowerCase(), is_member: isMember } });
}

function userInfo(args: Args, state: State): Reply {
  const user = str(args, 'user');
  if (user === undefined) return fail('user_not_found');
  return ok({
    user: {
      id: user,
      name: user.toLowerCase(),
      tz: 'UTC',
      team_id: state.teamId,
      is_bot: user === state.botUserId,
    },
  });
}

/** A user by email, as Slack finds one (case-insensitively). https://docs.slack.dev/reference/methods/users.lookupByEmail */
function lookupUserByEmail(args: Args, state: State): Reply {
  const email = str(args, 'email');
  const id = email === undefined ? undefined : state.userEmails.get(email.toLowerCase());
  if (id === undefined) return fail('users_not_found');
  return ok({
    user: { id, team_id: state.teamId, name: id.toLowerCase(), deleted: false, profile: { email } },
  });
}

/** A message's permalink, as Slack builds it: the workspace's domain, the channel, `p` and the ts without its dot. */
function getPermalink(args: Args, state: State): Reply {
  const channel = str(args, 'channel');
  if (channel === undefined) return fail('channel_not_found');
  const message = findMessage(state, channel, str(args, 'message_ts') ?? '');
  if (message === undefined) return fail('message_not_found');
  const permalink = `https://${state.teamId.toLowerCase()}.slack.example/archives/${channel}/p${message.ts.replace('.', '')}`;
  return ok({ channel, permalink });
}

/** The bot's DM with one user: the same channel each time it is opened. */
function conversationOpen(args: Args, state: State): Reply {
  const users = str(args, 'users');
  if (users === undefined) return fail('users_list_not_supplied');
  if (users.includes(',')) return fail('not_implemented');
  const channel = state.directMessages.get(users) ?? `D${users.slice(1)}`;
  state.directMessages.set(users, channel);
  return ok({ channel: { id: channel } });
}

/**
 * Step 1 of Slack's upload: an id for the file and a URL (on this server) to post its bytes to.
 * https://docs.slack.dev/reference/methods/files.getuploadurlexternal
 */
function getUploadUrlExternal(args: Args, state: State): Reply {
  const filename = str(args, 'filename');
  const length = Number(str(args, 'length'));
  if (filename === undefined || !Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
  state.fileCount += 1;
  const id = `F${String(state.fileCount).padStart(10, '0')}`;
  state.uploads.set(id, { filename, length });
  return ok({ upload_url: `${state.url}/upload/${id}`, file_id: id });
}

/**
 * Step 3: shares uploaded files in `channel_id` with one comment. A file whose bytes never arrived is
 * refused. https://docs.slack.dev/reference/methods/files.completeuploadexternal
 */
function completeUploadExternal(args: Args, state: State): Reply {
  const files = Array.isArray(args.files) ? (args.files as Array<{ id?: unknown; title?: unknown }>) : [];
  if (files.length === 0) return fail('invalid_arguments');
  const channel = str(args, 'channel_id');
  if (channel !== undefined) {
    const accessError = channelAccessError(state, channel);
    if (accessError !== undefined) return fail(accessError);
  }
  const uploaded = files.map((file) => ({ file, upload: state.uploads.get(String(file.id)) }));
  if (uploaded.some(({ upload }) => upload?.content === undefined)) return fail('file_not_found');
  const comment = str(args, 'initial_comment');
  const shared = uploaded.map(({ file, upload }): SharedFile => {
    const sharedFile: SharedFile = {
      id: String(file.id),
      channel: channel ?? '',
      filename: upload?.filename ?? '',
      content: upload?.content ?? Buffer.alloc(0),
      at: Date.now(),
    };
    if (typeof file.title === 'string') sharedFile.title = file.title;
    if (comment !== undefined) sharedFile.initial_comment = comment;
    return sharedFile;
  });
  state.files.push(...shared);
  return ok({ files: shared.map(({ id, title }) => ({ id, title })) });
}

const METHODS: Record<string, (args: Args, state: State) => Reply> = {
  'auth.test': authTest,
  'chat.postMessage': postMessage,
  'chat.update': updateMessage,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'views.open': openOrPushView('open'),
  'views.push': openOrPushView('push'),
  'views.update': updateView,
  'views.publish': publishView,
  'usergroups.users.list': listUserGroupMembers,
  'conversations.info': conversationInfo,
  'conversations.replies': conversationReplies,
  'conversations.history': conversationHistory,
  'users.info': userInfo,
  'users.lookupByEmail': lookupUserByEmail,
  'conversations.open': conversationOpen,
  'files.getUploadURLExternal': getUploadUrlExternal,
  'files.completeUploadExternal': completeUploadExternal,
};

// --- wire format ---------------------------------------------------------------------------------------

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString('utf8');
}

/**
 * Step 2 of an upload: the web-api client posts the bytes as multipart/form-data, the file in a field
 * named `body` (WebClient's `postFileUploadsToExternalURL`); a raw body is taken as the bytes too.
 */
async function uploadedBytes(req: IncomingMessage): Promise<Buffer> {
  const raw = await readBytes(req);
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  const file = form.get('body');
  if (file === null) throw new Error('an upload without a `body` field');
  return typeof file === 'string' ? Buffer.from(file) : Buffer.from(await file.arrayBuffer());
}

function parseJsonValue(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    // Slack would reject malformed JSON (invalid_blocks_format); keeping the raw text lets a test see it.
    return value;
  }
}

/** Both encodings the web-api client may use: url-encoded form (its default) and JSON. */
function parseArgs(contentType: string | undefined, raw: string): Args {
  const args: Args =
    contentType?.includes('application/json') && raw.trim() !== ''
      ? (JSON.parse(raw) as Args)
      : Object.fromEntries(new URLSearchParams(raw));
  for (const key of JSON_KEYS) {
    if (key in args) args[key] = parseJsonValue(args[key]);
  }
  return args;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

// --- answers ---------------------------------------------------------------------------------------------

function authError(expected: string | undefined, token: string | undefined): string | undefined {
  if (expected === undefined || token === expected) return undefined;
  return token === undefined ? 'not_authed' : 'invalid_auth';
}

function methodAnswer(method: string, args: Args, state: State): SlackApiAnswer {
  const handler = METHODS[method];
  const reply = handler === undefined ? fail('unknown_method') : handler(args, state);
  if (reply.ok) return { status: 200, body: { ok: true, ...reply.body } };
  return { status: 200, body: { ok: false, error: reply.error }, error: reply.error };
}

// --- server --------------------------------------------------------------------------------------------

function createState(options: SlackStandInOptions): State {
  return {
    botUserId: options.botUserId ?? 'UBOT000001',
    botId: options.botId ?? 'BBOT000001',
    teamId: options.teamId ?? 'T0000TEST',
    memberChannels: options.memberChannels === undefined ? undefined : new Set(options.memberChannels),
    userGroups: new Map(Object.entries(options.userGroups ?? {})),
    userEmails: new Map(
      Object.entries(options.userEmails ?? {}).map(([email, id]) => [email.toLowerCase(), id]),
    ),
    messages: [],
    ephemerals: [],
    views: [],
    directMessages: new Map(),
    uploads: new Map(),
    files: [],
    url: '',
    lastTsMicros: 0,
    viewCount: 0,
    fileCount: 0,
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function describeTimeout(
  timeoutMs: number,
  probe: () => unknown,
  lastError: unknown,
  calls: SlackCall[],
): Error {
  const recent = calls.slice(-10).map((c) => (c.error === undefined ? c.method : `${c.method}→${c.error}`));
  const reason = lastError instanceof Error ? `; last probe error: ${lastError.message}` : '';
  return new Error(
    `waitFor timed out after ${timeoutMs} ms waiting for ${String(probe).slice(0, 200)}${reason}; ` +
      `last calls: ${recent.join(', ') || 'none'}`,
  );
}

/**
 * Starts a Slack Web API stand-in on 127.0.0.1 that the unchanged `@slack/web-api` client can talk to, with
 * the `response_url` endpoint beside it.
 */
export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const state = createState(options);
  const calls: SlackCall[] = [];
  const responses: SlackStandIn['responses'] = [];
  const listeners = new Set<(call: SlackCall) => void>();
  const responseListeners = new Set<(response: ResponseUrlMessage) => void>();
  // Tells an answer failing because the server closes from a bug in the stand-in.
  const closing = new AbortController();

  function record(call: SlackCall): void {
    calls.push(call);
    for (const listener of listeners) listener(call);
  }

  async function answerApiCall(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const args = parseArgs(req.headers['content-type'], await readBody(req));
    const token = bearerToken(req) ?? str(args, 'token');
    // The token is kept apart from args so recorded calls can be shown without leaking it.
    delete args.token;
    const authFailure = authError(options.botToken, token);
    const answer =
      (await options.hooks?.beforeAnswer?.(method, args, token)) ??
      (authFailure === undefined
        ? methodAnswer(method, args, state)
        : { status: 200, body: { ok: false, error: authFailure }, error: authFailure });
    const call: SlackCall = { method, args, at: Date.now(), status: answer.status };
    if (token !== undefined) call.token = token;
    if (answer.error !== undefined) call.error = answer.error;
    record(call);
    sendJson(res, answer.status, answer.body, answer.headers);
  }

  async function answerResponseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const body = parseArgs(req.headers['content-type'], await readBody(req));
    const response = { id, body, at: Date.now() };
    responses.push(response);
    sendJson(res, 200, { ok: true });
    for (const listener of responseListeners) listener(response);
  }

  /** Slack's upload URL answers 200 with a short text; an unknown file id, 404. */
  async function answerUpload(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const upload = state.uploads.get(id);
    const content = await uploadedBytes(req);
    if (upload === undefined) return sendJson(res, 404, { ok: false, error: 'file_not_found' });
    upload.content = content;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`OK - ${content.length}`);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const api = /^\/api\/([\w.]+)$/.exec(path);
    const response = /^\/response\/([^/]+)$/.exec(path);
    const upload = /^\/upload\/(F\w+)$/.exec(path);
    if (req.method === 'POST' && api?.[1] !== undefined) return answerApiCall(req, res, api[1]);
    if (req.method === 'POST' && upload?.[1] !== undefined) return answerUpload(req, res, upload[1]);
    if (req.method === 'POST' && response?.[1] !== undefined) {
      return answerResponseUrl(req, res, decodeURIComponent(response[1]));
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (closing.signal.aborted) return;
      // A bug in the stand-in (or in an onCall listener) must show up in the test output, not vanish.
      console.error('slack stand-in failed to answer', req.url, error);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'standin_error' });
    });
  });
  const upgrade = options.hooks?.upgrade;
  if (upgrade)
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrade(req, socket, head));
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  state.url = url;

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: state.messages,
    ephemerals: state.ephemerals,
    threadReplies: (channel, ts) => state.messages.filter((m) => m.channel === channel && m.thread_ts === ts),
    message: (channel, ts) => findMessage(state, channel, ts),
    views: state.views,
    responseUrl: (id) => `${url}/response/${encodeURIComponent(id)}`,
    responses,
    files: state.files,
    setUserGroup: (id, members) => {
      state.userGroups.set(id, members);
    },
    setUserEmail: (email, id) => {
      state.userEmails.set(email.toLowerCase(), id);
    },
    waitFor: async <T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      for (;;) {
        try {
          const value = probe();
          if (value !== undefined && value !== false) return value as T;
        } catch (error) {
          lastError = error;
        }
        if (Date.now() >= deadline) throw describeTimeout(timeoutMs, probe, lastError, calls);
        await sleep(20);
      }
    },
    onCall: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onResponse: (listener) => {
      responseListeners.add(listener);
      return () => {
        responseListeners.delete(listener);
      };
    },
    close: () => {
      closing.abort();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this, close would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
}

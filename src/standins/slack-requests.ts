import { createHmac } from 'node:crypto';

/**
 * Builds inbound Slack requests exactly as Slack sends them: form-encoded bodies signed with
 * `v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")`. The tests and the local playground both
 * drive the bot through these, so the bot cannot tell them from Slack.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
export function sign(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
  };
}

export const TEAM = 'T0000TEST';
export const CHANNEL = 'C0123DEPLOY';
const APP_ID = 'A0TEST';
const UNUSED_TOKEN = 'verification-token-unused';

/** A slash command's form body. https://api.slack.com/interactivity/slash-commands#app_command_handling */
export function commandBody(options: {
  user: string;
  text: string;
  channel: string;
  responseUrl: string;
  triggerId: string;
  channelName?: string;
}): string {
  return new URLSearchParams({
    token: UNUSED_TOKEN,
    team_id: TEAM,
    team_domain: 'test',
    channel_id: options.channel,
    channel_name: options.channelName ?? 'deploys',
    user_id: options.user,
    user_name: options.user.toLowerCase(),
    command: '/invalidate',
    text: options.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: options.responseUrl,
    trigger_id: options.triggerId,
  }).toString();
}

/** Where a clicked button was: a message in a channel (ephemeral or not), or a view (App Home). */
export type ActionContainer =
  | { type: 'message'; channel: string; messageTs: string; ephemeral?: boolean }
  | { type: 'view'; viewId: string };

/** A `block_actions` payload for one button click. https://api.slack.com/reference/interaction-payloads/block-actions */
export function blockActionsBody(options: {
  user: string;
  actionId: string;
  value: string;
  blockId?: string;
  container: ActionContainer;
  responseUrl: string;
  triggerId: string;
  actionTs: string;
}): string {
  const { container } = options;
  const where =
    container.type === 'message'
      ? {
          container: {
            type: 'message',
            message_ts: container.messageTs,
            channel_id: container.channel,
            is_ephemeral: container.ephemeral ?? false,
          },
          channel: { id: container.channel, name: 'deploys' },
          message: { type: 'message', ts: container.messageTs, text: '' },
          response_url: options.responseUrl,
        }
      : {
          container: { type: 'view', view_id: container.viewId },
          view: { id: container.viewId, type: 'home' },
        };
  const payload = {
    type: 'block_actions',
    ...interactionFrom(options.user, options.triggerId),
    ...where,
    actions: [
      {
        action_id: options.actionId,
        block_id: options.blockId ?? 'actions',
        text: { type: 'plain_text', text: options.actionId },
        value: options.value,
        type: 'button',
        action_ts: options.actionTs,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A `view_submission` payload. https://api.slack.com/reference/interaction-payloads/views#view_submission */
export function viewSubmissionBody(options: {
  user: string;
  viewId: string;
  callbackId: string;
  privateMetadata: string;
  values: ViewValues;
  triggerId: string;
  /** the view's hash as Slack sent it (default `hash`) */
  hash?: string;
}): string {
  const payload = {
    type: 'view_submission',
    ...interactionFrom(options.user, options.triggerId),
    view: {
      id: options.viewId,
      team_id: TEAM,
      type: 'modal',
      callback_id: options.callbackId,
      private_metadata: options.privateMetadata,
      state: { values: options.values },
      hash: options.hash ?? 'hash',
      blocks: [],
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A view's `state.values`: block id → action id → the element's value (`value`, `selected_option`, …). */
export type ViewValues = Record<
  string,
  Record<string, { type: string; value?: string; selected_option?: unknown }>
>;

/** What the request form holds when sent or edited: the distribution chosen (if any), the paths, the reason. */
export function requestFormValues(alias: string | undefined, paths: string, reason = ''): ViewValues {
  return {
    form_distribution: {
      form_distribution_select: {
        type: 'static_select',
        ...(alias ? { selected_option: { value: alias, text: { type: 'plain_text', text: alias } } } : {}),
      },
    },
    form_paths: { form_paths_input: { type: 'plain_text_input', value: paths } },
    form_reason: { form_reason_input: { type: 'plain_text_input', value: reason } },
  };
}

/** A view as a `block_actions` payload carries it: the one the edit was made in. */
export interface ViewInPayload {
  id: string;
  hash: string;
  callbackId: string;
  privateMetadata: string;
  blocks: unknown[];
  values: ViewValues;
}

/**
 * A `block_actions` payload for an input edited inside a modal (`dispatch_action`): the view with its hash
 * and state, and the edited element's value. https://api.slack.com/reference/interaction-payloads/block-actions
 */
export function viewActionBody(options: {
  user: string;
  view: ViewInPayload;
  blockId: string;
  actionId: string;
  triggerId: string;
  actionTs: string;
}): string {
  const { view } = options;
  const edited = view.values[options.blockId]?.[options.actionId] ?? { type: 'plain_text_input' };
  const payload = {
    type: 'block_actions',
    ...interactionFrom(options.user, options.triggerId),
    container: { type: 'view', view_id: view.id },
    view: {
      id: view.id,
      team_id: TEAM,
      type: 'modal',
      callback_id: view.callbackId,
      private_metadata: view.privateMetadata,
      blocks: view.blocks,
      state: { values: view.values },
      hash: view.hash,
    },
    actions: [
      { ...edited, action_id: options.actionId, block_id: options.blockId, action_ts: options.actionTs },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * A `message_action` payload: a message shortcut chosen on a message.
 * https://api.slack.com/reference/interaction-payloads/shortcuts#message_actions
 */
export function messageActionBody(options: {
  user: string;
  callbackId: string;
  channel: string;
  message: { ts: string; text?: string; blocks?: unknown[]; attachments?: unknown[] };
  responseUrl: string;
  triggerId: string;
  actionTs: string;
}): string {
  const payload = {
    type: 'message_action',
    callback_id: options.callbackId,
    trigger_id: options.triggerId,
    message_ts: options.message.ts,
    response_url: options.responseUrl,
    message: { type: 'message', user: 'UDEPLOYBOT', ...options.message },
    user: { id: options.user, name: options.user.toLowerCase(), team_id: TEAM },
    channel: { id: options.channel, name: 'deploys' },
    team: { id: TEAM, domain: 'test' },
    token: UNUSED_TOKEN,
    action_ts: options.actionTs,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Who sent an interaction payload (a click, a form), as every one of them says it. */
function interactionFrom(user: string, triggerId: string) {
  return {
    user: { id: user, username: user.toLowerCase(), team_id: TEAM },
    api_app_id: APP_ID,
    token: UNUSED_TOKEN,
    trigger_id: triggerId,
    team: { id: TEAM, domain: 'test' },
  };
}

/** An Events API callback (JSON). https://api.slack.com/apis/events-api#callback-field */
export function eventBody(event: Record<string, unknown>, eventId: string): string {
  return JSON.stringify({
    token: UNUSED_TOKEN,
    team_id: TEAM,
    api_app_id: APP_ID,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
}

export interface SlackSender {
  /** `/invalidate <text>` as `user` in `channel` */
  command(user: string, text: string, channel?: string): Promise<SlackAnswer>;
  /** a click on a card button */
  click(user: string, actionId: string, requestId: string, channel?: string): Promise<SlackAnswer>;
  /** submits the deny-reason modal */
  submitDeny(user: string, requestId: string, reason: string, channel?: string): Promise<SlackAnswer>;
  /** an Events API callback (JSON), e.g. app_home_opened */
  event(event: Record<string, unknown>): Promise<SlackAnswer>;
  /** any raw body with any headers, for authenticity tests */
  raw(body: string, headers: Record<string, string>): Promise<SlackAnswer>;
}

export interface SlackAnswer {
  status: number;
  text: string;
  json(): unknown;
}

/** Posts a signed body to the bot's `/slack/events`, as form or JSON by its kind. */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  kind: 'form' | 'json' = 'form',
): Promise<SlackAnswer> {
  const headers = sign(secret, body);
  if (kind === 'json') headers['content-type'] = 'application/json';
  return postRaw(url, body, headers);
}

async function postRaw(url: string, body: string, headers: Record<string, string>): Promise<SlackAnswer> {
  const response = await fetch(`${url}/slack/events`, { method: 'POST', body, headers });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

let sequence = 0;

export function slackSender(options: {
  url: string;
  secret: string;
  responseUrl: (id: string) => string;
}): SlackSender {
  const signed = (body: string, kind: 'form' | 'json' = 'form') =>
    postSigned(options.url, options.secret, body, kind);
  const next = () => `${Date.now()}.${++sequence}`;
  return {
    command: (user, text, channel = CHANNEL) => {
      const id = `cmd-${next()}`;
      return signed(
        commandBody({
          user,
          text,
          channel,
          responseUrl: options.responseUrl(id),
          triggerId: `trigger-${id}`,
        }),
      );
    },
    click: (user, actionId, requestId, channel = CHANNEL) => {
      const id = `act-${next()}`;
      return signed(
        blockActionsBody({
          user,
          actionId,
          value: requestId,
          blockId: 'decision',
          container: { type: 'message', channel, messageTs: '1.000001' },
          responseUrl: options.responseUrl(id),
          triggerId: `trigger-${id}`,
          actionTs: next(),
        }),
      );
    },
    submitDeny: (user, requestId, reason, channel = CHANNEL) =>
      signed(
        viewSubmissionBody({
          user,
          viewId: `V${++sequence}`,
          callbackId: 'invalidator.deny_reason',
          privateMetadata: JSON.stringify({ requestId, channel }),
          values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } },
          triggerId: `trigger-${next()}`,
        }),
      ),
    event: (event) => signed(eventBody(event, `Ev${next().replace('.', '')}`), 'json'),
    raw: (body, headers) => postRaw(options.url, body, headers),
  };
}

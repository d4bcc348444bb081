import { createHmac } from 'node:crypto';

/**
 * Builds inbound Slack requests exactly as Slack sends them: form-encoded bodies signed with
 * `v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")`.
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

export const TEAM = 'T0000TEST';
export const CHANNEL = 'C0123DEPLOY';

let sequence = 0;

export function slackSender(options: {
  url: string;
  secret: string;
  responseUrl: (id: string) => string;
}): SlackSender {
  const post = async (body: string, headers: Record<string, string>): Promise<SlackAnswer> => {
    const response = await fetch(`${options.url}/slack/events`, { method: 'POST', body, headers });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };
  const signed = (body: string) => post(body, sign(options.secret, body));
  const next = () => `${Date.now()}.${++sequence}`;
  return {
    command: (user, text, channel = CHANNEL) => {
      const id = `cmd-${next()}`;
      const body = new URLSearchParams({
        token: 'verification-token-unused',
        team_id: TEAM,
        team_domain: 'test',
        channel_id: channel,
        channel_name: 'deploys',
        user_id: user,
        user_name: user.toLowerCase(),
        command: '/invalidate',
        text,
        api_app_id: 'A0TEST',
        is_enterprise_install: 'false',
        response_url: options.responseUrl(id),
        trigger_id: `trigger-${id}`,
      }).toString();
      return signed(body);
    },
    click: (user, actionId, requestId, channel = CHANNEL) => {
      const id = `act-${next()}`;
      const payload = {
        type: 'block_actions',
        user: { id: user, username: user.toLowerCase(), team_id: TEAM },
        api_app_id: 'A0TEST',
        token: 'verification-token-unused',
        container: { type: 'message', message_ts: '1.000001', channel_id: channel, is_ephemeral: false },
        trigger_id: `trigger-${id}`,
        team: { id: TEAM, domain: 'test' },
        channel: { id: channel, name: 'deploys' },
        message: { type: 'message', ts: '1.000001', text: '' },
        response_url: options.responseUrl(id),
        actions: [
          {
            action_id: actionId,
            block_id: 'decision',
            text: { type: 'plain_text', text: actionId },
            value: requestId,
            type: 'button',
            action_ts: next(),
          },
        ],
      };
      return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    },
    submitDeny: (user, requestId, reason, channel = CHANNEL) => {
      const payload = {
        type: 'view_submission',
        team: { id: TEAM, domain: 'test' },
        user: { id: user, username: user.toLowerCase(), team_id: TEAM },
        api_app_id: 'A0TEST',
        token: 'verification-token-unused',
        trigger_id: `trigger-${next()}`,
        view: {
          id: `V${sequence}`,
          team_id: TEAM,
          type: 'modal',
          callback_id: 'invalidator.deny_reason',
          private_metadata: JSON.stringify({ requestId, channel }),
          state: { values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } } },
          hash: 'hash',
          blocks: [],
        },
        response_urls: [],
      };
      return signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    },
    event: (event) => {
      const body = JSON.stringify({
        token: 'verification-token-unused',
        team_id: TEAM,
        api_app_id: 'A0TEST',
        type: 'event_callback',
        event_id: `Ev${next().replace('.', '')}`,
        event_time: Math.floor(Date.now() / 1000),
        event,
      });
      return post(body, { ...sign(options.secret, body), 'content-type': 'application/json' });
    },
    raw: post,
  };
}

import { describe, expect, it } from 'vitest';
import { type InboundRequest, screenSlackRequest } from '../../../src/adapters/slack/inbound.js';
import { sign } from '../../../src/standins/slack-requests.js';

const SECRET = 'test-signing-secret';
const NOW_MS = Date.UTC(2026, 4, 4, 10, 0, 0);
const NOW = Math.floor(NOW_MS / 1000);
const FORM = 'application/x-www-form-urlencoded';

const command = new URLSearchParams({
  command: '/invalidate',
  text: 'web /a.html',
  user_id: 'U1',
}).toString();
const click = new URLSearchParams({
  payload: JSON.stringify({ type: 'block_actions', actions: [] }),
}).toString();
const event = JSON.stringify({ type: 'event_callback', event: { type: 'app_home_opened' } });

/** A request signed with `secret` at `timestamp`, sent with `contentType`. */
function signed(
  body: string,
  contentType: string | undefined,
  timestamp = NOW,
  secret = SECRET,
): InboundRequest {
  const headers = sign(secret, body, timestamp);
  return {
    contentType,
    signature: headers['x-slack-signature'],
    timestamp: headers['x-slack-request-timestamp'],
    body,
  };
}

const screen = (request: InboundRequest) => screenSlackRequest(request, SECRET, NOW_MS);

describe('screenSlackRequest', () => {
  it.each([
    ['a slash command', signed(command, FORM)],
    ['a button click', signed(click, FORM)],
    ['an Events API callback', signed(event, 'application/json')],
    ['an Events API callback with a charset', signed(event, 'application/json; charset=utf-8')],
    ['a timestamp 4 minutes old', signed(command, FORM, NOW - 240)],
    [
      'an unsigned ssl_check, which Slack sends unsigned',
      { ...signed('ssl_check=1', FORM), signature: undefined },
    ],
  ])('lets %s through', (_kind, request) => {
    expect(screen(request)).toEqual({ ok: true });
  });

  it.each([
    ['a wrong secret', signed(command, FORM, NOW, 'not-the-secret')],
    ['a body changed after signing', { ...signed(command, FORM), body: `${command}&x=1` }],
    ['a timestamp changed after signing', { ...signed(command, FORM), timestamp: String(NOW - 1) }],
    ['a timestamp over 5 minutes old', signed(command, FORM, NOW - 301)],
    ['a timestamp over 5 minutes ahead', signed(command, FORM, NOW + 301)],
    ['no signature', { ...signed(command, FORM), signature: undefined }],
    ['no timestamp', { ...signed(command, FORM), timestamp: undefined }],
    ['a timestamp that is not a number', { ...signed(command, FORM), timestamp: '17e8' }],
    ['an empty signature', { ...signed(command, FORM), signature: '' }],
    [
      'a signature of another version',
      { ...signed(command, FORM), signature: signed(command, FORM).signature?.replace('v0=', 'v1=') },
    ],
    ['a signature that is not hex', { ...signed(command, FORM), signature: 'v0=zz' }],
    ['a signature with no hash', { ...signed(command, FORM), signature: 'v0=' }],
    ['an unsigned JSON body', { ...signed(event, 'application/json'), signature: undefined }],
    ['an unsigned text/plain body', { ...signed(event, 'text/plain'), signature: undefined }],
  ])('answers 401 to %s', (_kind, request) => {
    expect(screen(request)).toMatchObject({ ok: false, status: 401 });
  });

  it.each([
    ['a JSON event sent as a form', signed(event, FORM)],
    ['a slash command sent as JSON', signed(command, 'application/json')],
    ['a click payload sent as JSON', signed(JSON.stringify({ type: 'block_actions' }), 'application/json')],
    ['JSON sent as text/plain', signed(event, 'text/plain')],
    ['a form with a charset, which Slack never sends', signed(command, `${FORM}; charset=UTF-8`)],
    [
      'multipart form data',
      signed(
        `--b\r\nContent-Disposition: form-data; name="command"\r\n\r\n/x\r\n--b--`,
        'multipart/form-data; boundary=b',
      ),
    ],
    ['no content type', signed(event, undefined)],
    ['a form payload that is not a JSON object', signed('payload=%5B1%2C2%5D', FORM)],
    ['a form with neither command nor payload', signed('text=web+%2Fa', FORM)],
  ])('answers 400 to a signed body Slack never sends: %s', (_kind, request) => {
    expect(screen(request)).toMatchObject({ ok: false, status: 400 });
  });
});

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BufferedIncomingMessage, verifySlackRequest } from '@slack/bolt';
import type { Logger } from '../../usecases/ports.js';

/** The parts of an inbound request to `/slack/events` that decide whether Bolt may see it. */
export interface InboundRequest {
  contentType: string | undefined;
  signature: string | undefined;
  timestamp: string | undefined;
  body: string;
}

export type Screening = { ok: true } | { ok: false; status: 400 | 401; reason: string };

const FORM = 'application/x-www-form-urlencoded';
const JSON_MEDIA = 'application/json';
// Slack: "If the timestamp is more than five minutes from local time, it could be a replay attack".
// Bolt rejects old timestamps only; one from the future is refused here too.
// https://api.slack.com/authentication/verifying-requests-from-slack#validating-a-request
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** The only JSON bodies Slack sends: Events API callbacks and their URL checks. */
const EVENTS_API_TYPES: ReadonlySet<unknown> = new Set([
  'event_callback',
  'url_verification',
  'app_rate_limited',
]);

const refuse = (status: 400 | 401, reason: string): Screening => ({ ok: false, status, reason });

/**
 * Decides what Bolt's receiver may see, on top of its own checks: 401 for anything not signed with the
 * signing secret within five minutes (either way) of now; 400 for a signed body Slack never sends (a form
 * with neither `command` nor `payload`, JSON that is not an Events API callback, any other content type).
 * Without it a signed JSON body sent as `text/plain` ran listeners, and a JSON body sent as a form hung
 * for three seconds and answered 404. Slack's unsigned `ssl_check` form goes through: Bolt answers it
 * with an empty 200 and drops anything else in the body.
 */
export function screenSlackRequest(request: InboundRequest, signingSecret: string, nowMs: number): Screening {
  const form = request.contentType === FORM ? new URLSearchParams(request.body) : undefined;
  if (form?.get('ssl_check') === '1') return { ok: true };
  const unauthentic = authenticityProblem(request, signingSecret, nowMs);
  if (unauthentic) return refuse(401, unauthentic);
  if (form) {
    const shaped = form.has('command') || isJsonObject(form.get('payload'));
    return shaped ? { ok: true } : refuse(400, 'a form body that is neither a command nor a payload');
  }
  if (mediaType(request.contentType) !== JSON_MEDIA) {
    return refuse(
      400,
      `content type ${request.contentType?.slice(0, 100) ?? '(none)'} is not one Slack sends`,
    );
  }
  const body = parseJson(request.body);
  const isEvent =
    typeof body === 'object' && body !== null && EVENTS_API_TYPES.has((body as { type?: unknown }).type);
  return isEvent ? { ok: true } : refuse(400, 'a JSON body that is not an Events API callback');
}

function authenticityProblem(
  request: InboundRequest,
  signingSecret: string,
  nowMs: number,
): string | undefined {
  if (request.signature === undefined) return 'no signature';
  if (request.timestamp === undefined || !/^\d{1,12}$/.test(request.timestamp)) return 'no valid timestamp';
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(request.timestamp));
  if (skew > MAX_CLOCK_SKEW_SECONDS) return 'timestamp more than five minutes from now';
  try {
    verifySlackRequest({
      signingSecret,
      body: request.body,
      headers: {
        'x-slack-signature': request.signature,
        'x-slack-request-timestamp': Number(request.timestamp),
      },
      nowMilliseconds: nowMs,
    });
    return undefined;
  } catch {
    return 'signature mismatch';
  }
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isJsonObject(text: string | null): boolean {
  const value = text === null ? undefined : parseJson(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * screenSlackRequest on a request as it arrives: its headers (`header` takes a lower-case name) and body.
 * A refusal is logged, with its reason and never the request's content.
 */
export function screenInbound(
  header: (name: string) => string | undefined,
  body: string,
  options: { signingSecret: string; logger: Logger },
): Screening {
  const request = {
    contentType: header('content-type'),
    signature: header('x-slack-signature'),
    timestamp: header('x-slack-request-timestamp'),
    body,
  };
  const verdict = screenSlackRequest(request, options.signingSecret, Date.now());
  if (!verdict.ok) {
    options.logger.warn('refused an inbound request', { status: verdict.status, reason: verdict.reason });
  }
  return verdict;
}

/** Bolt's own limit for a request body. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Wraps the receiver's request listener: a POST to `endpoint` is read, screened, and handed on only if it
 * passes, with its body attached the way Bolt looks for a body it need not read again (`rawBody`).
 * Everything else goes straight to the receiver.
 */
export function screenedListener(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  options: { endpoint: string; signingSecret: string; logger: Logger },
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || path !== options.endpoint) return listener(req, res);
    readBody(req).then(
      (raw) => {
        const header = (name: string) => {
          const value = req.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        const verdict = screenInbound(header, raw.toString('utf8'), options);
        if (!verdict.ok) {
          res.writeHead(verdict.status).end();
          return;
        }
        Object.assign(req, { rawBody: raw }) satisfies BufferedIncomingMessage;
        listener(req, res);
      },
      (error: unknown) => {
        const tooLarge = error instanceof BodyTooLarge;
        options.logger.warn('could not read an inbound request', { error });
        res.writeHead(tooLarge ? 413 : 400).end();
      },
    );
  };
}

class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        reject(new BodyTooLarge(`more than ${BODY_LIMIT_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

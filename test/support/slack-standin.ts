import { setTimeout as sleep } from 'node:timers/promises';
import {
  type SlackStandInOptions as BaseOptions,
  type SlackStandIn as BaseStandIn,
  type SlackApiAnswer,
  startSlackStandIn as startBaseStandIn,
} from '../../src/standins/slack-standin.js';
import { createSocketModeHub, type SocketEnvelopeType, type SocketSendOptions } from './slack-socket-mode.js';

export type {
  EphemeralMessage,
  RecordedView,
  ResponseUrlMessage,
  SharedFile,
  SlackCall,
  StoredMessage,
} from '../../src/standins/slack-standin.js';
export type { SocketEnvelopeType, SocketSendOptions } from './slack-socket-mode.js';

/** A scripted misbehaviour, consumed by the next matching calls before normal processing. */
export interface SlackFault {
  /** e.g. 'chat.postMessage', or '*' for any method. */
  method: string;
  /** Answered as HTTP 200 `{ ok: false, error }`, the way Slack reports API errors. */
  error?: string;
  /** A non-200 HTTP status, e.g. 429 or 500. */
  status?: number;
  /** With status 429: the Retry-After header (default 1). */
  retryAfterSeconds?: number;
  /** Delay before answering; alone, the call is then processed normally. */
  delayMs?: number;
  /** How many calls it applies to; default 1, Infinity allowed. */
  times?: number;
  /** Restrict to calls whose `channel` argument is this. */
  channel?: string;
  /** Restrict to replies in a thread (calls with a `thread_ts`). */
  thread?: true;
}

export interface SlackStandInOptions extends Omit<BaseOptions, 'hooks'> {
  /**
   * If set, apps.connections.open accepts only this app token; otherwise any `xapp-` token. Either way a bot
   * or user token answers not_allowed_token_type, as Slack does.
   */
  appToken?: string;
  /** The app id in Socket Mode's hello message. Default 'A0TEST'. */
  appId?: string;
  /** How often the Socket Mode server pings each connection, as Slack does; 0 turns it off. Default 5000. */
  socketPingIntervalMs?: number;
}

/** The Slack stand-in with injected faults and a Socket Mode server on the same port, for tests. */
export interface SlackStandIn extends BaseStandIn {
  inject(fault: SlackFault): void;
  clearFaults(): void;
  /**
   * Socket Mode: sends an envelope to an open connection (the newest) and resolves with the payload of its
   * ack (`{}` for a bare `ack()`); rejects if none is open, the socket closes first, or no ack comes in time.
   */
  socketSend(type: SocketEnvelopeType, payload: unknown, options?: SocketSendOptions): Promise<unknown>;
  /** True while a Socket Mode client is connected (it has been sent `hello`). */
  socketConnected(): boolean;
  /**
   * Sends Socket Mode's `{ type: 'disconnect', reason }` (default 'refresh_requested', which Slack sends before
   * recycling a server) to every open connection: the client is expected to close it and connect anew.
   * Returns how many connections were asked.
   */
  socketDisconnect(reason?: string): number;
}

interface ActiveFault {
  fault: SlackFault;
  remaining: number;
}

/**
 * The playground's Slack stand-in, plus scripted faults answered before normal processing and a Socket Mode
 * WebSocket server on the same port that the unchanged `@slack/socket-mode` client can connect to.
 */
export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const { appToken, appId, socketPingIntervalMs, ...baseOptions } = options;
  const faults: ActiveFault[] = [];
  // Aborts fault delays on close, so a delayed answer never outlives the server.
  const closing = new AbortController();
  const socketMode = createSocketModeHub({
    appId: appId ?? 'A0TEST',
    pingIntervalMs: socketPingIntervalMs ?? 5_000,
  });
  let socketUrl = '';
  /** Socket Mode's first step: a one-use WebSocket URL for the app token. */
  const openConnection = (token: string | undefined): SlackApiAnswer => {
    const error = appTokenError(appToken, token);
    if (error !== undefined) return { status: 200, body: { ok: false, error }, error };
    return { status: 200, body: { ok: true, url: `${socketUrl}?ticket=${socketMode.issueTicket()}` } };
  };
  const base = await startBaseStandIn({
    ...baseOptions,
    hooks: {
      beforeAnswer: async (method, args, token) => {
        const fault = takeFault(faults, method, args);
        if (fault?.delayMs !== undefined) await sleep(fault.delayMs, undefined, { signal: closing.signal });
        const forced = fault && faultAnswer(fault);
        if (forced) return forced;
        return method === 'apps.connections.open' ? openConnection(token) : undefined;
      },
      upgrade: (req, socket, head) => socketMode.handleUpgrade(req, socket, head),
    },
  });
  socketUrl = `${base.url.replace(/^http/, 'ws')}/socket`;
  return {
    ...base,
    inject: (fault) => {
      faults.push({ fault, remaining: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    socketSend: (type, payload, sendOptions) => socketMode.send(type, payload, sendOptions),
    socketConnected: () => socketMode.connected(),
    socketDisconnect: (reason = 'refresh_requested') => socketMode.disconnect(reason),
    close: () => {
      closing.abort();
      // Upgraded sockets are no longer HTTP connections: closing the server does not reach them.
      socketMode.close();
      return base.close();
    },
  };
}

function takeFault(
  faults: ActiveFault[],
  method: string,
  args: Record<string, unknown>,
): SlackFault | undefined {
  const channel = args.channel;
  const index = faults.findIndex(
    ({ fault }) =>
      (fault.method === '*' || fault.method === method) &&
      (fault.thread === undefined || args.thread_ts !== undefined) &&
      (fault.channel === undefined ||
        fault.channel === (typeof channel === 'number' ? String(channel) : channel)),
  );
  const active = faults[index];
  if (active === undefined) return undefined;
  active.remaining -= 1;
  if (active.remaining <= 0) faults.splice(index, 1);
  return active.fault;
}

/** The answer a fault forces, or undefined when it only delays. */
function faultAnswer(fault: SlackFault): SlackApiAnswer | undefined {
  if (fault.status === 429) {
    // The web-api client needs Retry-After to treat a 429 as retryable (without it, it gives up at once).
    const retryAfter = String(fault.retryAfterSeconds ?? 1);
    const error = fault.error ?? 'ratelimited';
    return { status: 429, body: { ok: false, error }, headers: { 'Retry-After': retryAfter }, error };
  }
  if (fault.status !== undefined) {
    const error = fault.error ?? 'internal_error';
    return { status: fault.status, body: { ok: false, error }, error };
  }
  if (fault.error !== undefined)
    return { status: 200, body: { ok: false, error: fault.error }, error: fault.error };
  return undefined;
}

/** apps.connections.open takes only an app-level token (https://docs.slack.dev/reference/methods/apps.connections.open). */
function appTokenError(expected: string | undefined, token: string | undefined): string | undefined {
  if (token === undefined) return 'not_authed';
  if (!token.startsWith('xapp-')) return /^xox[a-z]-/.test(token) ? 'not_allowed_token_type' : 'invalid_auth';
  return expected === undefined || token === expected ? undefined : 'invalid_auth';
}

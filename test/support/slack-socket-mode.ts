import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptWebSocket, handshakeError, refuseUpgrade, type WebSocketPeer } from './websocket-server.js';

// Slack's side of Socket Mode (https://docs.slack.dev/apis/events-api/using-socket-mode), as
// @slack/socket-mode 3.x expects it: `apps.connections.open` hands out a one-use WebSocket URL; on connect
// the server sends `hello`; each payload arrives as an envelope and is acknowledged by a message carrying
// the same envelope_id (and, for commands and interactions, an optional response payload).

/** The envelope types the stand-in sends; the bot answers both with an ack over the socket. */
export type SocketEnvelopeType = 'slash_commands' | 'interactive';

export interface SocketSendOptions {
  /** Default 3000: Slack shows the user an error when an envelope is not acknowledged within 3 s. */
  timeoutMs?: number;
  /**
   * Default true, as on slash commands; Slack sends false on block_actions, whose ack carries nothing.
   * Bolt 5.1 does not look at it: whatever `ack()` was given is sent back.
   */
  acceptsResponsePayload?: boolean;
}

export interface SocketModeHub {
  /** A ticket for the URL answered by apps.connections.open; each ticket opens one connection. */
  issueTicket(): string;
  /** The server's 'upgrade' listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  send(type: SocketEnvelopeType, payload: unknown, options?: SocketSendOptions): Promise<unknown>;
  connected(): boolean;
  /** Asks every open connection to reconnect, as Slack does before recycling a server; returns how many. */
  disconnect(reason: string): number;
  /** Closes every connection with 1001 (going away). */
  close(): void;
}

interface PendingAck {
  peer: WebSocketPeer;
  resolve(payload: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** What @slack/socket-mode waits for before `start()` resolves (it ignores everything but `type`). */
function helloMessage(appId: string, connections: number): string {
  return JSON.stringify({
    type: 'hello',
    num_connections: connections,
    debug_info: { host: 'slack-standin', build_number: 1, approximate_connection_time: 18_060 },
    connection_info: { app_id: appId },
  });
}

function parseAck(text: string): { envelopeId: string; payload: unknown } | undefined {
  try {
    const message = JSON.parse(text) as { envelope_id?: unknown; payload?: unknown };
    if (typeof message.envelope_id !== 'string') return undefined;
    return { envelopeId: message.envelope_id, payload: message.payload };
  } catch {
    return undefined;
  }
}

export function createSocketModeHub(options: { appId: string; pingIntervalMs: number }): SocketModeHub {
  const tickets = new Set<string>();
  const peers: WebSocketPeer[] = [];
  const pending = new Map<string, PendingAck>();

  const settle = (envelopeId: string): PendingAck | undefined => {
    const waiting = pending.get(envelopeId);
    if (waiting === undefined) return undefined;
    pending.delete(envelopeId);
    clearTimeout(waiting.timer);
    return waiting;
  };

  const onText = (text: string) => {
    const ack = parseAck(text);
    if (ack !== undefined) settle(ack.envelopeId)?.resolve(ack.payload);
  };

  const onClose = (peer: WebSocketPeer, pinger: NodeJS.Timeout | undefined) => {
    clearInterval(pinger);
    peers.splice(peers.indexOf(peer), 1);
    for (const [envelopeId, waiting] of pending) {
      if (waiting.peer !== peer) continue;
      settle(envelopeId)?.reject(
        new Error(`the socket closed before envelope ${envelopeId} was acknowledged`),
      );
    }
  };

  const accept = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let pinger: NodeJS.Timeout | undefined;
    const peer = acceptWebSocket(req, socket, head, {
      onText,
      onClose: () => onClose(peer, pinger),
    });
    peers.push(peer);
    peer.sendText(helloMessage(options.appId, peers.length));
    // Slack pings its connections; once the client has seen one, it expects the next within its
    // serverPingTimeout (30 s) and reconnects otherwise.
    if (options.pingIntervalMs > 0) {
      pinger = setInterval(
        () => peer.ping(Buffer.from(`ping ${Date.now()}`)),
        options.pingIntervalMs,
      ).unref();
    }
  };

  return {
    issueTicket: () => {
      const ticket = randomUUID();
      tickets.add(ticket);
      return ticket;
    },
    handleUpgrade: (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const problem = handshakeError(req);
      if (url.pathname !== '/socket') refuseUpgrade(socket, 404, 'Not Found');
      else if (!tickets.delete(url.searchParams.get('ticket') ?? ''))
        refuseUpgrade(socket, 401, 'Unauthorized');
      else if (problem !== undefined) refuseUpgrade(socket, 400, 'Bad Request', problem);
      else accept(req, socket, head);
    },
    send: (type, payload, { timeoutMs = 3_000, acceptsResponsePayload = true } = {}) => {
      // Slack delivers each envelope to one of the app's open connections; the newest stands in for "any".
      const peer = peers.findLast((candidate) => candidate.open);
      if (peer === undefined) return Promise.reject(new Error('no Socket Mode connection is open'));
      const envelopeId = randomUUID();
      return new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(envelopeId);
          reject(new Error(`envelope ${envelopeId} (${type}) was not acknowledged within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(envelopeId, { peer, resolve, reject, timer });
        const envelope = {
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: acceptsResponsePayload,
        };
        peer.sendText(JSON.stringify(envelope));
      });
    },
    connected: () => peers.some((peer) => peer.open),
    disconnect: (reason) => {
      const open = peers.filter((peer) => peer.open);
      const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'slack-standin' } });
      for (const peer of open) peer.sendText(message);
      return open.length;
    },
    close: () => {
      for (const peer of [...peers]) peer.close(1001, 'stand-in closing');
    },
  };
}

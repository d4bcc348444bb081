import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

// The server half of RFC 6455 (https://www.rfc-editor.org/rfc/rfc6455), just enough for a test stand-in:
// the opening handshake, text messages (fragmented or not), ping/pong and the close handshake.
// No extensions are negotiated, so a client offering permessage-deflate must send plain frames.

// RFC 6455 §1.3: Sec-WebSocket-Accept is base64(SHA-1(Sec-WebSocket-Key + this GUID)).
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** How long a close we started waits for the peer's close frame before dropping the connection. */
const CLOSE_TIMEOUT_MS = 1_000;

const Opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

// RFC 6455 §7.4.1 status codes this server sends.
const CloseCode = { protocolError: 1002, unsupportedData: 1003, invalidPayload: 1007, tooBig: 1009 } as const;

export interface WebSocketHandlers {
  onText(text: string): void;
  onPong?(payload: Buffer): void;
  /** Once, when the TCP connection is gone; `code` is the peer's close code, if it sent one. */
  onClose(code: number | undefined): void;
}

/** One accepted WebSocket connection, seen from the server. */
export interface WebSocketPeer {
  /** True until either side has started the close handshake or the connection dropped. */
  readonly open: boolean;
  sendText(text: string): void;
  ping(payload?: Buffer): void;
  /** Starts the close handshake; the connection is dropped if the peer does not answer within 1 s. */
  close(code?: number, reason?: string): void;
}

interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Why an upgrade request is not a valid WebSocket opening handshake (RFC 6455 §4.2.1), or undefined. */
export function handshakeError(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return 'method must be GET';
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return 'Upgrade must be websocket';
  if (req.headers['sec-websocket-version'] !== '13') return 'Sec-WebSocket-Version must be 13';
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || Buffer.from(key, 'base64').length !== 16) return 'Sec-WebSocket-Key is invalid';
  return undefined;
}

/** Answers an upgrade request with a plain HTTP error and drops the connection. */
export function refuseUpgrade(socket: Duplex, status: number, statusText: string, detail = statusText): void {
  const body = `${detail}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}${HANDSHAKE_GUID}`).digest('base64');
}

/** Frames sent by a server are never masked (RFC 6455 §5.1). */
function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = Buffer.alloc(length < 126 ? 2 : length < 65_536 ? 4 : 10);
  header.writeUInt8(0x80 | opcode, 0);
  if (length < 126) {
    header.writeUInt8(length, 1);
  } else if (length < 65_536) {
    header.writeUInt8(126, 1);
    header.writeUInt16BE(length, 2);
  } else {
    header.writeUInt8(127, 1);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** The payload length and where the masking key starts, or undefined while the header is incomplete. */
function readLength(buffer: Buffer): { length: number; offset: number } | undefined {
  const short = buffer.readUInt8(1) & 0x7f;
  if (short < 126) return { length: short, offset: 2 };
  if (short === 126) return buffer.length < 4 ? undefined : { length: buffer.readUInt16BE(2), offset: 4 };
  if (buffer.length < 10) return undefined;
  const long = buffer.readBigUInt64BE(2);
  if (long > BigInt(MAX_MESSAGE_BYTES)) throw new ProtocolError(CloseCode.tooBig, 'frame too large');
  return { length: Number(long), offset: 10 };
}

/** The first complete frame in `buffer` and the bytes it took, or undefined while it is incomplete. */
function decodeFrame(buffer: Buffer): { frame: Frame; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const header = readLength(buffer);
  if (header === undefined) return undefined;
  const first = buffer.readUInt8(0);
  const masked = (buffer.readUInt8(1) & 0x80) !== 0;
  const dataStart = header.offset + (masked ? 4 : 0);
  const size = dataStart + header.length;
  if (header.length > MAX_MESSAGE_BYTES) throw new ProtocolError(CloseCode.tooBig, 'frame too large');
  if (buffer.length < size) return undefined;
  const payload = Buffer.from(buffer.subarray(dataStart, size));
  if (masked) {
    const mask = buffer.subarray(header.offset, header.offset + 4);
    for (let i = 0; i < payload.length; i += 1) {
      payload.writeUInt8(payload.readUInt8(i) ^ mask.readUInt8(i % 4), i);
    }
  }
  const frame = { fin: (first & 0x80) !== 0, rsv: first & 0x70, opcode: first & 0x0f, masked, payload };
  return { frame, size };
}

function checkFrame(frame: Frame): void {
  // §5.1: a server MUST close the connection on an unmasked client frame.
  if (!frame.masked) throw new ProtocolError(CloseCode.protocolError, 'client frames must be masked');
  if (frame.rsv !== 0) throw new ProtocolError(CloseCode.protocolError, 'no extension was negotiated');
  // §5.5: control frames are never fragmented and carry at most 125 bytes.
  if (frame.opcode >= 0x8 && (!frame.fin || frame.payload.length > 125)) {
    throw new ProtocolError(CloseCode.protocolError, 'invalid control frame');
  }
}

function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ProtocolError(CloseCode.invalidPayload, 'text is not valid UTF-8');
  }
}

function closePayload(code: number | undefined, reason: string): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/** §5.5.1: an empty close frame means "no status" (1005); a one-byte body is malformed. */
function closeCodeOf(payload: Buffer): number | undefined {
  if (payload.length === 0) return undefined;
  if (payload.length === 1) throw new ProtocolError(CloseCode.protocolError, 'malformed close frame');
  return payload.readUInt16BE(0);
}

/**
 * Completes the opening handshake on an 'upgrade' request that passed `handshakeError`, then speaks
 * WebSocket on the socket. `head` is whatever the client sent after its request headers.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  handlers: WebSocketHandlers,
): WebSocketPeer {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(req.headers['sec-websocket-key'] ?? '')}\r\n\r\n`,
  );
  let buffered = Buffer.from(head);
  let message: Buffer[] | undefined;
  let closeSent = false;
  let closeReceived = false;
  let peerCode: number | undefined;
  let dropTimer: NodeJS.Timeout | undefined;

  const send = (opcode: number, payload: Buffer) => {
    if (!socket.destroyed && !closeSent) socket.write(encodeFrame(opcode, payload));
  };

  // §7.1.1: the server closes TCP first once both close frames are exchanged; a silent peer is dropped.
  const finish = () => {
    socket.end();
    clearTimeout(dropTimer);
    dropTimer = setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS).unref();
  };

  const sendClose = (code: number | undefined, reason = '') => {
    if (closeSent || socket.destroyed) return;
    socket.write(encodeFrame(Opcode.close, closePayload(code, reason)));
    closeSent = true;
    if (closeReceived) finish();
    else dropTimer = setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS).unref();
  };

  const onMessageFrame = (frame: Frame) => {
    if (frame.opcode === Opcode.continuation && message === undefined) {
      throw new ProtocolError(CloseCode.protocolError, 'continuation without a message');
    }
    if (frame.opcode !== Opcode.continuation && message !== undefined) {
      throw new ProtocolError(CloseCode.protocolError, 'new message inside a fragmented one');
    }
    if (frame.opcode === Opcode.binary) {
      throw new ProtocolError(CloseCode.unsupportedData, 'binary messages are not supported');
    }
    message = [...(message ?? []), frame.payload];
    if (message.reduce((total, part) => total + part.length, 0) > MAX_MESSAGE_BYTES) {
      throw new ProtocolError(CloseCode.tooBig, 'message too large');
    }
    if (!frame.fin) return;
    const text = decodeText(Buffer.concat(message));
    message = undefined;
    handlers.onText(text);
  };

  const onFrame = (frame: Frame) => {
    checkFrame(frame);
    switch (frame.opcode) {
      case Opcode.ping:
        send(Opcode.pong, frame.payload);
        return;
      case Opcode.pong:
        handlers.onPong?.(frame.payload);
        return;
      case Opcode.close:
        closeReceived = true;
        peerCode = closeCodeOf(frame.payload);
        if (closeSent) finish();
        else sendClose(peerCode);
        return;
      case Opcode.continuation:
      case Opcode.text:
      case Opcode.binary:
        // After our close frame, data from the peer is read and ignored (§5.5.1).
        if (!closeSent) onMessageFrame(frame);
        return;
      default:
        throw new ProtocolError(CloseCode.protocolError, `unknown opcode ${frame.opcode}`);
    }
  };

  const drain = () => {
    try {
      for (let next = decodeFrame(buffered); next !== undefined; next = decodeFrame(buffered)) {
        buffered = buffered.subarray(next.size);
        onFrame(next.frame);
        if (closeReceived) return;
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      sendClose(error.code, error.message);
      buffered = Buffer.alloc(0);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    if (closeReceived) return;
    buffered = Buffer.concat([buffered, chunk]);
    drain();
  });
  // A peer killed mid-connection resets it; that is an ordinary way for a test connection to end.
  socket.on('error', () => socket.destroy());
  // HTTP server sockets allow half-open connections: without this, a peer that just hangs up would linger.
  socket.once('end', () => socket.end());
  socket.once('close', () => {
    clearTimeout(dropTimer);
    closeSent = true;
    handlers.onClose(peerCode);
  });
  if (buffered.length > 0) queueMicrotask(drain);

  return {
    get open() {
      return !closeSent && !closeReceived && !socket.destroyed;
    },
    sendText: (text) => send(Opcode.text, Buffer.from(text, 'utf8')),
    ping: (payload = Buffer.alloc(0)) => send(Opcode.ping, payload),
    close: (code = 1000, reason = '') => sendClose(code, reason),
  };
}

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { API_PREFIX, type ApiRequest, type ApiResponse, MAX_BODY_BYTES } from './api.js';

export type ApiHandler = (request: ApiRequest) => Promise<ApiResponse>;

/** How much of an oversized body is read (and dropped) before the connection is cut instead. */
const MAX_DRAINED_BYTES = 16 * MAX_BODY_BYTES;

/**
 * Sends requests under `/api/` to the pipeline API and everything else to `next` (Bolt). The body is kept
 * up to MAX_BODY_BYTES: past that, the rest is read and dropped, and the API answers 413.
 * `api` is looked up per request: the services behind it are composed after the server is made.
 */
export function apiListener(api: () => ApiHandler | undefined, next: RequestListener): RequestListener {
  return (req, res) => {
    const handler = api();
    if (!handler || !(req.url ?? '').startsWith(API_PREFIX)) {
      next(req, res);
      return;
    }
    answer(handler, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}

async function answer(handler: ApiHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { body, tooLarge } = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const response = await handler({
    method: req.method ?? 'GET',
    path: url.pathname,
    header: (name) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
    body,
    ...(tooLarge ? { bodyTooLarge: true } : {}),
  });
  res.writeHead(response.status, { ...response.headers, ...(tooLarge ? { connection: 'close' } : {}) });
  res.end(response.body);
}

/**
 * A body past MAX_BODY_BYTES is not kept, but it is read to its end (up to MAX_DRAINED_BYTES) before the
 * answer: a client still sending would otherwise lose the 413 to a broken pipe.
 */
function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_DRAINED_BYTES) {
        req.destroy();
        return;
      }
      if (length <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const tooLarge = length > MAX_BODY_BYTES;
      resolve({ body: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge });
    });
    req.on('error', reject);
    req.on('close', () => reject(new Error('the request closed before its body ended')));
  });
}

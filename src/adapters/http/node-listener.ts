import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { API_PREFIX, type ApiRequest, type ApiResponse, MAX_BODY_BYTES } from './api.js';

export type ApiHandler = (request: ApiRequest) => Promise<ApiResponse>;

/**
 * Sends requests under `/api/` to the pipeline API and everything else to `next` (Bolt). The body is read
 * up to MAX_BODY_BYTES: past that, reading stops and the API answers 413 without holding the rest.
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
  // A body left unread is not waited for: the connection closes after the answer.
  res.writeHead(response.status, { ...response.headers, ...(tooLarge ? { connection: 'close' } : {}) });
  res.end(response.body);
}

function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      resolve({ body: '', tooLarge: true });
      return;
    }
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve({ body: '', tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), tooLarge: false }));
    req.on('error', reject);
  });
}

import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './loopback-server.js';

/**
 * A local stand-in for S3's ListObjectsV2 (REST-XML, path-style addressing: `GET /<bucket>?list-type=2`),
 * good enough for the real `@aws-sdk/client-s3` with `forcePathStyle: true`. Keys are listed in UTF-8
 * binary order as S3 lists them, at most `max-keys` (1,000 by default) a page, continued by an opaque
 * token. Objects are put and deleted by the test helpers, not over HTTP. Faults through `beforeAnswer`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */

export interface S3Call {
  operation: 'list';
  bucket: string;
  prefix: string;
  continuationToken?: string;
  status: number;
  errorCode?: string;
  /** keys in the answer */
  keys: number;
}

export interface S3StandInOptions {
  /**
   * Called before each call is answered; an S3 error code it resolves with (`SlowDown`, `InternalError`,
   * `AccessDenied`) is the answer instead. It may take its time (a delay).
   */
  beforeAnswer?: (call: { operation: 'list'; bucket: string }) => Promise<string | undefined>;
  /** default 0 (random) */
  port?: number;
}

export interface S3StandIn {
  /** e.g. http://127.0.0.1:PORT, the client's `endpoint` */
  url: string;
  calls: S3Call[];
  /** Writes an object (the bucket comes to be); returns its ETag, quoted as S3 gives it. */
  putObject(bucket: string, key: string, body: string): string;
  /** Removes an object; nothing when there is none. */
  deleteObject(bucket: string, key: string): void;
  close(): Promise<void>;
}

interface StoredObject {
  etag: string;
  size: number;
  lastModified: Date;
}

const MAX_KEYS = 1000;
const NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  InternalError: 500,
  NoSuchBucket: 404,
  SlowDown: 503,
  InvalidArgument: 400,
};

export async function startS3StandIn(options: S3StandInOptions = {}): Promise<S3StandIn> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const calls: S3Call[] = [];
  /** continuation tokens given out: token → the last key of the page it follows */
  const tokens = new Map<string, string>();
  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const bucket = decodeURIComponent(url.pathname.slice(1).split('/')[0] ?? '');
    if (req.method !== 'GET' || url.searchParams.get('list-type') !== '2' || bucket === '') {
      sendError(res, 'NotImplemented', `${req.method} ${url.pathname} is not answered here`, 501);
      return;
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    const token = url.searchParams.get('continuation-token') ?? undefined;
    const call: S3Call = {
      operation: 'list',
      bucket,
      prefix,
      ...(token === undefined ? {} : { continuationToken: token }),
      status: 0,
      keys: 0,
    };
    calls.push(call);
    const fault = await options.beforeAnswer?.({ operation: 'list', bucket });
    const objects = buckets.get(bucket);
    const after = token === undefined ? undefined : tokens.get(token);
    const problem = fault ?? (objects === undefined ? 'NoSuchBucket' : undefined);
    if (problem !== undefined || (token !== undefined && after === undefined)) {
      const code = problem ?? 'InvalidArgument';
      call.status = ERROR_STATUS[code] ?? 500;
      call.errorCode = code;
      sendError(
        res,
        code,
        code === 'InvalidArgument' ? 'The continuation token provided is incorrect' : code,
      );
      return;
    }
    const maxKeys = Math.min(Number(url.searchParams.get('max-keys') ?? MAX_KEYS) || MAX_KEYS, MAX_KEYS);
    const page = listPage(objects ?? new Map(), prefix, after, maxKeys);
    let next: string | undefined;
    if (page.truncated) {
      next = randomUUID();
      tokens.set(next, page.entries[page.entries.length - 1]?.[0] ?? '');
    }
    call.status = 200;
    call.keys = page.entries.length;
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end(listXml(bucket, prefix, maxKeys, page.entries, token, next));
  }

  const url = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
  return {
    url,
    calls,
    putObject(bucket, key, body) {
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      const objects = buckets.get(bucket) ?? new Map<string, StoredObject>();
      objects.set(key, { etag, size: Buffer.byteLength(body), lastModified: new Date() });
      buckets.set(bucket, objects);
      return etag;
    },
    deleteObject(bucket, key) {
      buckets.get(bucket)?.delete(key);
    },
    close: () => closeServer(server),
  };
}

/** One page of keys under `prefix` after `after`, in UTF-8 binary order (S3's). */
function listPage(
  objects: ReadonlyMap<string, StoredObject>,
  prefix: string,
  after: string | undefined,
  maxKeys: number,
): { entries: Array<[string, StoredObject]>; truncated: boolean } {
  const matching = [...objects]
    .filter(([key]) => key.startsWith(prefix) && (after === undefined || byteOrder(key, after) > 0))
    .sort(([a], [b]) => byteOrder(a, b));
  return { entries: matching.slice(0, maxKeys), truncated: matching.length > maxKeys };
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function listXml(
  bucket: string,
  prefix: string,
  maxKeys: number,
  entries: ReadonlyArray<[string, StoredObject]>,
  token: string | undefined,
  next: string | undefined,
): string {
  const contents = entries
    .map(
      ([key, object]) =>
        `<Contents><Key>${escapeXml(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified>` +
        `<ETag>${escapeXml(object.etag)}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="${NAMESPACE}">` +
    `<Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${entries.length}</KeyCount>` +
    `<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${next !== undefined}</IsTruncated>${contents}` +
    (token === undefined ? '' : `<ContinuationToken>${escapeXml(token)}</ContinuationToken>`) +
    (next === undefined ? '' : `<NextContinuationToken>${next}</NextContinuationToken>`) +
    '</ListBucketResult>'
  );
}

function sendError(
  res: ServerResponse,
  code: string,
  message: string,
  status = ERROR_STATUS[code] ?? 500,
): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
      `<RequestId>${randomUUID()}</RequestId></Error>`,
  );
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

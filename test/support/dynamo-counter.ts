import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One DynamoDB call that went through the counter. */
export interface DynamoCall {
  /** the operation, from `X-Amz-Target` (`DynamoDB_20120810.UpdateItem` → `UpdateItem`) */
  operation: string;
  /** the item's `pk` for single-item calls (GetItem, PutItem, UpdateItem, DeleteItem), else undefined */
  pk?: string;
  /** ms since the counter started */
  atMs: number;
}

/** The operations that write an item. */
export const WRITES: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

export interface DynamoCounter {
  /** point AWS_ENDPOINT_URL_DYNAMODB here */
  url: string;
  calls: DynamoCall[];
  /** calls per operation, optionally only those that `match` */
  counts(match?: (call: DynamoCall) => boolean): Record<string, number>;
  /** write calls (PutItem, UpdateItem, …), optionally only those that `match` */
  writes(match?: (call: DynamoCall) => boolean): DynamoCall[];
  reset(): void;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a local DynamoDB (dynalite) that records every call by its
 * `X-Amz-Target` and, for single-item calls, the item's key: how many reads and writes a piece of the bot
 * costs, counted from outside the bot. Requests and answers pass through unchanged (the SDK signs the
 * request for the host it names, which dynalite does not check).
 */
export async function startDynamoCounter(targetUrl: string): Promise<DynamoCounter> {
  const target = new URL(targetUrl);
  const started = performance.now();
  const calls: DynamoCall[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      calls.push(describe(incoming.headers, body, performance.now() - started));
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const select = (match?: (call: DynamoCall) => boolean) => (match ? calls.filter(match) : calls);
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    counts: (match) => {
      const counts: Record<string, number> = {};
      for (const call of select(match)) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
      return counts;
    },
    writes: (match) => select(match).filter((call) => WRITES.has(call.operation)),
    reset: () => {
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function describe(headers: IncomingHttpHeaders, body: Buffer, atMs: number): DynamoCall {
  const target = String(headers['x-amz-target'] ?? '');
  const operation = target.slice(target.indexOf('.') + 1) || 'unknown';
  const call: DynamoCall = { operation, atMs };
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      Key?: { pk?: { S?: string } };
      Item?: { pk?: { S?: string } };
    };
    const pk = parsed.Key?.pk?.S ?? parsed.Item?.pk?.S;
    if (pk !== undefined) call.pk = pk;
  } catch {
    // Not JSON: counted by operation only.
  }
  return call;
}

import { createServer, request } from 'node:http';

export interface CountingProxy {
  url: string;
  /** how many requests of a DynamoDB operation (`DescribeTable`, `Query`, …) went through so far */
  count(operation: string): number;
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 120_000;

/**
 * A loopback HTTP proxy in front of dynalite that counts DynamoDB requests by operation (the name in the
 * `X-Amz-Target` header), so a test can see how many calls the bot makes for what it does.
 */
export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // As dynalite's: an idle socket closed just as the SDK reuses it would fail that call.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    count: (operation) => counts.get(operation) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface EmbeddedDynamoDb {
  endpoint: string;
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 120_000;

/**
 * Starts the embedded DynamoDB-compatible store (dynalite on LevelDB) on loopback, with its data on disk in
 * `dataDir` so that it survives restarts. Used when no TABLE_NAME is configured.
 */
export async function startEmbeddedDynamoDb(dataDir: string): Promise<EmbeddedDynamoDb> {
  await mkdir(dataDir, { recursive: true });
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Idle keep-alive sockets outlive the SDK's use of them, so a call never lands on one being closed.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll } from 'vitest';

export interface LocalDynamoDb {
  endpoint: string;
  /** a new SDK client for it (the caller destroys it), with the made-up credentials dynalite accepts */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 120_000;

/** An in-memory DynamoDB on loopback, shared by every bot process a test starts. */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Idle keep-alive sockets stay open longer than the SDK keeps them: closing one just as a client reuses
  // it would fail that call with "socket hang up" (the bots run with AWS_MAX_ATTEMPTS=1, so no retry).
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    client: () =>
      new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * One dynalite for the enclosing `describe` block: started before its tests and closed after them, with
 * one client. The function returned gives that client, from inside a test or a hook.
 */
export function useDynalite(): () => DynamoDBClient {
  let dynamo: LocalDynamoDb | undefined;
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    dynamo = await startDynalite();
    client = dynamo.client();
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });
  return () => {
    if (!client) throw new Error('dynalite is not started: call its client inside a test or a hook');
    return client;
  };
}

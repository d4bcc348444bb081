import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitBackgroundCalls } from '../../../../src/adapters/aws/dynamodb/call-priority.js';
import { ahead } from '../../../../src/adapters/system/ahead.js';

/** DynamoDB's JSON protocol on loopback, answering GetItem after `delayMs`, counting calls in flight. */
function slowDynamoDb(delayMs: number) {
  const seen = { inFlight: 0, most: 0, order: [] as string[] };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.inFlight += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      const key = (JSON.parse(body) as { Key: { pk: { S: string } } }).Key.pk.S;
      seen.order.push(`start ${key}`);
      setTimeout(() => {
        seen.inFlight -= 1;
        seen.order.push(`end ${key}`);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ Item: { pk: { S: key } } }));
      }, delayMs);
    });
  });
  return { server, seen };
}

describe('DynamoDB calls: the acknowledgements’ first, the background’s a few at a time', () => {
  let server: Server;
  let seen: ReturnType<typeof slowDynamoDb>['seen'];
  let client: DynamoDBClient;

  beforeAll(async () => {
    ({ server, seen } = slowDynamoDb(100));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'local',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    limitBackgroundCalls(client, 2);
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (key: string) =>
    client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: key } } })).then((r) => r.Item?.pk?.S);

  it('keeps at most the limit of background calls in flight, and answers every one', async () => {
    seen.order.length = 0;
    seen.most = 0;
    const keys = Array.from({ length: 7 }, (_, i) => `bg${i}`);
    expect(await Promise.all(keys.map(get))).toEqual(keys);
    expect(seen.most).toBe(2);
  });

  it('sends a call made ahead at once, past the background calls waiting for a place', async () => {
    seen.order.length = 0;
    seen.most = 0;
    const background = Array.from({ length: 6 }, (_, i) => get(`bg${i}`));
    while (seen.inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await ahead(() => get('ack'))).toBe('ack');
    // It started beside the two background calls in flight, while four waited for a place.
    expect(seen.order.indexOf('start ack')).toBe(2);
    expect(seen.most).toBe(3);
    await Promise.all(background);
    expect(seen.most).toBe(3);
  });

  it('lets a failed background call give its place back', async () => {
    const failing = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'local',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    limitBackgroundCalls(failing, 1);
    const tries = Array.from({ length: 3 }, () =>
      failing.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } })).then(
        () => 'answered',
        () => 'failed',
      ),
    );
    expect(await Promise.all(tries)).toEqual(['failed', 'failed', 'failed']);
    failing.destroy();
  });
});

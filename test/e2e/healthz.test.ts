import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HEALTH_CHECK_CACHE_MS } from '../../src/adapters/system/health-cache.js';
import type { BotProcess } from '../support/bot-process.js';
import { type DynamoCounter, startDynamoCounter } from '../support/dynamo-counter.js';
import { type Stack, startStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The readiness check is the bot's only DynamoDB DescribeTable once it has started.
const CHECK = 'DescribeTable';

describe('/healthz against a flood', () => {
  let stack: Stack;
  let proxy: DynamoCounter;
  let bot: BotProcess;

  beforeAll(async () => {
    vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
    stack = await startStack();
    proxy = await startDynamoCounter(stack.dynamo.endpoint);
    bot = await stack.startBot({ AWS_ENDPOINT_URL_DYNAMODB: proxy.url });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await stack?.close();
    await proxy?.close();
  });

  const checks = () => proxy.counts()[CHECK] ?? 0;
  const health = async () => (await fetch(`${bot.url}/healthz`)).status;

  it('answers a hundred concurrent checks with one DynamoDB call', async () => {
    // Whatever answer start-up left has run out.
    await sleep(HEALTH_CHECK_CACHE_MS + 200);
    const before = checks();
    const answers = await Promise.all(Array.from({ length: 100 }, health));
    expect(answers).toEqual(Array(100).fill(200));
    expect(checks() - before).toBe(1);
  });

  it('makes at most one DynamoDB call per window under a steady flood', async () => {
    const before = checks();
    const started = Date.now();
    let answered = 0;
    while (Date.now() - started < 2 * HEALTH_CHECK_CACHE_MS) {
      const answers = await Promise.all(Array.from({ length: 20 }, health));
      answered += answers.filter((status) => status === 200).length;
    }
    const windows = Math.ceil((Date.now() - started) / HEALTH_CHECK_CACHE_MS);
    expect(answered).toBeGreaterThan(100);
    expect(checks() - before).toBeLessThanOrEqual(windows + 1);
  });

  it('reports a table that went away within the window', async () => {
    expect(await health()).toBe(200);
    const client = stack.dynamo.client();
    try {
      await client.send(new DeleteTableCommand({ TableName: stack.tableName }));
    } finally {
      client.destroy();
    }
    const gone = Date.now();
    let status = await health();
    while (status === 200 && Date.now() - gone < 3 * HEALTH_CHECK_CACHE_MS) {
      await sleep(100);
      status = await health();
    }
    expect(status).toBe(503);
    // The window, plus one check's own time on loopback.
    expect(Date.now() - gone).toBeLessThan(HEALTH_CHECK_CACHE_MS + 1_000);
    // A failure is kept too: a flood while the table is gone still makes one call per window.
    const before = checks();
    const answers = await Promise.all(Array.from({ length: 50 }, health));
    expect(answers).toEqual(Array(50).fill(503));
    expect(checks() - before).toBeLessThanOrEqual(1);
  });
});

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureTable } from '../../../src/adapters/aws/dynamodb/ensure-table.js';
import { DynamoDbOriginChanges } from '../../../src/adapters/aws/dynamodb/origin-changes.js';
import { Table } from '../../../src/adapters/aws/dynamodb/table.js';
import { SqsOriginEvents } from '../../../src/adapters/aws/sqs-events.js';
import type { OriginEvent } from '../../../src/core/origin.js';
import { type SqsStandInOptions, startSqsStandIn } from '../../../src/standins/sqs-standin.js';
import type { Logger, OriginChanges, RecordedEvents } from '../../../src/usecases/ports.js';
import { useDynalite } from '../../support/dynalite.js';

const NOW = '2026-12-07T10:00:00.000Z';
const LATER = '2026-12-07T10:05:00.000Z';
const clock = { now: () => NOW };

const dynamoClient = useDynalite();
let table: Table;
let buckets = 0;

beforeAll(async () => {
  await ensureTable(dynamoClient(), 'events');
  table = new Table(dynamoClient(), 'events');
});

/** A logger that keeps what it was told. */
function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields?: object }> } {
  const lines: Array<{ level: string; message: string; fields?: object }> = [];
  const log = (level: string) => (message: string, fields?: object) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

async function setup(options: SqsStandInOptions = {}) {
  const standIn = await startSqsStandIn(options);
  const sqs = new SQSClient({
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  onTestFinished(async () => {
    sqs.destroy();
    await standIn.close();
  });
  const queueUrl = standIn.queueUrl(`origin-${++buckets}`);
  return { standIn, sqs, queueUrl, bucket: `queued-${buckets}` };
}

const EVENT_TIME = '2026-12-07T09:59:00Z';

function eventBody(bucket: string, key: string, sequencer: string, type = 'Object Created'): string {
  return JSON.stringify({
    version: '0',
    id: `id-${key}-${sequencer}`,
    'detail-type': type,
    source: 'aws.s3',
    account: '111122223333',
    time: EVENT_TIME,
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 1, etag: `etag${sequencer}`, sequencer },
      'request-id': 'R',
      requester: '111122223333',
      reason: 'PutObject',
    },
  });
}

/** The store, but the first `failures` records throw as a store that cannot be reached would. */
function failingFirst(store: OriginChanges, failures: number): OriginChanges & { calls: number } {
  let left = failures;
  const failing = {
    calls: 0,
    period: store.period.bind(store),
    claimQuiet: store.claimQuiet.bind(store),
    changesIn: store.changesIn.bind(store),
    async record(events: readonly OriginEvent[], now: string): Promise<RecordedEvents> {
      failing.calls += 1;
      if (left > 0) {
        left -= 1;
        throw new Error('store unreachable');
      }
      return store.record(events, now);
    },
  };
  return failing;
}

describe('origin events from an SQS queue', () => {
  it('records the events of a long poll, each key once, then deletes their messages', async () => {
    const { standIn, sqs, queueUrl, bucket } = await setup();
    const changes = new DynamoDbOriginChanges(table);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: eventBody(bucket, 'a.html', '02') }),
    );
    standIn.send(queueUrl, eventBody(bucket, 'a.html', '01'));
    standIn.send(queueUrl, eventBody(bucket, 'a.html', '02'));
    standIn.send(queueUrl, eventBody(bucket, 'b.html', '01', 'Object Deleted'));
    const events = new SqsOriginEvents(sqs, changes, clock, recordingLogger(), { queueUrl, waitSeconds: 1 });
    expect(await events.pollOnce()).toEqual({ received: 4, events: 4, malformed: 0 });
    expect(standIn.messages(queueUrl)).toEqual([]);
    const claimed = await changes.claimQuiet(bucket, LATER, 60_000);
    expect(claimed?.changes.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'a.html', kind: 'created', at: EVENT_TIME },
      { key: 'b.html', kind: 'deleted', at: EVENT_TIME },
    ]);
  });

  it("reads S3's own notifications too: several records a message, keys decoded, the test event deleted", async () => {
    const { standIn, sqs, queueUrl, bucket } = await setup();
    const changes = new DynamoDbOriginChanges(table);
    const s3Record = (eventName: string, key: string, sequencer: string) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: EVENT_TIME,
      eventName,
      s3: { s3SchemaVersion: '1.0', bucket: { name: bucket }, object: { key, sequencer } },
    });
    standIn.send(queueUrl, JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bucket }));
    standIn.send(
      queueUrl,
      JSON.stringify({
        Records: [
          s3Record('ObjectCreated:Put', 'docs/red+flower.html', '01'),
          s3Record('ObjectRemoved:Delete', 'docs/caf%C3%A9.html', '01'),
        ],
      }),
    );
    const logger = recordingLogger();
    const events = new SqsOriginEvents(sqs, changes, clock, logger, { queueUrl, waitSeconds: 1 });
    expect(await events.pollOnce()).toEqual({ received: 2, events: 2, malformed: 0 });
    expect(standIn.messages(queueUrl)).toEqual([]);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
    const claimed = await changes.claimQuiet(bucket, LATER, 60_000);
    expect(claimed?.changes.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'docs/café.html', kind: 'deleted', at: EVENT_TIME },
      { key: 'docs/red flower.html', kind: 'created', at: EVENT_TIME },
    ]);
  });

  it('waits on an empty queue for the next message (a long poll)', async () => {
    const { standIn, sqs, queueUrl, bucket } = await setup();
    const events = new SqsOriginEvents(sqs, new DynamoDbOriginChanges(table), clock, recordingLogger(), {
      queueUrl,
      waitSeconds: 5,
    });
    const started = Date.now();
    setTimeout(() => standIn.send(queueUrl, eventBody(bucket, 'late.html', '01')), 300);
    expect(await events.pollOnce()).toMatchObject({ received: 1, events: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(standIn.calls.find((call) => call.operation === 'ReceiveMessage')?.messageIds).toHaveLength(1);
  });

  it('deletes nothing when recording fails, and records the redelivered messages after the visibility timeout', async () => {
    const { standIn, sqs, queueUrl, bucket } = await setup({ visibilityTimeoutSeconds: 1 });
    const changes = new DynamoDbOriginChanges(table);
    const store = failingFirst(changes, 1);
    standIn.send(queueUrl, eventBody(bucket, 'a.html', '01'));
    standIn.send(queueUrl, eventBody(bucket, 'b.html', '01'));
    const events = new SqsOriginEvents(sqs, store, clock, recordingLogger(), { queueUrl, waitSeconds: 3 });
    await expect(events.pollOnce()).rejects.toThrow('store unreachable');
    expect(standIn.calls.some((call) => call.operation.startsWith('Delete'))).toBe(false);
    expect(standIn.messages(queueUrl).map((message) => message.receiveCount)).toEqual([1, 1]);
    // Invisible for a second, then delivered again and recorded.
    expect(await events.pollOnce()).toMatchObject({ received: 2, events: 2 });
    expect(standIn.messages(queueUrl)).toEqual([]);
    expect((await changes.claimQuiet(bucket, LATER, 60_000))?.changes).toHaveLength(2);
  });

  it('leaves the messages when the delete fails, and a redelivery records nothing twice', async () => {
    let failDeletes = true;
    const { standIn, sqs, queueUrl, bucket } = await setup({
      visibilityTimeoutSeconds: 1,
      beforeAnswer: async ({ operation }) =>
        operation === 'DeleteMessageBatch' && failDeletes ? 'InternalError' : undefined,
    });
    const changes = new DynamoDbOriginChanges(table);
    standIn.send(queueUrl, eventBody(bucket, 'a.html', '01'));
    const events = new SqsOriginEvents(sqs, changes, clock, recordingLogger(), { queueUrl, waitSeconds: 3 });
    await expect(events.pollOnce()).rejects.toMatchObject({ name: 'InternalError' });
    expect(standIn.messages(queueUrl)).toHaveLength(1);
    failDeletes = false;
    expect(await events.pollOnce()).toMatchObject({ received: 1, events: 1 });
    expect(standIn.messages(queueUrl)).toEqual([]);
    expect((await changes.claimQuiet(bucket, LATER, 60_000))?.changes).toEqual([
      { key: 'a.html', kind: 'created', at: EVENT_TIME },
    ]);
  });

  it('deletes a message that is not an S3 object event, with a warning that names it', async () => {
    const { standIn, sqs, queueUrl, bucket } = await setup();
    const logger = recordingLogger();
    const id = standIn.send(queueUrl, '{"Records":[{"eventSource":"aws:s3"}]}');
    standIn.send(queueUrl, eventBody(bucket, 'a.html', '01'));
    const events = new SqsOriginEvents(sqs, new DynamoDbOriginChanges(table), clock, logger, {
      queueUrl,
      waitSeconds: 1,
    });
    expect(await events.pollOnce()).toEqual({ received: 2, events: 1, malformed: 1 });
    expect(standIn.messages(queueUrl)).toEqual([]);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ messageId: id }) }),
    ]);
  });

  it('keeps polling after a failed receive, until stopped', async () => {
    let receives = 0;
    const { standIn, sqs, queueUrl, bucket } = await setup({
      beforeAnswer: async ({ operation }) => {
        if (operation !== 'ReceiveMessage') return undefined;
        receives += 1;
        return receives === 1 ? 'InternalError' : undefined;
      },
    });
    const changes = new DynamoDbOriginChanges(table);
    standIn.send(queueUrl, eventBody(bucket, 'a.html', '01'));
    const logger = recordingLogger();
    const events = new SqsOriginEvents(sqs, changes, clock, logger, {
      queueUrl,
      waitSeconds: 1,
      retryDelayMs: 50,
    });
    const stop = new AbortController();
    const running = events.run(stop.signal);
    await until(() => standIn.messages(queueUrl).length === 0);
    stop.abort();
    await running;
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(1);
    expect(await changes.period(bucket)).toMatchObject({ pending: true });
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

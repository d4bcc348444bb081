import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startS3StandIn } from '../../src/standins/s3-standin.js';
import { type SqsStandInOptions, startSqsStandIn } from '../../src/standins/sqs-standin.js';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };

async function sqsSetup(options: SqsStandInOptions = {}) {
  const standIn = await startSqsStandIn(options);
  const sqs = new SQSClient({ endpoint: standIn.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  onTestFinished(async () => {
    sqs.destroy();
    await standIn.close();
  });
  return { standIn, sqs, queueUrl: standIn.queueUrl('events') };
}

describe('the SQS stand-in', () => {
  it('speaks JSON 1.0 with X-Amz-Target, with the MD5 of each body the SDK checks', async () => {
    const { standIn, sqs, queueUrl } = await sqsSetup();
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'héllo' }));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(received.Messages?.map((message) => [message.MessageId, message.Body])).toEqual([
      [sent.MessageId, 'héllo'],
    ]);
    expect(standIn.calls.map((call) => call.operation)).toEqual(['SendMessage', 'ReceiveMessage']);
  });

  it('hands a message to one receiver at a time, and deletes it only by its latest receipt handle', async () => {
    const { standIn, sqs, queueUrl } = await sqsSetup();
    standIn.send(queueUrl, 'one');
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 30 }));
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(third.Messages ?? []).toEqual([]);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
    );
    expect(standIn.messages(queueUrl)).toEqual([expect.objectContaining({ body: 'one', receiveCount: 2 })]);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second.Messages?.[0]?.ReceiptHandle }),
    );
    expect(standIn.messages(queueUrl)).toEqual([]);
  });

  it('answers an injected fault as SQS would, and an unknown queue with QueueDoesNotExist', async () => {
    const { sqs, queueUrl } = await sqsSetup({ beforeAnswer: async () => 'RequestThrottled' });
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).rejects.toMatchObject({
      name: 'RequestThrottled',
    });
    const other = await startSqsStandIn();
    onTestFinished(() => other.close());
    const missing = new SQSClient({ endpoint: other.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    onTestFinished(() => missing.destroy());
    await expect(
      missing.send(new ReceiveMessageCommand({ QueueUrl: `${other.url}/000000000000/nowhere` })),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });
});

describe('the S3 stand-in', () => {
  it('answers ListObjectsV2 path-style, NoSuchBucket for a bucket never written', async () => {
    const standIn = await startS3StandIn();
    const s3 = new S3Client({
      endpoint: standIn.url,
      region: 'us-east-1',
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    onTestFinished(async () => {
      s3.destroy();
      await standIn.close();
    });
    const etag = standIn.putObject('site', 'a/b.html', 'body');
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'site', Prefix: 'a/', MaxKeys: 5 }));
    expect(page.Contents?.map((object) => [object.Key, object.ETag, object.Size])).toEqual([
      ['a/b.html', etag, 4],
    ]);
    expect(page.IsTruncated).toBe(false);
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'other' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    expect(standIn.calls.map((call) => [call.bucket, call.status])).toEqual([
      ['site', 200],
      ['other', 404],
    ]);
  });
});

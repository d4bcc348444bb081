import { describe, expect, it } from 'vitest';
import { decodeNotificationKey, parseOriginMessage } from '../../../src/adapters/aws/origin-events.js';
import type { OriginEvent } from '../../../src/core/origin.js';

/** An event as S3 sends it to EventBridge (the shape of the S3 User Guide's "Object created" example). */
function objectCreated(key: string, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2021-11-12T00:00:00Z',
    region: 'ca-central-1',
    resources: ['arn:aws:s3:::amzn-s3-demo-bucket1'],
    detail: {
      version: '0',
      bucket: { name: 'amzn-s3-demo-bucket1' },
      object: { key, size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '617f08299329d189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
    ...overrides,
  };
}

function objectDeleted(key: string) {
  return {
    ...objectCreated(key),
    'detail-type': 'Object Deleted',
    detail: {
      version: '0',
      bucket: { name: 'amzn-s3-demo-bucket1' },
      object: { key, sequencer: '617f0837b476e463' },
      'request-id': '0BH729840619AG5K',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'DeleteObject',
      'deletion-type': 'Delete Marker Created',
    },
  };
}

/** The one event a message holds, or why it holds none. */
function parseOriginEvent(input: unknown) {
  const parsed = parseOriginMessage(input);
  if (!parsed.ok) return parsed;
  const [event, ...more] = parsed.value;
  expect(event).toBeDefined();
  expect(more).toEqual([]);
  return { ok: true as const, value: event as OriginEvent };
}

describe('EventBridge S3 events', () => {
  it('reads an Object Created event', () => {
    expect(parseOriginEvent(objectCreated('example-key'))).toEqual({
      ok: true,
      value: {
        bucket: 'amzn-s3-demo-bucket1',
        key: 'example-key',
        kind: 'created',
        sequencer: '617f08299329d189',
        etag: 'b1946ac92492d2347c6235b4d2611184',
        time: '2021-11-12T00:00:00Z',
      },
    });
  });

  it('reads an Object Deleted event, which has no ETag', () => {
    const parsed = parseOriginEvent(objectDeleted('docs/old.html'));
    expect(parsed).toEqual({
      ok: true,
      value: {
        bucket: 'amzn-s3-demo-bucket1',
        key: 'docs/old.html',
        kind: 'deleted',
        sequencer: '617f0837b476e463',
        time: '2021-11-12T00:00:00Z',
      },
    });
  });

  it('reads an event from its JSON text, as an SQS message body holds it', () => {
    const parsed = parseOriginEvent(JSON.stringify(objectCreated('a.html')));
    expect(parsed.ok && parsed.value.key).toBe('a.html');
  });

  it.each([
    ['a plus and an escape-like text', 'docs/red+flower%2B1.jpg'],
    ['spaces and a bare percent sign', 'docs/my file 100%.html'],
    ['colons, as S3 sends them to EventBridge', 'raw/2023-08-08T14:03:40.532432.zip'],
    ['multi-byte characters', 'docs/café/日本.html'],
  ])('takes the key as it stands: %s', (_, key) => {
    const parsed = parseOriginEvent(objectCreated(key));
    expect(parsed.ok && parsed.value.key).toBe(key);
  });

  it.each([
    ['another source', objectCreated('a', { source: 'aws.ec2' })],
    ['another detail type', objectCreated('a', { 'detail-type': 'Object Restore Completed' })],
    ['no sequencer', objectCreated('a', { detail: { bucket: { name: 'b' }, object: { key: 'a' } } })],
    ['a notification record of another service', { Records: [{ eventSource: 'aws:sqs' }] }],
    ['not JSON', '{"source":'],
  ])('refuses %s, saying why without the event', (_, input) => {
    const parsed = parseOriginEvent(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).not.toContain('amzn-s3-demo-bucket1');
  });
});

/** A record as S3 sends it to an SQS queue or SNS topic directly (the S3 User Guide's example's shape). */
function record(eventName: string, key: string, sequencer: string, extra: Record<string, unknown> = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-west-2',
    eventTime: '1970-01-01T00:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AIDAJDPLRKLG7UEXAMPLE' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'testConfigRule',
      bucket: {
        name: 'amzn-s3-demo-bucket',
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: 'arn:aws:s3:::amzn-s3-demo-bucket',
      },
      object: { key, sequencer, ...extra },
    },
  };
}

describe("S3's own event notifications (to SQS directly, or through SNS)", () => {
  const put = record('ObjectCreated:Put', 'docs/red+flower%2B1%3A2.html', '0055AED6DCD90281E5', {
    size: 1024,
    eTag: 'd41d8cd98f00b204e9800998ecf8427e',
  });
  const removed = record('ObjectRemoved:DeleteMarkerCreated', 'docs/old.html', '0055AED6DCD90281E6');

  it('reads every record of a message, decoding each key form-style', () => {
    expect(parseOriginMessage(JSON.stringify({ Records: [put, removed] }))).toEqual({
      ok: true,
      value: [
        {
          bucket: 'amzn-s3-demo-bucket',
          key: 'docs/red flower+1:2.html',
          kind: 'created',
          sequencer: '0055AED6DCD90281E5',
          etag: 'd41d8cd98f00b204e9800998ecf8427e',
          time: '1970-01-01T00:00:00.000Z',
        },
        {
          bucket: 'amzn-s3-demo-bucket',
          key: 'docs/old.html',
          kind: 'deleted',
          sequencer: '0055AED6DCD90281E6',
          time: '1970-01-01T00:00:00.000Z',
        },
      ],
    });
  });

  it('reads them inside the envelope SNS puts in a queue without raw message delivery', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      TopicArn: 'arn:aws:sns:us-east-2:123456789012:MyTopic',
      Subject: 'Amazon S3 Notification',
      Message: JSON.stringify({ Records: [put] }),
      Timestamp: '1970-01-01T00:00:00.000Z',
    };
    const parsed = parseOriginMessage(JSON.stringify(envelope));
    expect(parsed.ok && parsed.value.map((event) => event.key)).toEqual(['docs/red flower+1:2.html']);
  });

  it("leaves out record kinds other than created and removed, and reads S3's test event as no events", () => {
    const restored = record('ObjectRestore:Completed', 'docs/archived.html', '0055AED6DCD90281E7');
    expect(parseOriginMessage({ Records: [restored, removed] })).toMatchObject({
      ok: true,
      value: [{ key: 'docs/old.html' }],
    });
    const test = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-12-07T10:00:00.000Z',
      Bucket: 'b',
    };
    expect(parseOriginMessage(JSON.stringify(test))).toEqual({ ok: true, value: [] });
  });

  it('refuses a message with a key that is not valid URL encoding, or a record without a sequencer', () => {
    expect(decodeNotificationKey('a%E4.html')).toBeUndefined();
    expect(parseOriginMessage({ Records: [record('ObjectCreated:Put', 'a%ZZ', '01')] }).ok).toBe(false);
    const unsequenced = record('ObjectCreated:Put', 'a.html', '01');
    unsequenced.s3.object = { key: 'a.html' } as typeof unsequenced.s3.object;
    expect(parseOriginMessage({ Records: [unsequenced] }).ok).toBe(false);
    expect(parseOriginMessage(JSON.stringify({ Type: 'Notification', Message: '{"Records":' })).ok).toBe(
      false,
    );
  });
});

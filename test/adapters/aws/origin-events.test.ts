import { describe, expect, it } from 'vitest';
import { decodeEventKey, parseOriginEvent } from '../../../src/adapters/aws/origin-events.js';

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

  it('decodes the key form-style', () => {
    const parsed = parseOriginEvent(objectCreated('docs/red+flower%2B1.jpg'));
    expect(parsed.ok && parsed.value.key).toBe('docs/red flower+1.jpg');
  });

  it.each([
    ['another source', objectCreated('a', { source: 'aws.ec2' })],
    ['another detail type', objectCreated('a', { 'detail-type': 'Object Restore Completed' })],
    ['no sequencer', objectCreated('a', { detail: { bucket: { name: 'b' }, object: { key: 'a' } } })],
    ['a classic S3 notification', { Records: [{ eventSource: 'aws:s3' }] }],
    ['not JSON', '{"source":'],
  ])('refuses %s, saying why without the event', (_, input) => {
    const parsed = parseOriginEvent(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).not.toContain('amzn-s3-demo-bucket1');
  });

  it('refuses a key with a broken escape', () => {
    expect(decodeEventKey('a%E4.html')).toBeUndefined();
    expect(parseOriginEvent(objectCreated('a%ZZ')).ok).toBe(false);
  });
});

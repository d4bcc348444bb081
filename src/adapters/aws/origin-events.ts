import * as z from 'zod';
import type { OriginEvent } from '../../core/origin.js';

/**
 * S3 object events, parsed once here; the core (core/origin.ts) takes them typed. Two shapes arrive:
 * - EventBridge's (`source: aws.s3`, `Object Created` / `Object Deleted`), to the Lambda worker or in an
 *   SQS queue as a message's body; https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 * - S3's own notifications (`Records[]`, `ObjectCreated:*` / `ObjectRemoved:*`), which a bucket sends to an
 *   SQS queue directly, or through SNS (the body is then SNS's envelope, unless raw delivery is on).
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * Only the fields the bot reads are required; others are kept loose so a newer event version still parses.
 *
 * The object key: S3's notifications URL-encode it form-style (`red flower.jpg` → `red+flower.jpg`,
 * `:` → `%3A`), so it is decoded; EventBridge's events do not (they carry keys such as
 * `logs/2023-08-08T14:03:40.zip` with their colons as they are), so it is taken as it stands: decoding it
 * would turn a real `+` into a space and refuse a real `%`.
 */

/** A message holds S3 object events (none, for S3's test event); or it is not one, and why in a few words. */
export type ParsedMessage = { ok: true; value: OriginEvent[] } | EventProblem;

/** An event the bot cannot use, and why in a few words (never the event itself, which names objects). */
export type EventProblem = { ok: false; reason: string };

const sequencer = z.string().regex(/^[0-9A-Fa-f]{1,64}$/);

const eventBridgeSchema = z.looseObject({
  source: z.literal('aws.s3'),
  'detail-type': z.enum(['Object Created', 'Object Deleted']),
  time: z.string().min(1),
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({ key: z.string().min(1), etag: z.string().optional(), sequencer }),
  }),
});

const notificationSchema = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        eventSource: z.literal('aws:s3'),
        eventName: z.string().min(1),
        eventTime: z.string().min(1),
        s3: z.looseObject({
          bucket: z.looseObject({ name: z.string().min(1) }),
          object: z.looseObject({ key: z.string().min(1), eTag: z.string().optional(), sequencer }),
        }),
      }),
    )
    .min(1),
});

/** What S3 sends once to a destination a notification configuration names. */
const testEventSchema = z.looseObject({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') });

/** An SNS notification, as SNS puts it in an SQS queue without raw message delivery. */
const snsEnvelopeSchema = z.looseObject({ Type: z.literal('Notification'), Message: z.string() });

/**
 * Reads the S3 object events of one message: an EventBridge event, S3's own notification (also inside an
 * SNS envelope), or S3's test event (no events). An object, or a JSON text as an SQS body holds it.
 */
export function parseOriginMessage(input: unknown): ParsedMessage {
  const json = typeof input === 'string' ? parseJson(input) : { ok: true as const, value: input };
  if (!json.ok) return json;
  const envelope = snsEnvelopeSchema.safeParse(json.value);
  const body = envelope.success ? parseJson(envelope.data.Message) : json;
  if (!body.ok) return body;
  const value = body.value;
  if (typeof value === 'object' && value !== null && 'Records' in value) return fromNotification(value);
  if (testEventSchema.safeParse(value).success) return { ok: true, value: [] };
  return fromEventBridge(value);
}

function fromEventBridge(value: unknown): ParsedMessage {
  const parsed = eventBridgeSchema.safeParse(value);
  if (!parsed.success) return notAnEvent(parsed.error);
  const { detail, time } = parsed.data;
  const created = parsed.data['detail-type'] === 'Object Created';
  const event: OriginEvent = {
    bucket: detail.bucket.name,
    key: detail.object.key,
    kind: created ? 'created' : 'deleted',
    sequencer: detail.object.sequencer,
    ...(created && detail.object.etag !== undefined ? { etag: detail.object.etag } : {}),
    time,
  };
  return { ok: true, value: [event] };
}

/** Object-created and object-removed records; other kinds a configuration may name (restores, …) are left out. */
function fromNotification(value: unknown): ParsedMessage {
  const parsed = notificationSchema.safeParse(value);
  if (!parsed.success) return notAnEvent(parsed.error);
  const events: OriginEvent[] = [];
  for (const record of parsed.data.Records) {
    const created = record.eventName.startsWith('ObjectCreated:');
    if (!created && !record.eventName.startsWith('ObjectRemoved:')) continue;
    const { bucket, object } = record.s3;
    const key = decodeNotificationKey(object.key);
    if (key === undefined) return { ok: false, reason: 'object key is not valid URL encoding' };
    events.push({
      bucket: bucket.name,
      key,
      kind: created ? 'created' : 'deleted',
      sequencer: object.sequencer,
      ...(created && object.eTag !== undefined ? { etag: object.eTag } : {}),
      time: record.eventTime,
    });
  }
  return { ok: true, value: events };
}

function notAnEvent(error: z.ZodError): EventProblem {
  const fields = [...new Set(error.issues.map((issue) => issue.path.join('.')))];
  return { ok: false, reason: `not an S3 object event (${fields.join(', ')})` };
}

function parseJson(text: string): { ok: true; value: unknown } | EventProblem {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
}

/** Form-style URL decoding: `+` is a space, `%XX` a byte of UTF-8. Undefined for a malformed escape. */
export function decodeNotificationKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

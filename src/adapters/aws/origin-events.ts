import * as z from 'zod';
import type { OriginEvent } from '../../core/origin.js';

/**
 * S3 object events as EventBridge delivers them (to the Lambda worker, or into an SQS queue as the message
 * body), parsed once here; the core (core/origin.ts) takes them typed. Only the fields the bot reads are
 * required; others are kept loose so a newer event version still parses.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 *
 * The object key: S3's classic notification format (`Records[].s3.object.key`) URL-encodes it form-style
 * (`red flower.jpg` → `red+flower.jpg`). The EventBridge page does not say either way; AWS's own consumer of
 * these events (OpenSearch Data Prepper, S3EventBridgeNotification.getUrlDecodedKey) decodes it the same way,
 * so it is decoded here. A key without `+` or `%` reads the same either way.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
const eventSchema = z.looseObject({
  source: z.literal('aws.s3'),
  'detail-type': z.enum(['Object Created', 'Object Deleted']),
  time: z.string().min(1),
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({
      key: z.string().min(1),
      etag: z.string().optional(),
      sequencer: z.string().regex(/^[0-9A-Fa-f]{1,64}$/),
    }),
  }),
});

/** An event the bot cannot use, and why in a few words (never the event itself, which names objects). */
export type EventProblem = { ok: false; reason: string };

/** Parses one EventBridge S3 event (an object, or a JSON text as an SQS body holds it). */
export function parseOriginEvent(input: unknown): { ok: true; value: OriginEvent } | EventProblem {
  const json = typeof input === 'string' ? parseJson(input) : { ok: true as const, value: input };
  if (!json.ok) return json;
  const parsed = eventSchema.safeParse(json.value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))];
    return { ok: false, reason: `not an S3 object event (${fields.join(', ')})` };
  }
  const { detail, time } = parsed.data;
  const key = decodeEventKey(detail.object.key);
  if (key === undefined) return { ok: false, reason: 'object key is not valid URL encoding' };
  const created = parsed.data['detail-type'] === 'Object Created';
  return {
    ok: true,
    value: {
      bucket: detail.bucket.name,
      key,
      kind: created ? 'created' : 'deleted',
      sequencer: detail.object.sequencer,
      ...(created && detail.object.etag !== undefined ? { etag: detail.object.etag } : {}),
      time,
    },
  };
}

function parseJson(text: string): { ok: true; value: unknown } | EventProblem {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
}

/** Form-style URL decoding: `+` is a space, `%XX` a byte of UTF-8. Undefined for a malformed escape. */
export function decodeEventKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

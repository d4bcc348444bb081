import * as z from 'zod';
import type { OriginEvent } from '../../core/origin.js';
import type { Clock, Logger, OriginChanges } from '../../usecases/ports.js';
import { parseOriginMessage } from './origin-events.js';

/**
 * S3 object events in SQS messages (EventBridge puts each event in a queue as a message's body; S3's own
 * notifications put one or more records in each, directly or through SNS), read the same way whoever
 * receives them: the server's long poll (sqs-events.ts) or the Lambda worker's SQS event
 * source (`recordSqsBatch`). Either way a batch's events are recorded in one call, and a message that is
 * not an S3 object event is dropped after a warning with its id, the reason and the start of its body
 * (object keys and bucket names, nothing secret): it would never parse on a later try either.
 */

/** How much of an unreadable body a warning shows. */
const BODY_EXCERPT = 200;

/** A message taken from a queue: its id and its body, as either way of receiving gives them. */
export interface QueuedMessage {
  readonly messageId: string | undefined;
  readonly body: string;
}

/** A batch's messages, parted: the events of those that hold one, and the messages that do not. */
export interface ReadMessages<M extends QueuedMessage> {
  events: OriginEvent[];
  /** the messages whose events are in `events` (S3's test event has none) */
  readable: M[];
  unreadable: M[];
}

/** Reads each message's body as an S3 object event; each unreadable one is logged and set apart. */
export function readOriginMessages<M extends QueuedMessage>(
  messages: readonly M[],
  logger: Logger,
): ReadMessages<M> {
  const read: ReadMessages<M> = { events: [], readable: [], unreadable: [] };
  for (const message of messages) {
    const parsed = parseOriginMessage(message.body);
    if (parsed.ok) {
      read.events.push(...parsed.value);
      read.readable.push(message);
      continue;
    }
    read.unreadable.push(message);
    logger.warn('origin event queue: a message that is not an S3 object event, deleted', {
      messageId: message.messageId,
      reason: parsed.reason,
      bodyStart: message.body.slice(0, BODY_EXCERPT),
    });
  }
  return read;
}

/** A message as Lambda's SQS event source hands it over (only the fields read). */
export interface SqsRecord extends QueuedMessage {
  readonly messageId: string;
}

const sqsEventSchema = z.object({
  Records: z
    .array(
      z.looseObject({ eventSource: z.literal('aws:sqs'), messageId: z.string().min(1), body: z.string() }),
    )
    .min(1),
});

/** The messages of an invocation by an SQS event source; undefined for any other event. */
export function sqsRecordsOf(event: unknown): SqsRecord[] | undefined {
  const parsed = sqsEventSchema.safeParse(event);
  return parsed.success ? parsed.data.Records.map(({ messageId, body }) => ({ messageId, body })) : undefined;
}

/**
 * What the function answers an SQS event source with `ReportBatchItemFailures`: the messages listed come
 * back after the queue's visibility timeout; every other one is deleted.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/**
 * Records the events of one batch in one call. When recording fails, every readable message is reported
 * failed, to come back and be recorded later (recording an event again changes nothing); unreadable ones
 * are never reported, since they would only fail again until the dead-letter queue took them.
 */
export async function recordSqsBatch(
  records: readonly SqsRecord[],
  ports: { changes: OriginChanges; clock: Clock; logger: Logger },
): Promise<SqsBatchResponse> {
  const { events, readable } = readOriginMessages(records, ports.logger);
  if (events.length === 0) return { batchItemFailures: [] };
  try {
    await ports.changes.record(events, ports.clock.now());
    return { batchItemFailures: [] };
  } catch (error) {
    ports.logger.error('origin event queue: recording a batch failed; its messages come back later', {
      messages: readable.length,
      error,
    });
    return { batchItemFailures: readable.map(({ messageId }) => ({ itemIdentifier: messageId })) };
  }
}

import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Clock, Logger, OriginChanges } from '../../usecases/ports.js';
import { readOriginMessages } from './sqs-batch.js';

/**
 * S3 object events for the server runtime: EventBridge (or S3's own notifications) put them into an SQS
 * queue, and this long-polls it. A message is deleted only once its events are recorded, so a crash or a
 * store that does not answer leaves it to come back after the queue's visibility timeout; recording it
 * again changes nothing.
 *
 * A message that is not an S3 object event is deleted too, after a warning (sqs-batch.ts): left in the
 * queue it would come back every visibility timeout for as long as the queue keeps it (4 days by
 * default) unless a dead-letter queue is set up.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 */

/** SQS's longest long poll, and the most messages one receive returns. */
export const MAX_WAIT_SECONDS = 20;
export const MAX_MESSAGES = 10;

/** What one receive did. */
export interface PollOutcome {
  received: number;
  /** events handed to the store (and their messages deleted) */
  events: number;
  /** messages that were not S3 object events, deleted */
  malformed: number;
}

export interface SqsOriginEventsOptions {
  queueUrl: string;
  /** seconds a receive waits for a message; default MAX_WAIT_SECONDS */
  waitSeconds?: number;
  /** pause after a failed receive or record, before the next poll; default 5 s */
  retryDelayMs?: number;
}

export class SqsOriginEvents {
  constructor(
    private readonly sqs: SQSClient,
    private readonly changes: OriginChanges,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: SqsOriginEventsOptions,
  ) {}

  /**
   * One long poll: receives up to MAX_MESSAGES, records their events in one batch, then deletes what was
   * recorded or malformed. Throws when the receive or the record fails; the messages then stay.
   */
  async pollOnce(abortSignal?: AbortSignal): Promise<PollOutcome> {
    const received = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: MAX_MESSAGES,
        WaitTimeSeconds: this.options.waitSeconds ?? MAX_WAIT_SECONDS,
      }),
      abortSignal ? { abortSignal } : {},
    );
    const messages = received.Messages ?? [];
    const { events, unreadable } = readOriginMessages(
      messages.map((message) => ({ messageId: message.MessageId, body: message.Body ?? '' })),
      this.logger,
    );
    if (events.length > 0) await this.changes.record(events, this.clock.now());
    await this.delete(messages);
    return { received: messages.length, events: events.length, malformed: unreadable.length };
  }

  /** Polls until `signal` aborts; a failed poll is logged and tried again after a pause. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.pollOnce(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.logger.error('origin event queue: poll failed; the messages stay in the queue', {
          error: error instanceof Error ? error.message : String(error),
        });
        await pause(this.options.retryDelayMs ?? 5_000, signal);
      }
    }
  }

  /** Deletes handled messages; one not deleted comes back later and is recorded again, harmlessly. */
  private async delete(messages: readonly Message[]): Promise<void> {
    const entries = messages.flatMap((message, index) =>
      message.ReceiptHandle === undefined
        ? []
        : [{ Id: String(index), ReceiptHandle: message.ReceiptHandle }],
    );
    if (entries.length === 0) return;
    const result = await this.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
    );
    for (const failed of result.Failed ?? []) {
      this.logger.warn('origin event queue: a recorded message was not deleted; it will be recorded again', {
        code: failed.Code,
      });
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

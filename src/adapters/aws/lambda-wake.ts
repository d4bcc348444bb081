import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from '../../usecases/ports.js';
import { REPLY_SOURCE, type ReplyEvent } from '../slack/response-url.js';

/** The event the worker receives when woken; it only logs where a run came from. */
const WAKE_EVENT = new TextEncoder().encode(JSON.stringify({ source: 'invalidator.wake' }));

export interface LambdaWake {
  /** `Services.wake`: ask the worker function to run the due work now. Never throws. */
  wake(): void;
  /**
   * Hands a message for a Slack `response_url` to the worker, which posts it and then runs the due work:
   * the handler answers Slack without waiting for Slack. Lambda keeps an asynchronous event and retries it
   * if the worker fails. Never throws; a failed invoke is logged and the message lost.
   */
  reply(responseUrl: string, message: Record<string, unknown>): void;
  /**
   * Resolves once every invoke started so far has been sent. Lambda freezes the process as soon as the
   * handler returns, so the handler awaits this before answering, or a started invoke may never leave.
   */
  flush(): Promise<void>;
}

/**
 * Wakes the worker with an asynchronous invoke (InvocationType 'Event'): Lambda queues the event and
 * answers 202 at once, so the Slack handler does not wait for the work itself.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 *
 * Wakes during one send are folded into one more send after it: the worker reads the table when it runs,
 * so one run after the last wake sees everything. A failed invoke is only logged: the worker's
 * one-minute schedule runs the work anyway.
 */
export function createLambdaWake(client: LambdaClient, functionName: string, logger: Logger): LambdaWake {
  let sending: Promise<void> | undefined;
  let again = false;

  const send = (): Promise<void> =>
    client
      .send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: WAKE_EVENT }))
      .then(
        () => undefined,
        (error: unknown) =>
          logger.warn('waking the worker failed; its schedule runs the work within a minute', { error }),
      )
      .then(() => {
        if (!again) {
          sending = undefined;
          return;
        }
        again = false;
        return send();
      });

  const replies = new Set<Promise<void>>();
  const reply = (responseUrl: string, message: Record<string, unknown>) => {
    const event: ReplyEvent = { source: REPLY_SOURCE, responseUrl, message };
    const payload = new TextEncoder().encode(JSON.stringify(event));
    const invoke = { FunctionName: functionName, InvocationType: 'Event' as const, Payload: payload };
    const sent: Promise<void> = client.send(new InvokeCommand(invoke)).then(
      () => undefined,
      (error: unknown) => logger.error('handing a Slack reply to the worker failed; it is lost', { error }),
    );
    replies.add(sent);
    void sent.finally(() => replies.delete(sent));
  };

  return {
    wake: () => {
      if (sending) again = true;
      else sending = send();
    },
    reply,
    flush: async () => {
      await Promise.all([sending, ...replies]);
    },
  };
}

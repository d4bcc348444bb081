import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Acknowledgements first: the DynamoDB calls an acknowledgement waits for (recording a slash command's
 * request) go out at once, while every other call (cards, submissions, polls, the work loop) waits for one
 * of a few places in flight. A burst of background work then queues in this process, not in DynamoDB's
 * answer times (or the embedded store's one thread) in front of the next acknowledgement.
 */
const foreground = new AsyncLocalStorage<true>();

/** Runs `work` with its DynamoDB calls ahead of the background's. */
export function ahead<T>(work: () => Promise<T>): Promise<T> {
  return foreground.run(true, work);
}

/**
 * How many background calls the server lets be in flight at once: 8 at some 5 ms each carry well over a
 * thousand calls a second, far more than its work loop makes (docs/benchmarks.md, "Ack latency").
 */
export const BACKGROUND_IN_FLIGHT = 8;

/** Makes `client`'s background calls wait for a place; calls made inside `ahead` never wait. */
export function limitBackgroundCalls(client: DynamoDBClient, inFlight: number): void {
  let busy = 0;
  const waiting: Array<() => void> = [];
  const leave = () => {
    const next = waiting.shift();
    if (next) next();
    else busy -= 1;
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      if (foreground.getStore()) return next(args);
      if (busy < inFlight) busy += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await next(args);
      } finally {
        leave();
      }
    },
    { step: 'initialize', name: 'backgroundCallLimit' },
  );
}

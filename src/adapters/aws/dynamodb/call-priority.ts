import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isAhead } from '../../system/ahead.js';

/*
 * Acknowledgements first: the DynamoDB calls an acknowledgement waits for (made inside `ahead`,
 * system/ahead.ts) go out at once, while every other call (cards, submissions, polls, the work loop) waits
 * for one of a few places in flight. A burst of background work then queues in this process, not in
 * DynamoDB's answer times (or the embedded store's one thread) in front of the next acknowledgement.
 */

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
      if (isAhead()) return next(args);
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

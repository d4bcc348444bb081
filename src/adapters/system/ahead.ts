import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Work someone waits on before Slack gets its acknowledgement (recording a request from a slash command
 * or a sent form), marked so the calls it makes go out ahead of background work's (a DynamoDB client's
 * limit on calls in flight, aws/dynamodb/call-priority.ts). The mark follows the work's own awaits and
 * nothing else.
 */
const marked = new AsyncLocalStorage<true>();

/** Runs `work` ahead of background work. */
export function ahead<T>(work: () => Promise<T>): Promise<T> {
  return marked.run(true, work);
}

/** Whether the calling code runs inside `ahead`. */
export function isAhead(): boolean {
  return marked.getStore() === true;
}

/**
 * Runs `work` outside `ahead`: whatever it starts (a timer, a run of the work loop) is background work,
 * even when the code that asked for it runs ahead (a request's due time told while it is recorded).
 */
export function behind<T>(work: () => T): T {
  return marked.exit(work);
}

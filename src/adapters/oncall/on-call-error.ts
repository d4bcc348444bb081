/** Why an on-call service gave no answer: it said no to the key, it failed, it took too long, or it said nonsense. */
export type OnCallErrorKind = 'unauthorized' | 'not_found' | 'failed' | 'timeout' | 'unreadable';

/** A schedule API that could not say who is on call; `kind` is what a refusal tells the clicker. */
export class OnCallError extends Error {
  constructor(
    readonly kind: OnCallErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OnCallError';
  }
}

/** A service call is given this long: it runs while a person waits on a click (Slack's 3-second ack). */
export const ON_CALL_TIMEOUT_MS = 2_000;

/** The JSON answer of `url`, or an OnCallError saying why there is none. `what` names the service in messages. */
export async function fetchJson(
  what: string,
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new OnCallError('timeout', `${what} did not answer within ${timeoutMs} ms`, { cause: error });
    }
    throw new OnCallError('failed', `${what} could not be reached`, { cause: error });
  }
  if (response.status === 401 || response.status === 403) {
    throw new OnCallError('unauthorized', `${what} refused the API key (HTTP ${response.status})`);
  }
  if (response.status === 404)
    throw new OnCallError('not_found', `${what} does not know the schedule (HTTP 404)`);
  if (!response.ok) throw new OnCallError('failed', `${what} answered HTTP ${response.status}`);
  try {
    return await response.json();
  } catch (error) {
    throw new OnCallError('unreadable', `${what} answered something other than JSON`, { cause: error });
  }
}

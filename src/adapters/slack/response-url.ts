import * as z from 'zod';

/** The source of a worker event that carries a message for a Slack `response_url` (`LambdaWake.reply`). */
export const REPLY_SOURCE = 'invalidator.reply';

/** Such an event, as the Slack handler sends it to the worker. */
export const replyEvent = z.object({
  source: z.literal(REPLY_SOURCE),
  responseUrl: z.url({ protocol: /^https?$/ }),
  message: z.record(z.string(), z.unknown()),
});
export type ReplyEvent = z.infer<typeof replyEvent>;

/** Slack's web API calls are given 10 s elsewhere (compose/services.ts); a response_url gets the same. */
const TIMEOUT_MS = 10_000;

/**
 * Posts a message to a `response_url`, as Bolt's `respond` does: valid for 30 minutes, up to 5 times.
 * https://docs.slack.dev/interactivity/handling-user-interaction#message_responses
 */
export async function postToResponseUrl(reply: ReplyEvent): Promise<void> {
  const response = await fetch(reply.responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reply.message),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`the response_url answered ${response.status}`);
}

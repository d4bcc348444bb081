// The services both Slack apps talk to (dynalite, the Slack and CloudFront stand-ins), in a process of their
// own: the bot makes several DynamoDB calls per command, and dynalite doing that work on the load
// generator's event loop would add its time to every latency autocannon records.
import { DISTRIBUTIONS, startStack } from '../../test/support/stack.js';

/** What run.ts learns from this process over IPC. */
export type BackendsReport =
  | { type: 'ready'; cwd: string; env: Record<string, string>; secret: string; slackUrl: string }
  | { type: 'counts'; counts: BackendCounts };

/** What run.ts asks of this process over IPC. */
export type BackendsRequest = { type: 'counts' } | { type: 'close' };

export interface BackendCounts {
  /** Web API calls by method, since start, both apps together */
  slackCalls: Record<string, number>;
  /** the bare app's posts among them (text `ok`, no blocks; the bot always sends blocks) */
  bareMessages: number;
  /** CreateInvalidation calls that made a new invalidation, since start */
  invalidationsCreated: number;
  /** posts to `response_url`s (the bot answers through them only when something went wrong) */
  responseUrlPosts: number;
}

/** `docs` needs no approval, so every command runs the bot's whole path: record, card, submit, poll. */
const BENCH_CONFIG = {
  distributions: { docs: { id: DISTRIBUTIONS.docs, approval: 'never' } },
};

async function main(): Promise<void> {
  const send = (report: BackendsReport) => process.send?.(report);
  const stack = await startStack({ config: BENCH_CONFIG, cloudfront: { completeAfterMs: 100 } });
  const slackCalls: Record<string, number> = {};
  let bareMessages = 0;
  stack.slack.onCall((call) => {
    slackCalls[call.method] = (slackCalls[call.method] ?? 0) + 1;
    if (call.method === 'chat.postMessage' && call.args.text === 'ok' && call.args.blocks === undefined) {
      bareMessages += 1;
    }
  });
  // The stand-in keeps every call with its Block Kit arguments; counts are all the bench needs, and tens of
  // thousands of recorded cards would only make this process collect garbage during the measurement.
  const trim = setInterval(() => stack.slack.calls.splice(0), 1000);
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    clearInterval(trim);
    await stack.close();
    process.exit(0);
  };
  process.on('message', (message) => {
    const request = message as BackendsRequest;
    if (request.type === 'counts') {
      const counts = {
        slackCalls: { ...slackCalls },
        bareMessages,
        invalidationsCreated: stack.cloudfront.createdCount(),
        responseUrlPosts: stack.slack.responses.length,
      };
      send({ type: 'counts', counts });
    } else void close();
  });
  // If run.ts dies, the IPC channel closes: never outlive it.
  process.on('disconnect', () => void close());
  send({ type: 'ready', cwd: stack.cwd, env: stack.env, secret: stack.secret, slackUrl: stack.slack.url });
}

main().catch((error: unknown) => {
  console.error('bench backends failed to start', error);
  process.exit(1);
});

// The baseline for bench/lambda: the least a Bolt app on Lambda is (AwsLambdaReceiver, one command listener,
// the handler exported), bundled by the same esbuild options as the bot's handlers, less nothing.
// https://docs.slack.dev/tools/bolt-js/deployments/aws-lambda
import { App, AwsLambdaReceiver } from '@slack/bolt';

// BARE_* and SLACK_API_URL point it at the stand-ins for the first-request figure (first-request.ts).
const receiver = new AwsLambdaReceiver({
  signingSecret: process.env.BARE_SLACK_SIGNING_SECRET ?? 'bench-secret',
});
// deferInitialization: no auth.test at import, so the import figure is the module's own work.
const app = new App({
  receiver,
  token: process.env.BARE_SLACK_BOT_TOKEN ?? 'xoxb-bench',
  processBeforeResponse: true,
  deferInitialization: true,
  ...(process.env.SLACK_API_URL ? { clientOptions: { slackApiUrl: process.env.SLACK_API_URL } } : {}),
});

app.command('/invalidate', async ({ ack, client, command }) => {
  await ack();
  await client.chat.postMessage({ channel: command.channel_id, text: 'ok' });
});

const boltHandler = receiver.toHandler();
let initialized: Promise<void> | undefined;

export async function handler(event: Parameters<typeof boltHandler>[0], context: unknown): Promise<unknown> {
  // Bolt's own init (one auth.test, for the bot's ids) with the first request, not at import.
  initialized ??= app.init();
  await initialized;
  return boltHandler(event, context);
}

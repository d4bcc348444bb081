// The baseline for bench/lambda: the least a Bolt app on Lambda is (AwsLambdaReceiver, one command listener,
// the handler exported), bundled by the same esbuild options as the bot's handlers.
// https://docs.slack.dev/tools/bolt-js/deployments/aws-lambda
import { App, AwsLambdaReceiver } from '@slack/bolt';

const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? 'bench-secret' });
// deferInitialization: no auth.test at import, so the figure is the module's own work, as for the bot.
const app = new App({
  receiver,
  token: process.env.SLACK_BOT_TOKEN ?? 'xoxb-bench',
  processBeforeResponse: true,
  deferInitialization: true,
});

app.command('/invalidate', async ({ ack, client, command }) => {
  await ack();
  await client.chat.postMessage({ channel: command.channel_id, text: 'ok' });
});

export const handler = receiver.toHandler();

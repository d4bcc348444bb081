// The baseline for bench/ack: the least a Bolt app can do for `/invalidate` (ack, then post one message),
// on the same receiver, Bolt version and Web API stand-in as the bot. Plain JS so node runs it with no loader.
import { App, HTTPReceiver } from '@slack/bolt';

const { PORT, HOST = '127.0.0.1', SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL } = process.env;
if (!PORT || !SLACK_SIGNING_SECRET || !SLACK_BOT_TOKEN || !SLACK_API_URL) {
  process.stderr.write('bare-bolt needs PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_API_URL\n');
  process.exit(1);
}

const receiver = new HTTPReceiver({ signingSecret: SLACK_SIGNING_SECRET, endpoints: '/slack/events' });
// deferInitialization: auth.test runs in init(), where a failure is an ordinary rejection, not a crash.
const app = new App({
  receiver,
  token: SLACK_BOT_TOKEN,
  deferInitialization: true,
  clientOptions: { slackApiUrl: SLACK_API_URL },
});

app.command('/invalidate', async ({ ack, client, command }) => {
  await ack();
  await client.chat.postMessage({ channel: command.channel_id, text: 'ok' });
});

await app.init();
await receiver.start({ port: Number(PORT), host: HOST });
process.stdout.write(`bare-bolt ready on http://${HOST}:${PORT}/slack/events\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    receiver.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

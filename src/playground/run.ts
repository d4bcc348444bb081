import { startPlayground } from './start.js';

/**
 * Starts the playground, prints where it is and what it talks to, and stops it on SIGINT or SIGTERM.
 * Shared by `npm run playground` and by `npm start` when nothing is configured.
 */
export async function runPlayground(env: NodeJS.ProcessEnv): Promise<void> {
  // A first run should print the page's address, not the SDK's notice about future Node.js versions.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = await startPlayground(env);
  const cloudfront =
    started.cloudfront === 'aws'
      ? 'REAL CloudFront, with the AWS credentials at hand'
      : 'simulated CloudFront: nothing leaves this machine';
  process.stdout.write(
    [
      '',
      `  Invalidator playground: ${started.url}`,
      '',
      '  No Slack tokens are configured, so the bot runs against a local Slack you drive from that page.',
      `  CloudFront: ${cloudfront}. Config: ${started.configPath}. Data: ${started.dataDir}`,
      '  To run it in your Slack workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README).',
      '',
      '',
    ].join('\n'),
  );
  const shutdown = () => {
    started.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

import { existsSync } from 'node:fs';
import { createEmfMetrics, DEFAULT_SERVICE } from '../adapters/system/emf-metrics.js';
import { createLogger } from '../adapters/system/logger.js';
import { compose } from '../compose/server.js';
import { ConfigError, onCallSecrets } from '../config.js';
import { deploymentMeant, wantsPlayground } from '../playground/wants.js';
import { loadConfig } from './load-config.js';

/** `npm start`: the bot over HTTP or Socket Mode, with its work loop, until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  // A .env file in the working directory fills in what the environment does not already set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  if (wantsPlayground(process.env)) return playground();
  const config = await loadConfig(process.env);
  const secrets = [
    config.slack.botToken,
    config.slack.signingSecret ?? '',
    config.slack.mode === 'socket' ? config.slack.appToken : '',
    ...onCallSecrets(config),
  ];
  const logger = createLogger({ level: config.logLevel, secrets });
  if (config.store.kind === 'embedded') {
    logger.info(
      `TABLE_NAME is not set: using the embedded DynamoDB-compatible store in ${config.store.dataDir}`,
    );
  } else {
    logger.info(`using DynamoDB table ${config.store.tableName}`);
  }
  // Metrics as EMF lines on stdout, for the CloudWatch agent or Container Insights to pick up.
  const service = config.metricsService ?? DEFAULT_SERVICE;
  const runtime = await compose(config, logger, createEmfMetrics({ service, logger }));
  await runtime.start();
  const where =
    config.slack.mode === 'http'
      ? `listening on http://${config.slack.host ?? '0.0.0.0'}:${config.slack.port}/slack/events`
      : 'connected to Slack in Socket Mode';
  logger.info(`Invalidator is ready: ${where}`, {
    distributions: config.policy.distributions.map((d) => d.alias),
  });
  const shutdown = (signal: string) => {
    logger.info(`${signal} received: finishing current work and stopping`);
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stopping failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** No Slack credentials at all: the local playground, so that a first `npm start` shows the whole flow. */
async function playground(): Promise<void> {
  // Loaded only here: a bot connected to Slack carries neither the playground nor the stand-ins.
  const { runPlayground } = await import('../playground/run.js');
  await runPlayground(process.env);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    const deployment = deploymentMeant(process.env);
    if (deployment) process.stderr.write(`(${deployment}, so the local playground does not start.)\n`);
  } else {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(
      `Invalidator could not start: ${message.replace(/\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g, '[redacted]')}\n`,
    );
  }
  process.exit(1);
});

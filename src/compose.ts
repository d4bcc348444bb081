import { hostname } from 'node:os';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { webApi } from '@slack/bolt';
import { CloudFrontCdn } from './adapters/aws/cloudfront.js';
import { DynamoDbRequestStore, ensureTable } from './adapters/aws/dynamodb-store.js';
import { startEmbeddedDynamoDb } from './adapters/aws/embedded-dynamodb.js';
import { createSlackRuntime } from './adapters/slack/app.js';
import { SlackApproverDirectory } from './adapters/slack/approver-directory.js';
import { SlackCards } from './adapters/slack/cards.js';
import { registerListeners } from './adapters/slack/register.js';
import { systemClock } from './adapters/system/clock.js';
import { randomIds } from './adapters/system/ids.js';
import { CachedUsage } from './adapters/system/usage-cache.js';
import { startWorkLoop, type WorkLoop } from './adapters/system/work-loop.js';
import type { Config } from './config.js';
import type { Logger, Services } from './usecases/ports.js';
import { runDueWork, WORK_BATCH } from './usecases/run-due-work.js';

export interface Runtime {
  services: Services;
  start(): Promise<void>;
  stop(): Promise<void>;
}

// The SDKs never hang forever: a request that takes longer than this fails and is retried or reported.
const AWS_REQUEST_TIMEOUT_MS = 10_000;

/** The Slack clients the services need: Bolt's own, and one for posts that never retries by itself. */
export interface SlackClients {
  client: webApi.WebClient;
  postClient: webApi.WebClient;
}

/**
 * The composition root's core: configuration and the Slack clients in, wired adapters and use cases out.
 * Shared by the server (`compose`) and any other entrypoint. `wake` asks for due work to run now.
 */
export async function composeServices(
  config: Config,
  logger: Logger,
  slack: SlackClients,
  wake: () => void,
): Promise<{ services: Services; close(): Promise<void> }> {
  const database = await openDatabase(config, logger);
  const store = new DynamoDbRequestStore(database.client, database.tableName);
  const cdn = new CloudFrontCdn(
    new CloudFrontClient({
      region: config.awsRegion ?? 'us-east-1',
      requestHandler: { requestTimeout: AWS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
    }),
  );
  const services: Services = {
    store,
    usage: new CachedUsage(store),
    cdn,
    cards: new SlackCards(slack.client, slack.postClient),
    directory: new SlackApproverDirectory(slack.client, logger, config.policy.usergroupCacheSeconds * 1000),
    clock: systemClock,
    ids: randomIds,
    logger,
    policy: config.policy,
    workerId: `${hostname()}:${process.pid}`,
    wake,
  };
  return { services, close: database.close };
}

/** The server: the Bolt app over HTTP or Socket Mode, and the in-process work loop. */
export async function compose(config: Config, logger: Logger): Promise<Runtime> {
  let loop: WorkLoop | undefined;
  let ping: () => Promise<void> = async () => {};
  const health = () =>
    ping().then(
      () => true,
      () => false,
    );
  const slack = createSlackRuntime(config.slack, logger, health);
  const { services, close } = await composeServices(
    config,
    logger,
    { client: slack.app.client, postClient: slack.postClient },
    () => loop?.wake(),
  );
  ping = () => services.store.ping();
  registerListeners(slack.app, services, logger);
  const intervalMs = Math.min(1000, Math.max(50, (config.policy.polling.firstCheckSeconds * 1000) / 2));
  return {
    services,
    start: async () => {
      await slack.start();
      loop = startWorkLoop(async () => (await runDueWork(services)) >= WORK_BATCH, { intervalMs, logger });
    },
    stop: async () => {
      await loop?.stop();
      await slack.stop();
      await close();
    },
  };
}

async function openDatabase(config: Config, logger: Logger) {
  const requestHandler = { requestTimeout: AWS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true };
  if (config.store.kind === 'embedded') {
    const embedded = await startEmbeddedDynamoDb(config.store.dataDir);
    const client = new DynamoDBClient({
      endpoint: embedded.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
      requestHandler,
    });
    await ensureTable(client, config.store.tableName);
    return { client, tableName: config.store.tableName, close: embedded.close };
  }
  const client = new DynamoDBClient({
    requestHandler,
    ...(config.awsRegion ? { region: config.awsRegion } : {}),
  });
  if (config.store.createTable) {
    const outcome = await ensureTable(client, config.store.tableName);
    logger.info(`table ${config.store.tableName} ${outcome === 'created' ? 'created' : 'already exists'}`);
  }
  return { client, tableName: config.store.tableName, close: async () => client.destroy() };
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { webApi } from '@slack/bolt';
import { DynamoDbCounters } from './adapters/aws/dynamodb-counters.js';
import { DynamoDbRequestStore, ensureTable } from './adapters/aws/dynamodb-store.js';
import type { LambdaWake } from './adapters/aws/lambda-wake.js';
import { lazyCdn } from './adapters/aws/lazy-cdn.js';
import { createSlackRuntime } from './adapters/slack/app.js';
import { SlackApproverDirectory } from './adapters/slack/approver-directory.js';
import { SlackCards } from './adapters/slack/cards.js';
import {
  createLambdaSlackApp,
  createSlackClients,
  type FunctionUrlEvent,
  type FunctionUrlResult,
} from './adapters/slack/lambda-app.js';
import { registerListeners } from './adapters/slack/register.js';
import { systemClock } from './adapters/system/clock.js';
import { drainDueWork } from './adapters/system/drain.js';
import { watchDueTimes } from './adapters/system/due-watch.js';
import { createEmfMetrics, DEFAULT_SERVICE } from './adapters/system/emf-metrics.js';
import { cachedCheck, HEALTH_CHECK_CACHE_MS } from './adapters/system/health-cache.js';
import { randomIds } from './adapters/system/ids.js';
import { IDLE_REST_MS, startWorkLoop, type WorkLoop } from './adapters/system/work-loop.js';
import { dueAtOf, recordWorkerMetrics } from './adapters/system/worker-metrics.js';
import type { Config } from './config.js';
import type { Logger, Metrics, Services } from './usecases/ports.js';
import { scheduleReconciliation } from './usecases/reconcile.js';
import { newDeliveries, runDueWork, WORK_BATCH } from './usecases/run-due-work.js';

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
 * `metrics` defaults to EMF lines on stdout under the `service` dimension `invalidator`.
 */
export async function composeServices(
  config: Config,
  logger: Logger,
  slack: SlackClients,
  wake: () => void,
  metrics: Metrics = createEmfMetrics({ service: DEFAULT_SERVICE, logger }),
): Promise<{ services: Services; close(): Promise<void> }> {
  const database = await openDatabase(config, logger);
  const store = new DynamoDbRequestStore(database.client, database.tableName);
  // The CloudFront SDK loads with the first submission or poll: an idle bot does not carry it.
  const cdn = lazyCdn(async () => {
    const [{ CloudFrontClient }, { CloudFrontCdn }] = await Promise.all([
      import('@aws-sdk/client-cloudfront'),
      import('./adapters/aws/cloudfront.js'),
    ]);
    return new CloudFrontCdn(
      new CloudFrontClient({
        region: config.awsRegion ?? 'us-east-1',
        requestHandler: { requestTimeout: AWS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
      }),
    );
  });
  const services: Services = {
    store,
    counters: new DynamoDbCounters(database.client, database.tableName),
    cdn,
    cards: new SlackCards(slack.client, slack.postClient),
    directory: new SlackApproverDirectory(slack.client, logger, config.policy.usergroupCacheSeconds * 1000),
    clock: systemClock,
    ids: randomIds,
    logger,
    metrics,
    policy: config.policy,
    workerId: `${hostname()}:${process.pid}`,
    wake,
  };
  return { services, close: database.close };
}

/** The server: the Bolt app over HTTP or Socket Mode, and the in-process work loop. */
export async function compose(config: Config, logger: Logger, metrics?: Metrics): Promise<Runtime> {
  let loop: WorkLoop | undefined;
  let ping: () => Promise<void> = async () => {};
  const health = cachedCheck(
    () =>
      ping().then(
        () => true,
        () => false,
      ),
    HEALTH_CHECK_CACHE_MS,
  );
  const slack = createSlackRuntime(config.slack, logger, health);
  const { services, close } = await composeServices(
    config,
    logger,
    { client: slack.app.client, postClient: slack.postClient },
    () => loop?.wake(),
    metrics,
  );
  ping = () => services.store.ping();
  services.store = watchDueTimes(services.store, (at) => loop?.wakeAt(at));
  registerListeners(slack.app, services, logger);
  // Kept across the loop's runs: a run does not wait for the Slack side of the one before.
  const deliveries = newDeliveries(services);
  return {
    services,
    start: async () => {
      await slack.start();
      await scheduleReconciliation(services);
      loop = startWorkLoop(
        async () => {
          try {
            const ahead = { ms: IDLE_REST_MS, next: (at: string) => loop?.wakeAt(at) };
            return (await runDueWork(services, deliveries, ahead)) >= WORK_BATCH;
          } finally {
            // What a run counted goes out with it: a line only when something was counted.
            services.metrics.flush();
          }
        },
        { restMs: IDLE_REST_MS, logger },
      );
    },
    stop: async () => {
      await loop?.stop();
      await deliveries.idle();
      await slack.stop();
      await close();
    },
  };
}

/** The request store alone, for tools that need no Slack (the audit export). */
export async function openRequestStore(
  config: Pick<Config, 'store' | 'awsRegion'>,
  logger: Logger,
): Promise<{ store: DynamoDbRequestStore; close(): Promise<void> }> {
  const database = await openDatabase(config, logger);
  return { store: new DynamoDbRequestStore(database.client, database.tableName), close: database.close };
}

async function openDatabase(config: Pick<Config, 'store' | 'awsRegion'>, logger: Logger) {
  const requestHandler = { requestTimeout: AWS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true };
  if (config.store.kind === 'embedded') {
    // Only the embedded store needs dynalite: a bot on a real table never loads it.
    const { startEmbeddedDynamoDb } = await import('./adapters/aws/embedded-dynamodb.js');
    const embedded = await startEmbeddedDynamoDb(config.store.dataDir);
    const client = new DynamoDBClient({
      endpoint: embedded.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
      requestHandler,
    });
    await ensureTable(client, config.store.tableName);
    // The client's kept-alive sockets would hold the embedded server open: drop them first.
    const close = async () => {
      client.destroy();
      await embedded.close();
    };
    return { client, tableName: config.store.tableName, close };
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

/** A Lambda execution environment's name in work leases: unique even where host names and pids repeat. */
function lambdaWorkerId(base: string): string {
  return `${base}:${randomBytes(4).toString('hex')}`;
}

export interface SlackLambda {
  services: Services;
  /** one Function URL request: Slack's request verified, acknowledged once its listener is done */
  handle(event: FunctionUrlEvent, context: unknown): Promise<FunctionUrlResult>;
}

/**
 * The Slack handler on AWS Lambda: the same listeners as the server, behind Bolt's AwsLambdaReceiver.
 * Work that falls due is handed to the worker function through `waker`, and so are the cards to post or
 * redraw after a request or a decision is recorded (written as due work in the same write). `app.init()`
 * makes no call: the bot's ids, which only Bolt's ignoreSelf filter reads, are looked up with the first
 * Events API event (lambda-app.ts), so no `auth.test` stands between a cold start and its first
 * acknowledgement.
 */
export async function composeSlackLambda(
  config: Config,
  logger: Logger,
  waker: LambdaWake,
  metrics?: Metrics,
): Promise<SlackLambda> {
  if (config.slack.mode !== 'http') {
    throw new Error('the Lambda Slack handler answers over HTTP: unset SLACK_APP_TOKEN');
  }
  const slack = createLambdaSlackApp(config.slack, logger);
  const composed = await composeServices(
    config,
    logger,
    { client: slack.client, postClient: slack.postClient },
    waker.wake,
    metrics,
  );
  const services = { ...composed.services, workerId: lambdaWorkerId(composed.services.workerId) };
  // Lambda sends the acknowledgement only once every listener is done: Slack calls that can wait are the
  // worker's (cards as due work, response_url messages as events), so a slow Slack never costs the
  // 3 seconds. `views.open` alone stays: its trigger id expires.
  registerListeners(slack.app, services, logger, { cards: 'worker', replyLater: waker.reply });
  await slack.app.init();
  return {
    services,
    handle: async (event, context) => {
      try {
        return await slack.handle(event, context);
      } finally {
        await waker.settle();
        services.metrics.flush();
      }
    },
  };
}

export interface WorkerLambda {
  services: Services;
  /** runs the due work for at most `budgetMs` (see drain.ts), then records the worker metrics (unflushed) */
  run(budgetMs: number): Promise<void>;
}

/** The worker on AWS Lambda: `runDueWork`, as the server's loop runs it, on a schedule and when woken. */
export async function composeWorkerLambda(
  config: Config,
  logger: Logger,
  metrics?: Metrics,
): Promise<WorkerLambda> {
  let woken = false;
  const composed = await composeServices(
    config,
    logger,
    createSlackClients(config.slack, logger),
    () => {
      woken = true;
    },
    metrics,
  );
  const services = { ...composed.services, workerId: lambdaWorkerId(composed.services.workerId) };
  // As the server does when it starts.
  await scheduleReconciliation(services);
  const intervalMs = Math.min(1000, Math.max(50, (config.policy.polling.firstCheckSeconds * 1000) / 2));
  return {
    services,
    run: async (budgetMs) => {
      await drainDueWork({
        run: () => runDueWork(services),
        batch: WORK_BATCH,
        nextDueAt: async (until) => {
          const [next] = await services.store.due(until, 1);
          return next && dueAtOf(next);
        },
        takeWake: () => {
          const was = woken;
          woken = false;
          return was;
        },
        intervalMs,
        budgetMs,
      });
      await recordWorkerMetrics(services);
    },
  };
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { webApi } from '@slack/bolt';
import { limitBackgroundCalls } from '../adapters/aws/dynamodb/call-priority.js';
import { ensureTable } from '../adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../adapters/aws/dynamodb/stores.js';
import { lazyCdn } from '../adapters/aws/lazy-cdn.js';
import { ScheduleOnCallDirectory } from '../adapters/oncall/on-call-directory.js';
import { opsgenieOnCall } from '../adapters/oncall/opsgenie.js';
import { pagerDutyOnCall } from '../adapters/oncall/pagerduty.js';
import { SlackApproverDirectory } from '../adapters/slack/approver-directory.js';
import { SlackCards } from '../adapters/slack/cards.js';
import { SlackDigestChannel } from '../adapters/slack/digest-channel.js';
import { SlackUsersByEmail } from '../adapters/slack/users-by-email.js';
import { systemClock } from '../adapters/system/clock.js';
import { createEmfMetrics, DEFAULT_SERVICE } from '../adapters/system/emf-metrics.js';
import { randomIds } from '../adapters/system/ids.js';
import type { Config } from '../config.js';
import { createDistributionFacts } from '../usecases/distribution-facts.js';
import type { Logger, Metrics, OnCallDirectory, Services, Stores } from '../usecases/ports.js';

// The SDKs never hang forever: a request that takes longer than this fails and is retried or reported.
export const AWS_REQUEST_TIMEOUT_MS = 10_000;

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
  options: {
    /** background DynamoDB calls in flight at once, behind the acknowledgements' (call-priority.ts) */
    backgroundCalls?: number;
  } = {},
): Promise<{ services: Services; close(): Promise<void> }> {
  const database = await openDatabase(config, logger);
  if (options.backgroundCalls !== undefined) limitBackgroundCalls(database.client, options.backgroundCalls);
  const stores = openStores(database.client, database.tableName);
  // The CloudFront SDK loads with the first submission or poll: an idle bot does not carry it.
  const cdn = lazyCdn(async () => {
    const { cloudFrontAccounts } = await import('../adapters/aws/cloudfront-accounts.js');
    return cloudFrontAccounts({
      policy: config.policy,
      region: config.awsRegion ?? 'us-east-1',
      requestTimeoutMs: AWS_REQUEST_TIMEOUT_MS,
      // A distribution of another account that only reconciliation's listing found is read in that account.
      listedAccount: async (distributionId) => {
        const listing = await stores.reconcileState.listing();
        if (listing?.coverage !== 'account') return undefined;
        return listing.distributions.find((d) => d.id === distributionId)?.account;
      },
    });
  });
  const onCall = onCallDirectory(config, slack.client, logger);
  const facts = createDistributionFacts({
    cdn,
    reconcileState: stores.reconcileState,
    clock: systemClock,
    logger,
    policy: config.policy,
  });
  const services: Services = {
    ...stores,
    cdn,
    facts,
    cards: new SlackCards(slack.client, slack.postClient, { directory: onCall, logger }),
    digests: new SlackDigestChannel(slack.client, slack.postClient, config.policy.distributions),
    directory: new SlackApproverDirectory(
      slack.client,
      logger,
      config.operations.usergroupCacheSeconds * 1000,
    ),
    onCall,
    clock: systemClock,
    ids: randomIds,
    logger,
    metrics,
    policy: config.policy,
    operations: config.operations,
    workerId: `${hostname()}:${process.pid}`,
    wake,
  };
  return { services, close: database.close };
}

/** Who is on call, through the services whose API keys are set (config.ts requires those the approvers name). */
function onCallDirectory(config: Config, client: webApi.WebClient, logger: Logger): OnCallDirectory {
  const { pagerduty, opsgenie } = config.onCall ?? {};
  return new ScheduleOnCallDirectory(
    {
      ...(pagerduty ? { pagerduty: (schedule: string) => pagerDutyOnCall(pagerduty, schedule) } : {}),
      ...(opsgenie ? { opsgenie: (schedule: string) => opsgenieOnCall(opsgenie, schedule) } : {}),
    },
    new SlackUsersByEmail(client),
    logger,
  );
}

/** The stores alone, for tools that need no Slack (the audit export). */
export async function openStoresAlone(
  config: Pick<Config, 'store' | 'awsRegion'>,
  logger: Logger,
): Promise<{ stores: Stores; close(): Promise<void> }> {
  const database = await openDatabase(config, logger);
  return { stores: openStores(database.client, database.tableName), close: database.close };
}

/** The DynamoDB client on the configured table, or on the embedded store started for it. */
export async function openDatabase(config: Pick<Config, 'store' | 'awsRegion'>, logger: Logger) {
  const requestHandler = { requestTimeout: AWS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true };
  if (config.store.kind === 'embedded') {
    // Only the embedded store needs dynalite: a bot on a real table never loads it.
    const { startEmbeddedDynamoDb } = await import('../adapters/aws/dynamodb/embedded-dynamodb.js');
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
export function lambdaWorkerId(base: string): string {
  return `${base}:${randomBytes(4).toString('hex')}`;
}

import { randomBytes } from 'node:crypto';
import { paginateScan } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan as paginateDocuments } from '@aws-sdk/lib-dynamodb';
import { type SlackSender, slackSender } from '../../src/standins/slack-requests.js';
import { type BotProcess, startBot, writeConfig } from './bot-process.js';
import {
  type CloudFrontStandIn,
  type CloudFrontStandInOptions,
  startCloudFrontStandIn,
} from './cloudfront-standin.js';
import { type LocalDynamoDb, startDynalite } from './dynalite.js';
import { type SlackStandIn, type SlackStandInOptions, startSlackStandIn } from './slack-standin.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const USERS = {
  requester: 'UREQUEST01',
  oncall: 'UONCALL001',
  oncall2: 'UONCALL002',
  lead: 'ULEAD00001',
  outsider: 'UOUTSIDE01',
} as const;

export const DISTRIBUTIONS = {
  web: 'EWEB000000001',
  docs: 'EDOCS00000001',
  locked: 'ELOCK00000001',
} as const;

/** The config file most tests use: `web` needs approval for wildcards, `docs` never does. */
export function testConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    distributions: {
      web: {
        id: DISTRIBUTIONS.web,
        approval: 'wildcard',
        approvers: { usergroup: 'SONCALL001', users: [USERS.lead] },
      },
      docs: { id: DISTRIBUTIONS.docs, approval: 'never' },
      locked: { id: DISTRIBUTIONS.locked, channels: ['CLOCKED001'], approvers: { users: [USERS.lead] } },
    },
    polling: { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 },
    workLeaseSeconds: 2,
    ...overrides,
  };
}

export interface Stack {
  dynamo: LocalDynamoDb;
  /** the bots reach DynamoDB through this proxy, which a test can cut */
  dynamoProxy: TcpProxy;
  slack: SlackStandIn;
  cloudfront: CloudFrontStandIn;
  cwd: string;
  tableName: string;
  secret: string;
  botToken: string;
  env: Record<string, string>;
  startBot(extraEnv?: Record<string, string>): Promise<BotProcess>;
  sender(bot: BotProcess): SlackSender;
  /** every item in the table (every page of the scan), as DynamoDB attribute values */
  items(): Promise<Array<Record<string, unknown>>>;
  /** every item in the table, as plain values; read from dynalite directly, never through the proxy */
  plainItems(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/** Credentials the bots get instead of the generated ones (e.g. distinctive values to look for in output). */
export interface StackCredentials {
  botToken?: string;
  signingSecret?: string;
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
}

/** dynalite, the Slack and CloudFront stand-ins and a config file: everything a bot process needs, on loopback. */
export async function startStack(
  options: {
    config?: Record<string, unknown>;
    slack?: SlackStandInOptions;
    cloudfront?: CloudFrontStandInOptions;
    credentials?: StackCredentials;
    /** more environment for the bots, e.g. the on-call stand-ins' URLs and keys */
    env?: Record<string, string>;
  } = {},
): Promise<Stack> {
  const secret =
    options.credentials?.signingSecret ?? `test-signing-secret-${randomBytes(8).toString('hex')}`;
  const botToken = options.credentials?.botToken ?? `xoxb-test-${randomBytes(8).toString('hex')}`;
  const dynamo = await startDynalite();
  const dynamoProxy = await startTcpProxy(dynamo.endpoint);
  const slack = await startSlackStandIn({
    botToken,
    userGroups: { SONCALL001: [USERS.oncall, USERS.oncall2, USERS.requester] },
    ...options.slack,
  });
  const cloudfront = await startCloudFrontStandIn({ completeAfterMs: 300, ...options.cloudfront });
  const cwd = writeConfig(options.config ?? testConfig());
  const tableName = `invalidator-${randomBytes(4).toString('hex')}`;
  const env = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: secret,
    SLACK_API_URL: slack.apiUrl,
    TABLE_NAME: tableName,
    INVALIDATOR_CREATE_TABLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: options.credentials?.awsAccessKeyId ?? 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: options.credentials?.awsSecretAccessKey ?? 'local-secret',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.url,
    AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
    AWS_MAX_ATTEMPTS: '1',
    // the tests poll the CloudFront stand-in every few hundred milliseconds
    INVALIDATOR_ALLOW_FAST_POLLING: 'true',
    ...options.env,
  };
  const bots: BotProcess[] = [];
  const client = dynamo.client();
  const documents = DynamoDBDocumentClient.from(client);
  return {
    dynamo,
    dynamoProxy,
    slack,
    cloudfront,
    cwd,
    tableName,
    secret,
    botToken,
    env,
    startBot: async (extraEnv = {}) => {
      const bot = await startBot({ cwd, env: { ...env, ...extraEnv } });
      bots.push(bot);
      return bot;
    },
    sender: (bot) => slackSender({ url: bot.url, secret, responseUrl: (id) => slack.responseUrl(id) }),
    items: async () => {
      const items: Array<Record<string, unknown>> = [];
      for await (const page of paginateScan({ client }, { TableName: tableName }))
        items.push(...(page.Items ?? []));
      return items;
    },
    plainItems: async () => {
      const items: Array<Record<string, unknown>> = [];
      for await (const page of paginateDocuments({ client: documents }, { TableName: tableName })) {
        items.push(...(page.Items ?? []));
      }
      return items;
    },
    close: async () => {
      await Promise.all(bots.map((bot) => bot.stop('SIGKILL')));
      client.destroy();
      await Promise.all([slack.close(), cloudfront.close(), dynamoProxy.close()]);
      // Requests the killed bots left inside dynalite finish first: closing its database under them
      // makes dynalite throw from its own callbacks.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await dynamo.close();
    },
  };
}

/** The request id on a card posted in the stand-in (from its header). */
export function requestIdOf(text: string): string {
  const match = /INV-[0-9A-Z]{10}/.exec(text);
  if (!match) throw new Error(`no request id in ${text}`);
  return match[0];
}

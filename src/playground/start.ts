import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../adapters/system/logger.js';
import { compose } from '../compose/server.js';
import { ConfigError, EMBEDDED_TABLE, parsePlaygroundConfig } from '../config.js';
import { readConfigFile } from '../entrypoints/load-config.js';
import { type CloudFrontStandIn, startCloudFrontStandIn } from '../standins/cloudfront-standin.js';
import { freePort } from '../standins/free-port.js';
import { startSlackStandIn } from '../standins/slack-standin.js';
import { Activity } from './activity.js';
import { startPageServer } from './page-server.js';
import {
  BOT,
  CHANNEL,
  LEAD,
  ONCALL_GROUP,
  ONCALL_MEMBERS,
  PERSONAS,
  SAMPLE_CONFIG,
  SAMPLE_CONFIG_PATH,
} from './sample.js';
import { wantsPlayground } from './wants.js';
import type { PageInfo, Persona } from './web/api.js';
import { Workspace } from './workspace.js';

/**
 * The local playground: the real bot (the same Bolt app, listeners and use cases, over HTTP with
 * signature verification, on the embedded store), with a local Slack and, unless told to use AWS, a
 * simulated CloudFront around it, and a page where a person plays every part. Nothing leaves the machine
 * in the simulated mode.
 */

export interface Playground {
  url: string;
  cloudfront: 'simulated' | 'aws';
  configPath: string;
  dataDir: string;
  close(): Promise<void>;
}

const AUDIT_REFRESH_MS = 700;

export async function startPlayground(env: Record<string, string | undefined>): Promise<Playground> {
  if (!wantsPlayground(env)) {
    throw new ConfigError([
      'the playground never starts while Slack credentials are configured, TABLE_NAME is set or NODE_ENV is production',
    ]);
  }
  const settings = playgroundSettings(env);
  const file = await configFile(env);
  if (settings.cloudfront === 'aws' && file.path === SAMPLE_CONFIG_PATH) {
    throw new ConfigError([
      'INVALIDATOR_PLAYGROUND_CLOUDFRONT=aws needs your own config file naming real distributions: ' +
        'copy invalidator.config.example.yml to invalidator.config.yml (or set INVALIDATOR_CONFIG) and edit it',
    ]);
  }
  const dataDir = join(env.INVALIDATOR_DATA_DIR || '.invalidator', 'playground');
  const botToken = `xoxb-playground-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(24).toString('hex');
  const botPort = await freePort();
  const config = parsePlaygroundConfig({ ...env, LOG_LEVEL: env.LOG_LEVEL || 'warn' }, file, {
    slack: { mode: 'http', botToken, signingSecret, port: botPort, host: '127.0.0.1' },
    store: { kind: 'embedded', dataDir, tableName: EMBEDDED_TABLE },
  });
  const personas = personasFor(config.policy.distributions);
  const userGroups = Object.fromEntries(
    config.policy.distributions
      .flatMap((d) => [d.approvers.usergroup, d.requesters?.usergroup])
      .filter((id): id is string => id !== undefined)
      .map((id) => [id, ONCALL_MEMBERS]),
  );

  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const slack = await startSlackStandIn({ userGroups, botToken, botUserId: BOT.id });
    closers.push(() => slack.close());
    let cloudfront: CloudFrontStandIn | undefined;
    if (settings.cloudfront === 'simulated') {
      cloudfront = await startCloudFrontStandIn({ completeAfterMs: settings.completeAfterSeconds * 1000 });
      closers.push(() => cloudfront?.close());
      useLocalCloudFront(cloudfront.url);
    }
    config.slack.apiUrl = slack.apiUrl;
    const logger = createLogger({ level: config.logLevel, secrets: [botToken, signingSecret] });
    const runtime = await compose(config, logger);
    closers.push(() => runtime.stop());
    await runtime.start();

    let page: { changed(): void } | undefined;
    const changed = () => page?.changed();
    const channelId = config.policy.distributions.find((d) => d.channels)?.channels?.[0] ?? CHANNEL.id;
    const workspace = new Workspace(
      slack,
      { url: `http://127.0.0.1:${botPort}`, signingSecret },
      { id: channelId, name: channelId === CHANNEL.id ? CHANNEL.name : channelId },
      changed,
    );
    closers.push(() => workspace.close());
    const activity = new Activity(runtime.services, cloudfront, changed);
    closers.push(() => activity.close());
    const info: PageInfo = {
      personas,
      bot: BOT,
      userGroups: Object.fromEntries(Object.keys(userGroups).map((id) => [id, ONCALL_GROUP.handle])),
      cloudfront:
        settings.cloudfront === 'aws'
          ? { mode: 'aws' }
          : { mode: 'simulated', completeAfterSeconds: settings.completeAfterSeconds },
      distributions: config.policy.distributions.map((d) => ({ alias: d.alias, id: d.id })),
    };
    const server = await startPageServer({
      host: settings.host,
      port: settings.port,
      workspace,
      activity,
      info,
    });
    page = server;
    closers.push(() => server.close());
    const timer = setInterval(() => {
      activity
        .refresh()
        .catch((error: unknown) => logger.warn('playground: reading the audit trail failed', { error }));
    }, AUDIT_REFRESH_MS);
    closers.push(() => clearInterval(timer));
    await activity.refresh();
    return { url: server.url, cloudfront: settings.cloudfront, configPath: file.path, dataDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface Settings {
  host: string;
  port: number;
  cloudfront: 'simulated' | 'aws';
  completeAfterSeconds: number;
}

function playgroundSettings(env: Record<string, string | undefined>): Settings {
  const problems: string[] = [];
  const cloudfront = env.INVALIDATOR_PLAYGROUND_CLOUDFRONT || 'simulated';
  if (cloudfront !== 'simulated' && cloudfront !== 'aws') {
    problems.push(`INVALIDATOR_PLAYGROUND_CLOUDFRONT must be simulated or aws, not ${cloudfront}`);
  }
  const seconds = Number(env.INVALIDATOR_PLAYGROUND_COMPLETE_SECONDS || 5);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    problems.push('INVALIDATOR_PLAYGROUND_COMPLETE_SECONDS must be a number of seconds from 0 to 3600');
  }
  const port = Number(env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push('PORT must be a port number (0–65535)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host: env.HOST || '127.0.0.1',
    port,
    cloudfront: cloudfront as Settings['cloudfront'],
    completeAfterSeconds: seconds,
  };
}

/** The config file when there is one (INVALIDATOR_CONFIG, or invalidator.config.yml); else the sample. */
async function configFile(
  env: Record<string, string | undefined>,
): Promise<{ path: string; content: unknown }> {
  if (env.INVALIDATOR_CONFIG || existsSync('invalidator.config.yml')) return readConfigFile(env);
  return { path: SAMPLE_CONFIG_PATH, content: SAMPLE_CONFIG };
}

/**
 * The people to play. With the sample configuration they are exactly its users; with your own, the
 * on-call approvers join every user group it names and the lead takes the first approver listed by id.
 */
function personasFor(distributions: ReadonlyArray<{ approvers: { users: string[] } }>): Persona[] {
  const lead = distributions.flatMap((d) => d.approvers.users)[0] ?? LEAD;
  return PERSONAS.map((persona) => (persona.id === LEAD ? { ...persona, id: lead } : persona));
}

/** Points the AWS SDK's CloudFront client at the simulated CloudFront, with credentials that only it accepts. */
function useLocalCloudFront(url: string): void {
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = url;
  process.env.AWS_ACCESS_KEY_ID = 'playground';
  process.env.AWS_SECRET_ACCESS_KEY = 'playground';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

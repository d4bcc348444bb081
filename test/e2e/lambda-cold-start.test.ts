import { mkdtempSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildSync, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ABSENT_ON_LAMBDA,
  BUNDLED_CONFIG,
  bundleHandler,
  HANDLERS,
  handlerOptions,
} from '../../infra/lib/bundle.js';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { type SlackSender, slackSender } from '../../src/standins/slack-requests.js';
import { type Stack, startStack, USERS } from '../support/stack.js';
import {
  type FunctionUrlFront,
  type FunctionUrlHandler,
  functionEnvironment,
  type LambdaStandIn,
  type SecretsStandIn,
  startFunctionUrlFront,
  startLambdaStandIn,
  startSecretsStandIn,
} from './aws-standins.js';

/** The ceiling for the Slack handler's bundle, minified. */
const MAX_SLACK_BUNDLE_BYTES = 1.5 * 1024 * 1024;

function buildSlackBundle(): { bytes: number; metafile: Metafile } {
  const outfile = join(mkdtempSync(join(tmpdir(), 'invalidator-cold-')), 'index.mjs');
  const { metafile } = buildSync({ ...handlerOptions(HANDLERS.slack, outfile), metafile: true });
  return { bytes: statSync(outfile).size, metafile };
}

/** The inputs evaluated when the bundle is imported: those reached from the entry without an `import()`. */
function evaluatedAtInit(metafile: Metafile): Set<string> {
  const entry = relative(process.cwd(), HANDLERS.slack);
  const seen = new Set<string>();
  const next = [entry];
  for (let path = next.pop(); path !== undefined; path = next.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    for (const imported of metafile.inputs[path]?.imports ?? []) {
      if (imported.kind !== 'dynamic-import' && !imported.external) next.push(imported.path);
    }
  }
  return seen;
}

const packageOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];

describe('the Slack handler bundle', () => {
  const { bytes, metafile } = buildSlackBundle();
  const packages = new Set(Object.keys(metafile.inputs).map(packageOf));

  it('stays under 1.5 MB minified', () => {
    expect(bytes).toBeLessThan(MAX_SLACK_BUNDLE_BYTES);
  });

  it("carries none of Bolt's server-only receivers: no Express, OAuth or Socket Mode code", () => {
    for (const name of [...ABSENT_ON_LAMBDA, 'undici', 'iconv-lite', 'body-parser', 'jsonwebtoken']) {
      expect(packages, name).not.toContain(name);
    }
  });

  it('carries neither the S3 nor the SQS SDK: only the worker lists origin buckets', () => {
    expect(packages).not.toContain('@aws-sdk/client-s3');
    expect(packages).not.toContain('@aws-sdk/client-sqs');
  });

  it('evaluates neither Bolt, the config parser nor the clients that answer Slack at module init', () => {
    const atInit = new Set([...evaluatedAtInit(metafile)].map(packageOf));
    // The secret's client is what the cold start needs first; the rest loads while the secret is on its way.
    expect(atInit).toContain('@aws-sdk/client-secrets-manager');
    for (const name of [
      'yaml',
      '@slack/bolt',
      '@slack/web-api',
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-lambda',
      '@aws-sdk/client-cloudfront',
    ]) {
      expect(atInit, name).not.toContain(name);
    }
  });
});

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:invalidator-slack-AbCdEf';
const WORKER = 'Invalidator-Worker11F36D0F-abc123';

describe('a cold start of the Slack handler', () => {
  let stack: Stack;
  let secrets: SecretsStandIn;
  let lambda: LambdaStandIn;
  let front: FunctionUrlFront;
  let slack: SlackSender;

  beforeAll(async () => {
    vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
    stack = await startStack();
    secrets = await startSecretsStandIn({
      [SECRET_ARN]: JSON.stringify({ signingSecret: stack.secret, botToken: stack.botToken }),
    });
    lambda = await startLambdaStandIn([WORKER]);
    const client = stack.dynamo.client();
    await ensureTable(client, stack.tableName);
    client.destroy();
    const bundle = mkdtempSync(join(tmpdir(), 'invalidator-cold-'));
    bundleHandler('slack', bundle, join(stack.cwd, BUNDLED_CONFIG));
    const environment = functionEnvironment(stack.env, {
      secretArn: SECRET_ARN,
      worker: WORKER,
      configPath: join(bundle, BUNDLED_CONFIG),
      secrets,
      lambda,
      logLevel: 'error',
    });
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    // Node's own loader, as Lambda's runtime loads the bundle (see lambda.test.ts).
    const loaded = createRequire(import.meta.url)(join(bundle, 'index.mjs')) as Record<string, unknown>;
    front = await startFunctionUrlFront(() => loaded.handler as FunctionUrlHandler);
    slack = slackSender({
      url: front.url,
      secret: stack.secret,
      responseUrl: (id) => stack.slack.responseUrl(id),
    });
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await Promise.all([front?.close(), secrets?.close(), lambda?.close()]);
    await stack?.close();
  });

  it('answers its first slash command without an auth.test call', async () => {
    const answer = await slack.command(USERS.requester, 'docs /guide/index.html --reason cold');
    expect(answer.status).toBe(200);
    expect(secrets.reads).toEqual([SECRET_ARN]);
    expect(stack.slack.callsTo('auth.test')).toEqual([]);
  });

  it("looks the bot's ids up once, with the first Events API event, where Bolt's ignoreSelf reads them", async () => {
    for (const n of [1, 2]) {
      const answer = await slack.event({ type: 'app_home_opened', user: USERS.requester, tab: 'home', n });
      expect(answer.status).toBe(200);
    }
    await stack.slack.waitFor(() => stack.slack.callsTo('views.publish').length === 2);
    expect(stack.slack.callsTo('auth.test')).toHaveLength(1);
  });
});

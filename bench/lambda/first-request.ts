// The "first request" figure of bench/lambda: a fresh `node` imports a handler bundle, composes, and answers
// one signed slash command, against loopback stand-ins of every service it calls. Timed: from the start of
// the import to the acknowledgement, the part of a Lambda cold start that is the code's own.
import { execFile } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { CHANNEL, commandBody, sign } from '../../src/standins/slack-requests.js';
import { startLambdaStandIn, startSecretsStandIn } from '../../test/e2e/aws-standins.js';
import { type Stack, startStack, USERS } from '../../test/support/stack.js';

/** How long each stand-in waits before it answers: the realistic figures, or none. */
export interface Delays {
  awsMs: number;
  slackMs: number;
}

export interface FirstRequestSample {
  /** ms from the start of `import()` to the module being evaluated */
  importMs: number;
  /** ms from the start of `import()` to the handler's answer to the first request */
  firstMs: number;
  status: number;
}

/** An HTTP proxy on loopback that holds every request `delayMs` before passing it on. */
interface DelayingProxy {
  url: string;
  delayMs: number;
  close(): Promise<void>;
}

async function startDelayingProxy(target: string): Promise<DelayingProxy> {
  const proxy = { url: '', delayMs: 0, close: () => close(server) };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (proxy.delayMs > 0) await sleep(proxy.delayMs);
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:invalidator-slack-BeNcH1';
const WORKER = 'Invalidator-Worker-bench';

export interface Backends {
  /** the environment of the bot's Slack handler on Lambda (and the bare handler's Slack values) */
  env: Record<string, string>;
  setDelays(delays: Delays): void;
  /** a signed Function URL event for `/invalidate docs <path>`, as a fresh cold start's first request */
  commandEvent(path: string): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * dynalite, the Slack, Secrets Manager and Lambda stand-ins, with Secrets Manager, DynamoDB and Lambda behind
 * one delaying proxy each and Slack delaying every Web API call itself.
 */
export async function startBackends(): Promise<Backends> {
  const stack: Stack = await startStack();
  const secrets = await startSecretsStandIn({
    [SECRET_ARN]: JSON.stringify({ signingSecret: stack.secret, botToken: stack.botToken }),
  });
  const lambda = await startLambdaStandIn([WORKER]);
  const client = stack.dynamo.client();
  await ensureTable(client, stack.tableName);
  client.destroy();
  const proxies = {
    dynamodb: await startDelayingProxy(stack.dynamo.endpoint),
    secrets: await startDelayingProxy(secrets.url),
    lambda: await startDelayingProxy(lambda.url),
  };
  const {
    SLACK_BOT_TOKEN: _token,
    SLACK_SIGNING_SECRET: _secret,
    INVALIDATOR_CREATE_TABLE: _create,
    ...env
  } = stack.env;
  return {
    env: {
      ...env,
      SLACK_SECRET_ARN: SECRET_ARN,
      WORKER_FUNCTION_NAME: WORKER,
      INVALIDATOR_CONFIG: join(stack.cwd, 'invalidator.config.yml'),
      AWS_ENDPOINT_URL_DYNAMODB: proxies.dynamodb.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: proxies.secrets.url,
      AWS_ENDPOINT_URL_LAMBDA: proxies.lambda.url,
      LOG_LEVEL: 'error',
      // read by the bare handler only (the bot's come from the secret)
      BARE_SLACK_BOT_TOKEN: stack.botToken,
      BARE_SLACK_SIGNING_SECRET: stack.secret,
    },
    setDelays: ({ awsMs, slackMs }) => {
      for (const proxy of Object.values(proxies)) proxy.delayMs = awsMs;
      stack.slack.clearFaults();
      if (slackMs > 0) stack.slack.inject({ method: '*', delayMs: slackMs, times: Number.POSITIVE_INFINITY });
    },
    commandEvent: (path) => {
      const body = commandBody({
        user: USERS.requester,
        text: `docs ${path} --reason bench`,
        channel: CHANNEL,
        responseUrl: stack.slack.responseUrl(`bench-${path}`),
        triggerId: `trigger-${path}`,
      });
      return functionUrlEvent(body, sign(stack.secret, body));
    },
    close: async () => {
      await Promise.all([
        ...Object.values(proxies).map((proxy) => proxy.close()),
        secrets.close(),
        lambda.close(),
      ]);
      await stack.close();
    },
  };
}

/** A Function URL event (payload format 2.0) for a form post, base64-encoded as Function URLs pass it. */
function functionUrlEvent(body: string, signed: Record<string, string>): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: { ...signed, 'content-type': 'application/x-www-form-urlencoded' },
    requestContext: { http: { method: 'POST', path: '/slack/events' } },
    body: Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: true,
  };
}

const PROBE = `
const started = performance.now();
const { handler } = await import(process.argv[1]);
const importMs = performance.now() - started;
const result = await handler(JSON.parse(process.argv[2]), {});
const firstMs = performance.now() - started;
process.stdout.write(JSON.stringify({ importMs, firstMs, status: result.statusCode }));
process.exit(0);
`;

/**
 * One cold start of `bundle` in a fresh `node`, answering `event`. Asynchronous: the stand-ins answer from
 * this process's event loop.
 */
export async function firstRequest(
  bundle: string,
  env: Record<string, string>,
  event: unknown,
): Promise<FirstRequestSample> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', PROBE, pathToFileURL(bundle).href, JSON.stringify(event)],
    {
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout) as FirstRequestSample;
}

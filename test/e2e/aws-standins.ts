import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from '../../src/standins/loopback-server.js';

/** Local stand-ins for the AWS APIs the Lambda handlers call besides DynamoDB and CloudFront. */

export interface SecretsStandIn {
  /** for AWS_ENDPOINT_URL_SECRETS_MANAGER */
  url: string;
  /** SecretId of every GetSecretValue call, in order */
  reads: string[];
  close(): Promise<void>;
}

/**
 * Secrets Manager's JSON protocol (awsJson1_1): `POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`,
 * body `{"SecretId": …}`. https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
export async function startSecretsStandIn(secrets: Record<string, string>): Promise<SecretsStandIn> {
  const reads: string[] = [];
  const server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}') as { SecretId?: string };
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
      return json(res, 400, { __type: 'InvalidRequestException', message: `unsupported ${String(target)}` });
    }
    const id = body.SecretId ?? '';
    reads.push(id);
    const value = secrets[id];
    if (value === undefined) {
      return json(res, 400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    json(res, 200, {
      ARN: id,
      Name: id.split(':').pop(),
      SecretString: value,
      VersionId: randomUUID(),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: Date.now() / 1000,
    });
  });
  const url = await listen(server);
  return { url, reads, close: () => closeServer(server) };
}

export interface LambdaInvoke {
  functionName: string;
  invocationType: string;
  payload: unknown;
}

export interface LambdaStandIn {
  /** for AWS_ENDPOINT_URL_LAMBDA */
  url: string;
  invokes: LambdaInvoke[];
  close(): Promise<void>;
}

/**
 * Lambda's Invoke (REST JSON): `POST /2015-03-31/functions/{name}/invocations`; an `Event` invocation is
 * queued and answered 202 with no body. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
export async function startLambdaStandIn(functions: string[]): Promise<LambdaStandIn> {
  const invokes: LambdaInvoke[] = [];
  const server = createServer(async (req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
    const body = await readBody(req);
    const functionName = decodeURIComponent(match?.[1] ?? '');
    if (req.method !== 'POST' || !match || !functions.includes(functionName)) {
      res.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
      return json(res, 404, { Type: 'User', message: `Function not found: ${functionName}` });
    }
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    invokes.push({ functionName, invocationType, payload: body ? JSON.parse(body) : undefined });
    res.writeHead(invocationType === 'Event' ? 202 : 200).end();
  });
  const url = await listen(server);
  return { url, invokes, close: () => closeServer(server) };
}

/** What a Function URL hands its function; the handler's type, without importing the bundle's types. */
export type FunctionUrlHandler = (
  event: Record<string, unknown>,
  context: unknown,
) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body?: string }>;

export interface FunctionUrlFront {
  /** http://127.0.0.1:PORT, to use like the bot's own URL (requests go to `${url}/slack/events`) */
  url: string;
  /** every event handed to the function */
  events: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Stands in for a Lambda Function URL in front of `handler`, called in-process: each HTTP request becomes a
 * payload format 2.0 event (lower-case headers; a form body base64-encoded, as Function URLs pass bodies
 * they do not treat as text), and the result becomes the HTTP answer.
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
 */
export async function startFunctionUrlFront(handler: () => FunctionUrlHandler): Promise<FunctionUrlFront> {
  const events: Array<Record<string, unknown>> = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const [rawPath = '/', rawQueryString = ''] = (req.url ?? '/').split('?');
    const textual = /^(text\/|application\/json)/.test(String(req.headers['content-type'] ?? ''));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString,
      headers,
      requestContext: {
        accountId: 'anonymous',
        apiId: 'standin',
        domainName: 'standin.lambda-url.us-east-1.on.aws',
        domainPrefix: 'standin',
        http: {
          method: req.method ?? 'GET',
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: '$default',
        stage: '$default',
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
      },
      ...(body === ''
        ? { isBase64Encoded: false }
        : textual
          ? { body, isBase64Encoded: false }
          : { body: Buffer.from(body, 'utf8').toString('base64'), isBase64Encoded: true }),
    };
    events.push(event);
    try {
      const result = await handler()(event, {});
      res.writeHead(result.statusCode, (result.headers ?? {}) as Record<string, string>);
      res.end(result.body ?? '');
    } catch {
      // Lambda answers a failed invocation behind a Function URL with 502.
      res.writeHead(502).end('Internal Server Error');
    }
  });
  const url = await listen(server);
  return { url, events, close: () => closeServer(server) };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
}

/**
 * The environment the CDK stack gives both Lambda functions, built from a test stack's: no Slack value in
 * it, only the secret's ARN, the worker's name and the bundled policy file, with the AWS stand-ins as
 * endpoints. Tests pass it to `vi.stubEnv` before loading a bundle.
 */
export function functionEnvironment(
  stackEnv: Record<string, string | undefined>,
  options: {
    secretArn: string;
    worker: string;
    configPath: string;
    secrets: SecretsStandIn;
    lambda: LambdaStandIn;
    logLevel: string;
  },
): Record<string, string | undefined> {
  return {
    ...stackEnv,
    SLACK_BOT_TOKEN: undefined,
    SLACK_SIGNING_SECRET: undefined,
    INVALIDATOR_CREATE_TABLE: undefined,
    SLACK_SECRET_ARN: options.secretArn,
    WORKER_FUNCTION_NAME: options.worker,
    INVALIDATOR_CONFIG: options.configPath,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.secrets.url,
    AWS_ENDPOINT_URL_LAMBDA: options.lambda.url,
    LOG_LEVEL: options.logLevel,
  };
}

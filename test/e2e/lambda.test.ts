import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUNDLED_CONFIG, bundleHandler } from '../../infra/lib/bundle.js';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import type { SqsBatchResponse } from '../../src/adapters/aws/sqs-batch.js';
import { drainDueWork } from '../../src/adapters/system/drain.js';
import {
  blockActionsBody,
  CHANNEL,
  postSigned,
  requestFormValues,
  type SlackSender,
  sign,
  slackSender,
  viewSubmissionBody,
} from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';
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

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:invalidator-slack-AbCdEf';
const PLACEHOLDER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:invalidator-fresh-GhIjKl';
const WORKER = 'Invalidator-Worker11F36D0F-abc123';
const PIPELINE_TOKEN = 'inv_lambda-pipeline-token-0123456789abcdef';
const PIPELINE_CHANNEL = 'CDEPLOY001';

/**
 * Loads a bundle with Node's own loader (require of an ES module, Node >= 20.19), not vitest's module runner:
 * the bundle runs as Lambda's Node loads it, untransformed (and without 3 MB of transforming per load).
 */
const load = (path: string) => createRequire(import.meta.url)(path) as Record<string, unknown>;

type WorkerHandler = (
  event: unknown,
  context: { getRemainingTimeInMillis(): number },
) => Promise<SqsBatchResponse | undefined>;

/**
 * The deployed Lambda bundles (built here by the stack's own bundling), invoked in-process with Function URL
 * events, against dynalite and the local Slack, CloudFront, Secrets Manager and Lambda stand-ins.
 */
describe('the Lambda handlers', () => {
  let stack: Stack;
  let secrets: SecretsStandIn;
  let lambda: LambdaStandIn;
  let front: FunctionUrlFront;
  let slack: SlackSender;
  let bundles: string;
  let slackHandler: FunctionUrlHandler;
  let workerHandler: WorkerHandler;
  const logs: string[] = [];

  beforeAll(async () => {
    vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
    stack = await startStack({
      config: testConfig({
        distributions: {
          ...(testConfig().distributions as Record<string, unknown>),
          // its bucket's S3 events reach the worker through EventBridge (a short quiet period for the test)
          site: {
            id: 'ESITE00000001',
            approval: 'never',
            origin: { bucket: 'lambda-site', settleSeconds: 0.5, channel: CHANNEL },
          },
        },
        pipelines: {
          'web-deploy': {
            tokenSha256: createHash('sha256').update(PIPELINE_TOKEN).digest('hex'),
            distributions: ['docs'],
            channel: PIPELINE_CHANNEL,
          },
        },
      }),
    });
    secrets = await startSecretsStandIn({
      [SECRET_ARN]: JSON.stringify({ signingSecret: stack.secret, botToken: stack.botToken }),
      // What the stack puts in the secret before the operator does.
      [PLACEHOLDER_ARN]: JSON.stringify({ botToken: 'REPLACE_ME', signingSecret: 'generatedPlaceholder42' }),
    });
    lambda = await startLambdaStandIn([WORKER]);
    const client = stack.dynamo.client();
    await ensureTable(client, stack.tableName);
    client.destroy();

    bundles = mkdtempSync(join(tmpdir(), 'invalidator-lambda-'));
    for (const name of ['slack', 'worker'] as const) {
      bundleHandler(name, join(bundles, name), join(stack.cwd, BUNDLED_CONFIG));
    }
    const environment = functionEnvironment(stack.env, {
      secretArn: SECRET_ARN,
      worker: WORKER,
      configPath: join(bundles, 'slack', BUNDLED_CONFIG),
      secrets,
      lambda,
      logLevel: 'info',
    });
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logs.push(String(chunk));
      return process.env.DEBUG_BOT_LOGS ? write(chunk, ...(rest as [])) : true;
    });
    slackHandler = load(join(bundles, 'slack/index.mjs')).handler as FunctionUrlHandler;
    workerHandler = load(join(bundles, 'worker/index.mjs')).handler as WorkerHandler;
    front = await startFunctionUrlFront(() => slackHandler);
    slack = slackSender({
      url: front.url,
      secret: stack.secret,
      responseUrl: (id) => stack.slack.responseUrl(id),
    });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await Promise.all([front?.close(), secrets?.close(), lambda?.close()]);
    await stack?.close();
  });

  const runWorker = () =>
    workerHandler({ source: 'invalidator.wake' }, { getRemainingTimeInMillis: () => 60_000 });
  const cardFor = (fragment: string) =>
    stack.slack.waitFor(() => stack.slack.messages.find((m) => !m.thread_ts && m.text.includes(fragment)));
  const threadReply = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() =>
      stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes(fragment)),
    );

  it('answers /invalidate export with the command line that makes it, uploading nothing', async () => {
    const calls = stack.slack.calls.length;
    const answer = await slack.command(USERS.lead, 'export json');
    expect(answer.status).toBe(200);
    expect((answer.json() as { text: string }).text).toContain('npm run audit');
    expect(stack.slack.calls.slice(calls).map((call) => call.method)).toEqual([]);
  });

  it('answers a signed /invalidate once recorded and wakes the worker; the worker posts the card and completes it', async () => {
    const answer = await slack.command(USERS.requester, 'docs /guide/index.html --reason lambda');
    expect(answer.status).toBe(200);
    expect(front.events.at(-1)).toMatchObject({ version: '2.0', isBase64Encoded: true });
    const id = requestIdOf((answer.json() as { text: string }).text);
    // The card is due work in the table, so the worker was woken at once to post it.
    expect(lambda.invokes).toEqual([
      { functionName: WORKER, invocationType: 'Event', payload: { source: 'invalidator.wake' } },
    ]);
    expect(stack.slack.messages.filter((m) => m.text.includes(id))).toEqual([]);
    expect(stack.cloudfront.invalidations(DISTRIBUTIONS.docs)).toEqual([]);

    await runWorker();
    const card = await cardFor(id);
    const made = stack.cloudfront
      .invalidations(DISTRIBUTIONS.docs)
      .filter((inv) => inv.callerReference === id);
    expect(made.map((inv) => inv.paths)).toEqual([['/guide/index.html']]);
    // The worker stayed for the first polls (due within a second), so the completion is already announced.
    expect((await threadReply(card, 'completed in')).text).toContain(`<@${USERS.requester}>`);
    // The invocation's metrics: one Embedded Metric Format line, what the stack's alarms read.
    const metrics = logs.map(parse).filter((line) => line?._aws !== undefined);
    expect(metrics.at(-1)).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Invalidator',
            Dimensions: [['service']],
            Metrics: expect.arrayContaining([
              { Name: 'OldestDueAgeSeconds', Unit: 'Seconds' },
              { Name: 'OldestInFlightAgeSeconds', Unit: 'Seconds' },
            ]),
          },
        ],
      },
      service: 'invalidator',
      OldestDueAgeSeconds: 0,
      OldestInFlightAgeSeconds: 0,
    });
  });

  it('wakes the worker when an approval makes a request due', async () => {
    await slack.command(USERS.requester, 'web /assets/*');
    // One run, that posts the card (no time left past the worker's reserve).
    await workerHandler({ source: 'invalidator.wake' }, { getRemainingTimeInMillis: () => 20_000 });
    const card = await cardFor('on web');
    const id = requestIdOf(card.text);
    const before = lambda.invokes.length;
    const approved = await slack.click(USERS.oncall, 'invalidator.approve', id);
    expect(approved.status).toBe(200);
    expect(lambda.invokes.slice(before)).toEqual([
      { functionName: WORKER, invocationType: 'Event', payload: { source: 'invalidator.wake' } },
    ]);
    await runWorker();
    await threadReply(card, 'completed in');
    expect(stack.cloudfront.invalidations(DISTRIBUTIONS.web).map((inv) => inv.callerReference)).toEqual([id]);
  });

  it('waits for the requester’s choice of a cheaper form, then the worker submits what was chosen', async () => {
    const hashed = Array.from({ length: 6 }, (_, n) => `/assets/app.${(0x5d41402a + n).toString(16)}.js`);
    await slack.command(USERS.requester, `docs /about.html ${hashed.join(' ')}`);
    await runWorker();
    const card = await cardFor('7 paths on docs');
    const id = requestIdOf(card.text);
    await stack.slack.waitFor(() =>
      JSON.stringify(stack.slack.messages.find((m) => m.ts === card.ts)?.blocks).includes('Drop hashed files')
        ? true
        : undefined,
    );
    expect(stack.cloudfront.invalidations(DISTRIBUTIONS.docs).some((inv) => inv.callerReference === id)).toBe(
      false,
    );
    const before = lambda.invokes.length;
    const dropped = await slack.click(USERS.requester, 'invalidator.drop_hashed', JSON.stringify({ id }));
    expect(dropped.status).toBe(200);
    // Nothing more to choose: the request goes now, and the handler wakes the worker to send it.
    expect(lambda.invokes.slice(before)).toContainEqual({
      functionName: WORKER,
      invocationType: 'Event',
      payload: { source: 'invalidator.wake' },
    });
    await runWorker();
    await threadReply(card, 'completed in');
    const sent = stack.cloudfront.calls.filter(
      (call) => call.operation === 'create' && call.callerReference === id,
    );
    expect(sent.map((call) => call.paths)).toEqual([['/about.html']]);
  });

  it('approves from the App Home tab, where no response_url is: the worker is woken, the Home drawn again', async () => {
    const cards = new Set(stack.slack.messages.map((m) => m.ts));
    await slack.command(USERS.requester, 'web /from-home/*');
    await workerHandler({ source: 'invalidator.wake' }, { getRemainingTimeInMillis: () => 20_000 });
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && !cards.has(m.ts)),
    );
    const id = requestIdOf(card.text);
    const publishedFor = (since: number) =>
      stack.slack.waitFor(() =>
        stack.slack.views.slice(since).find((v) => v.kind === 'publish' && v.user_id === USERS.lead),
      );
    const opened = stack.slack.views.length;
    await slack.event({ type: 'app_home_opened', user: USERS.lead, channel: 'D0HOME', tab: 'home' });
    const home = await publishedFor(opened);
    expect(JSON.stringify(home.view)).toContain(`"value":"${id}"`);
    const before = { invokes: lambda.invokes.length, views: stack.slack.views.length };
    const body = blockActionsBody({
      user: USERS.lead,
      actionId: 'invalidator.approve',
      value: id,
      container: { type: 'view', viewId: home.id },
      responseUrl: '',
      triggerId: 'trigger-lambda-home',
      actionTs: `${Date.now() / 1000}`,
    });
    expect((await slack.raw(body, sign(stack.secret, body))).status).toBe(200);
    expect(lambda.invokes.slice(before.invokes)).toEqual([
      { functionName: WORKER, invocationType: 'Event', payload: { source: 'invalidator.wake' } },
    ]);
    expect(JSON.stringify((await publishedFor(before.views)).view)).not.toContain(`"value":"${id}"`);
    await runWorker();
    await threadReply(card, 'completed in');
  });

  it('opens the request form on a bare /invalidate before answering; its submission is recorded and the worker completes it', async () => {
    const viewsBefore = stack.slack.views.length;
    const answer = await slack.command(USERS.requester, '');
    expect(answer.status).toBe(200);
    // views.open is made by the Slack handler itself, inside Slack's 3 seconds: the trigger id expires.
    const open = stack.slack.views.slice(viewsBefore).find((v) => v.kind === 'open');
    if (!open) throw new Error('the form was not opened');
    const view = open.view as { callback_id?: string; private_metadata?: string };
    expect(view.callback_id).toBe('invalidator.request_form');
    const submitted = await postSigned(
      front.url,
      stack.secret,
      viewSubmissionBody({
        user: USERS.requester,
        viewId: open.id,
        callbackId: 'invalidator.request_form',
        privateMetadata: view.private_metadata ?? '',
        values: requestFormValues('docs', '/lambda-form/index.html', 'from the form'),
        triggerId: `trigger-form-${Date.now()}`,
      }),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.text).toBe('');
    await runWorker();
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find(
        (m) => !m.thread_ts && JSON.stringify(m.blocks).includes('/lambda-form/index.html'),
      ),
    );
    const id = requestIdOf(card.text);
    const made = stack.cloudfront
      .invalidations(DISTRIBUTIONS.docs)
      .filter((inv) => inv.callerReference === id);
    expect(made.map((inv) => inv.paths)).toEqual([['/lambda-form/index.html']]);
    await threadReply(card, 'completed in');
  });

  it('takes a pipeline request through the Function URL: recorded, the worker posts its card and completes it', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${front.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${PIPELINE_TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const request = { distribution: 'docs', paths: ['/from-ci.html'], idempotencyKey: 'lambda-run-1' };
    const before = lambda.invokes.length;
    const created = await call('POST', '/api/v1/requests', request);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // Recorded as due work: the worker is woken to post the card, as for a slash command.
    expect(lambda.invokes.slice(before)).toEqual([
      { functionName: WORKER, invocationType: 'Event', payload: { source: 'invalidator.wake' } },
    ]);
    const retried = await call('POST', '/api/v1/requests', request);
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { id: string }).id).toBe(id);
    await runWorker();
    const card = await cardFor(id);
    expect(card.channel).toBe(PIPELINE_CHANNEL);
    await threadReply(card, 'completed in');
    const status = (await (await call('GET', `/api/v1/requests/${id}`)).json()) as {
      status: string;
      cardUrl?: string;
    };
    expect(status.status).toBe('completed');
    expect(status.cardUrl).toContain(`/archives/${PIPELINE_CHANNEL}/`);
    expect((await call('POST', '/api/v1/requests', 'not json')).status).toBe(400);
  });

  it('proposes a pipeline’s changed keys and answers Invalidate these; the worker posts the cards and redraws the proposal', async () => {
    const proposed = await fetch(`${front.url}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PIPELINE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ distribution: 'docs', changedKeys: ['guide/index.html'] }),
    });
    expect(proposed.status).toBe(201);
    const { proposal } = (await proposed.json()) as { proposal: { id: string; paths: string[] } };
    expect(proposal.paths).toEqual(['/guide/index.html', '/guide/']);
    await runWorker();
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => JSON.stringify(m.blocks).includes(proposal.id)),
    );
    expect(card.channel).toBe(PIPELINE_CHANNEL);

    const before = lambda.invokes.length;
    const answer = await slack.click(
      USERS.requester,
      'invalidator.proposal_accept',
      proposal.id,
      PIPELINE_CHANNEL,
    );
    expect(answer.status).toBe(200);
    expect(lambda.invokes.length).toBeGreaterThan(before);
    await runWorker();
    const requestId = `INV-${proposal.id.slice(4)}`;
    // The answer to the clicker goes to the worker with the wake-up, for its response_url.
    expect(JSON.stringify(lambda.invokes.slice(before))).toContain(`${requestId} made of this proposal`);
    await cardFor(requestId);
    await stack.slack.waitFor(() =>
      stack.slack.message(card.channel, card.ts)?.text.includes(`made request ${requestId}`),
    );
  });

  /** An S3 object event of the origin bucket, as EventBridge sends it. */
  const s3Event = (key: string, sequencer: string) => ({
    version: '0',
    id: `event-${sequencer}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:s3:::lambda-site'],
    detail: {
      version: '0',
      bucket: { name: 'lambda-site' },
      object: { key, size: 120, etag: `etag-${sequencer}`, sequencer },
      'request-id': 'C3D13FE58DE4C810',
      requester: '123456789012',
      reason: 'PutObject',
    },
  });
  /** An invocation by the SQS event source of the origin event queue: each message's id and body. */
  const sqsEvent = (messages: Array<[messageId: string, body: string]>) => ({
    Records: messages.map(([messageId, body]) => ({
      messageId,
      receiptHandle: `receipt-${messageId}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:Invalidator-OriginEventsQueue',
      awsRegion: 'us-east-1',
    })),
  });
  const deployCardWith = (path: string) =>
    stack.slack.waitFor(() =>
      stack.slack.messages.find(
        (m) =>
          !m.thread_ts && m.text.includes('Deploy to lambda-site') && JSON.stringify(m.blocks).includes(path),
      ),
    );
  const hasDeployCardWith = (path: string) =>
    stack.slack.messages.some(
      (m) => m.text.includes('Deploy to lambda-site') && JSON.stringify(m.blocks).includes(path),
    );

  it('records an S3 event EventBridge delivers to the worker, and proposes the object once writes are quiet', async () => {
    const context = { getRemainingTimeInMillis: () => 60_000 };
    // Twice, as EventBridge may deliver it, and an event that is no S3 object event at all.
    await workerHandler(s3Event('docs/install guide.html', '0062E99A88DC407460'), context);
    await workerHandler(s3Event('docs/install guide.html', '0062E99A88DC407460'), context);
    await workerHandler({ source: 'aws.s3', 'detail-type': 'Object Restore Completed' }, context);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await runWorker();
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && m.text.includes('Deploy to lambda-site')),
    );
    expect(card.channel).toBe(CHANNEL);
    expect(card.text).toContain('changed 1 object');
    // The key comes as it stands in EventBridge's events; its path is encoded as CloudFront matches it.
    expect(JSON.stringify(card.blocks)).toContain('/docs/install%20guide.html');
    await runWorker();
    expect(stack.slack.messages.filter((m) => m.text.includes('Deploy to lambda-site'))).toHaveLength(1);
  });

  it('records the S3 events of a batch from the origin event queue, runs nothing, and drops an unreadable message', async () => {
    const context = { getRemainingTimeInMillis: () => 60_000 };
    const answer = await workerHandler(
      sqsEvent([
        ['message-a', JSON.stringify(s3Event('queued/a.html', '0062E99A88DC407470'))],
        ['message-unreadable', '{"Records":[{"eventSource":"aws:s3"}]}'],
        ['message-b', JSON.stringify(s3Event('queued/b.html', '0062E99A88DC407471'))],
      ]),
      context,
    );
    // Lambda deletes every message not listed: the unreadable one too, which would never read on a retry.
    expect(answer).toEqual({ batchItemFailures: [] });
    const warning = logs.map(parse).find((line) => String(line?.message).includes('not an S3 object event'));
    expect(warning).toMatchObject({ level: 'warn', messageId: 'message-unreadable' });
    // The invocation only recorded: no run stayed to post the proposal once the bucket was quiet.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(hasDeployCardWith('/queued/a.html')).toBe(false);
    await runWorker();
    const card = await deployCardWith('/queued/a.html');
    expect(card.text).toContain('changed 2 objects');
    expect(JSON.stringify(card.blocks)).toContain('/queued/b.html');
  });

  it('answers with every readable message of a batch when DynamoDB does not answer, and records them when they come back', async () => {
    const context = { getRemainingTimeInMillis: () => 60_000 };
    const batch = sqsEvent([
      ['message-c', JSON.stringify(s3Event('retried/c.html', '0062E99A88DC407480'))],
      ['message-garbled', 'not json'],
      ['message-d', JSON.stringify(s3Event('retried/d.html', '0062E99A88DC407481'))],
    ]);
    // Composed before the cut, as a warm worker is (a cold start reads the table).
    await workerHandler(sqsEvent([['message-warm', 'not json']]), context);
    stack.dynamoProxy.cut();
    let answer: SqsBatchResponse | undefined;
    try {
      answer = await workerHandler(batch, context);
    } finally {
      stack.dynamoProxy.restore();
    }
    expect(answer).toEqual({
      batchItemFailures: [{ itemIdentifier: 'message-c' }, { itemIdentifier: 'message-d' }],
    });
    // SQS hands the reported messages back after each visibility timeout until they are recorded (the
    // first try may still meet a connection the outage reset: the SDK makes one attempt here).
    let again = await workerHandler(batch, context);
    for (let tries = 1; again?.batchItemFailures.length && tries < 5; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await workerHandler(batch, context);
    }
    expect(again).toEqual({ batchItemFailures: [] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await runWorker();
    const card = await deployCardWith('/retried/c.html');
    expect(card.text).toContain('changed 2 objects');
  });

  it('answers the Events API URL check, a signed JSON body that a Function URL passes as text', async () => {
    const body = JSON.stringify({ token: 'unused', challenge: 'challenge-7d1e', type: 'url_verification' });
    const answer = await slack.raw(body, { ...sign(stack.secret, body), 'content-type': 'application/json' });
    expect(front.events.at(-1)).toMatchObject({ isBase64Encoded: false });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ challenge: 'challenge-7d1e' });
  });

  it('answers 401 to a tampered signature and records nothing', async () => {
    const items = (await stack.items()).length;
    const body = new URLSearchParams({
      command: '/invalidate',
      text: 'docs /tampered.html',
      user_id: USERS.requester,
      channel_id: 'C0123DEPLOY',
      team_id: 'T0000TEST',
    }).toString();
    const headers = sign(stack.secret, body);
    const tampered = {
      ...headers,
      'x-slack-signature': headers['x-slack-signature'].replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    };
    expect((await slack.raw(body, tampered)).status).toBe(401);
    expect((await slack.raw(`${body}&x=1`, headers)).status).toBe(401);
    expect((await stack.items()).length).toBe(items);
  });

  it('answers 404 outside POST /slack/events, without reaching Bolt', async () => {
    expect((await fetch(`${front.url}/`)).status).toBe(404);
    expect((await fetch(`${front.url}/other`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await fetch(`${front.url}/slack/events`)).status).toBe(404);
  });

  it('reads the secret once per cold start and never logs its values', () => {
    // One cold start each for the Slack handler and the worker; every later invocation was warm.
    expect(secrets.reads).toEqual([SECRET_ARN, SECRET_ARN]);
    const text = logs.join('');
    expect(text).not.toContain(stack.secret);
    expect(text).not.toContain(stack.botToken);
  });

  it('fails a cold start plainly while the secret holds the placeholder, naming no value', async () => {
    vi.stubEnv('SLACK_SECRET_ARN', PLACEHOLDER_ARN);
    try {
      // A copy is a fresh module instance: a new cold start of the same bundle.
      const copy = join(bundles, 'slack/index-cold.mjs');
      copyFileSync(join(bundles, 'slack/index.mjs'), copy);
      const fresh = load(copy).handler as FunctionUrlHandler;
      const error = await fresh({}, {}).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      expect(error?.message).toContain('SLACK_BOT_TOKEN must start with xoxb-');
      expect(error?.message).not.toContain('generatedPlaceholder42');
    } finally {
      vi.stubEnv('SLACK_SECRET_ARN', SECRET_ARN);
    }
  });
});

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe('a worker invocation (drainDueWork)', () => {
  /** A fake clock that sleeping advances; `due` lists what each run reports and what falls due next. */
  function drain(script: Array<{ due: number; next?: number; wake?: boolean }>, budgetMs: number) {
    let now = 0;
    const sleeps: number[] = [];
    let run = 0;
    const runs = drainDueWork({
      run: async () => script[run++]?.due ?? 0,
      batch: 100,
      nextDueAt: async (until) => {
        const next = script[run - 1]?.next;
        return next === undefined || next > Date.parse(until) ? undefined : new Date(next).toISOString();
      },
      takeWake: () => script[run - 1]?.wake ?? false,
      intervalMs: 250,
      budgetMs,
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    return runs.then((count) => ({ runs: count, sleeps }));
  }

  it.each([
    ['ends after one run when nothing falls due', [{ due: 3 }], 50_000, 1, []],
    ['runs again at once after a full batch', [{ due: 100 }, { due: 2 }], 50_000, 2, []],
    ['runs again at once when a step made work due', [{ due: 1, wake: true }, { due: 1 }], 50_000, 2, []],
    ['waits for a poll about to fall due', [{ due: 1, next: 5_000 }, { due: 1 }], 50_000, 2, [5_000]],
    ['waits at least the interval for work still due', [{ due: 1, next: 0 }, { due: 1 }], 50_000, 2, [250]],
    ['leaves work due after its budget to the schedule', [{ due: 1, next: 60_000 }], 50_000, 1, []],
    ['runs once even without budget', [{ due: 100 }, { due: 100 }], 0, 1, []],
  ] as const)('%s', async (_name, script, budgetMs, runs, sleeps) => {
    expect(await drain([...script], budgetMs)).toEqual({ runs, sleeps: [...sleeps] });
  });
});

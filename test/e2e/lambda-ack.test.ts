import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUNDLED_CONFIG, bundleHandler } from '../../infra/lib/bundle.js';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { type SlackSender, slackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import { requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';
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
const WORKER = 'Invalidator-Worker11F36D0F-abc123';
const WAKE = { functionName: WORKER, invocationType: 'Event', payload: { source: 'invalidator.wake' } };

/** Slack's Web API on a slow or rate-limited day: every call that posts or draws a message waits this long. */
const SLOW_SLACK_MS = 3_000;
const SLOW_METHODS = ['chat.postMessage', 'chat.update', 'conversations.history', 'conversations.replies'];
/** "Well under a second": the handler's own work is a few DynamoDB calls and one Lambda invoke. */
const QUICK_MS = 1_000;

const load = (path: string) => createRequire(import.meta.url)(path) as Record<string, unknown>;

type WorkerHandler = (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<void>;

/**
 * The deployed bundles (as test/e2e/lambda.test.ts runs them) with a slow Slack: the Slack handler
 * answers once the request or decision is recorded, and leaves every card post and redraw to the worker.
 */
describe('the Lambda Slack handler with a slow Slack', () => {
  let stack: Stack;
  let secrets: SecretsStandIn;
  let lambda: LambdaStandIn;
  let front: FunctionUrlFront;
  let slack: SlackSender;
  let slackHandler: FunctionUrlHandler;
  let workerHandler: WorkerHandler;

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
    const bundles = mkdtempSync(join(tmpdir(), 'invalidator-lambda-ack-'));
    for (const name of ['slack', 'worker'] as const) {
      bundleHandler(name, join(bundles, name), join(stack.cwd, BUNDLED_CONFIG));
    }
    const environment = functionEnvironment(stack.env, {
      secretArn: SECRET_ARN,
      worker: WORKER,
      configPath: join(bundles, 'slack', BUNDLED_CONFIG),
      secrets,
      lambda,
      logLevel: 'warn',
    });
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    slackHandler = load(join(bundles, 'slack/index.mjs')).handler as FunctionUrlHandler;
    workerHandler = load(join(bundles, 'worker/index.mjs')).handler as WorkerHandler;
    front = await startFunctionUrlFront(() => slackHandler);
    slack = slackSender({
      url: front.url,
      secret: stack.secret,
      responseUrl: (id) => stack.slack.responseUrl(id),
    });
    // Warm: the cold start (secret, config, auth.test) is measured elsewhere (npm run bench:lambda).
    expect((await slack.command(USERS.requester, 'help')).status).toBe(200);
  });

  beforeEach(() => {
    stack.slack.clearFaults();
    for (const method of SLOW_METHODS) {
      stack.slack.inject({ method, delayMs: SLOW_SLACK_MS, times: Number.POSITIVE_INFINITY });
    }
  });

  afterAll(async () => {
    stack?.slack.clearFaults();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await Promise.all([front?.close(), secrets?.close(), lambda?.close()]);
    await stack?.close();
  });

  // With no time left past its reserve the worker makes exactly one run (and waits for its Slack calls).
  const runWorker = () =>
    workerHandler({ source: 'invalidator.wake' }, { getRemainingTimeInMillis: () => 20_000 });
  const timed = async <T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = performance.now();
    const value = await call();
    return { value, ms: performance.now() - started };
  };
  const cardOf = (id: string) => stack.slack.messages.find((m) => !m.thread_ts && m.text.includes(id));
  const cardNow = (card: StoredMessage) => stack.slack.message(card.channel, card.ts);
  const ackText = (answer: { json(): unknown }) => (answer.json() as { text: string }).text;

  /** A `web` wildcard: recorded by the handler, its card posted by the worker, waiting for approval. */
  const pendingRequest = async (paths: string): Promise<{ id: string; card: StoredMessage }> => {
    const { value: answer, ms } = await timed(() => slack.command(USERS.requester, `web ${paths}`));
    expect(answer.status).toBe(200);
    expect(ms).toBeLessThan(QUICK_MS);
    const id = requestIdOf(ackText(answer));
    expect(ackText(answer)).toBe(`${id} recorded; its card will appear here.`);
    // Nothing reached the channel from the handler: the card is due work in the table, left to the worker.
    expect(cardOf(id)).toBeUndefined();
    await runWorker();
    const card = cardOf(id);
    if (!card) throw new Error(`the worker posted no card for ${id}`);
    expect(card.text).toContain('Waiting for approval');
    // Redrawn once it waits, with when it expires.
    expect(cardNow(card)?.text).toContain('expires <!date^');
    expect(cardNow(card)?.updates).toBe(1);
    return { id, card };
  };

  it('acknowledges a slash command and an Approve click at once; the worker posts and updates the card', async () => {
    const before = lambda.invokes.length;
    const { id, card } = await pendingRequest('/slow-slack/*');
    expect(lambda.invokes.slice(before)).toEqual([WAKE]);

    const { value: approved, ms } = await timed(() => slack.click(USERS.lead, 'invalidator.approve', id));
    expect(approved.status).toBe(200);
    expect(ms).toBeLessThan(QUICK_MS);
    expect(lambda.invokes.slice(before)).toEqual([WAKE, WAKE]);
    // The handler drew nothing: the card still shows the buttons until the worker submits and redraws it.
    expect(cardNow(card)?.updates).toBe(1);

    await runWorker();
    expect(cardNow(card)?.text).toContain('In progress at CloudFront');
    expect(stack.cloudfront.calls.some((c) => c.operation === 'create')).toBe(true);
  });

  it('acknowledges a Cancel click and a denial at once; the worker redraws each card from the record', async () => {
    const cancelled = await pendingRequest('/cancel-me/*');
    const denied = await pendingRequest('/deny-me/*');
    const { value: cancelAnswer, ms: cancelMs } = await timed(() =>
      slack.click(USERS.requester, 'invalidator.cancel', cancelled.id),
    );
    expect(cancelAnswer.status).toBe(200);
    expect(cancelMs).toBeLessThan(QUICK_MS);
    const { value: denyAnswer, ms: denyMs } = await timed(() =>
      slack.submitDeny(USERS.lead, denied.id, 'not during the sale'),
    );
    expect(denyAnswer.status).toBe(200);
    expect(denyMs).toBeLessThan(QUICK_MS);

    expect(cardNow(cancelled.card)?.updates).toBe(1);
    expect(cardNow(denied.card)?.updates).toBe(1);
    await runWorker();
    expect(cardNow(cancelled.card)?.text).toContain('Cancelled');
    expect(cardNow(denied.card)?.text).toContain('Denied');
    expect(JSON.stringify(cardNow(denied.card)?.blocks)).toContain('not during the sale');
    // Redrawn once, each requester told once in the thread, and no longer due: the next run leaves both alone.
    await runWorker();
    expect(cardNow(cancelled.card)?.updates).toBe(2);
    expect(cardNow(denied.card)?.updates).toBe(2);
    for (const { card } of [cancelled, denied])
      expect(stack.slack.threadReplies(card.channel, card.ts)).toHaveLength(1);
  });

  it("hands a refused click's answer to the worker, which posts it to the response_url", async () => {
    const { id } = await pendingRequest('/self-approval/*');
    const before = lambda.invokes.length;
    const answered = stack.slack.responses.length;
    const { value: refused, ms } = await timed(() => slack.click(USERS.requester, 'invalidator.approve', id));
    expect(refused.status).toBe(200);
    expect(ms).toBeLessThan(QUICK_MS);
    const [handedOver, ...others] = lambda.invokes.slice(before);
    expect(others).toEqual([]);
    expect(handedOver).toMatchObject({
      functionName: WORKER,
      invocationType: 'Event',
      payload: { source: 'invalidator.reply', message: { response_type: 'ephemeral' } },
    });
    expect(stack.slack.responses.length).toBe(answered);
    // Lambda hands the queued event to the worker.
    await workerHandler(handedOver?.payload, { getRemainingTimeInMillis: () => 20_000 });
    const [reply] = stack.slack.responses.slice(answered);
    expect(JSON.stringify(reply?.body)).toContain('your own request');
  });

  it('answers /invalidate cancel in its acknowledgement, leaving the redraw to the worker', async () => {
    const { id, card } = await pendingRequest('/cancel-by-command/*');
    const { value: answer, ms } = await timed(() => slack.command(USERS.requester, `cancel ${id}`));
    expect(ms).toBeLessThan(QUICK_MS);
    expect(ackText(answer)).toBe(`Cancelled ${id}; nothing was submitted.`);
    await runWorker();
    expect(cardNow(card)?.text).toContain('Cancelled');
  });
});

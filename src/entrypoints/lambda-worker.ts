import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseOriginMessage } from '../adapters/aws/origin-events.js';
import { readSlackSecret, withSlackSecret } from '../adapters/aws/secrets.js';
import {
  recordSqsBatch,
  type SqsBatchResponse,
  type SqsRecord,
  sqsRecordsOf,
} from '../adapters/aws/sqs-batch.js';
import { postToResponseUrl, replyEvent } from '../adapters/slack/response-url.js';
import { createEmfMetrics, DEFAULT_SERVICE } from '../adapters/system/emf-metrics.js';
import { createLogger } from '../adapters/system/logger.js';
import { composeWorkerLambda, type WorkerLambda, workerLambdaVariables } from '../compose/lambda-worker.js';
import { onCallSecrets } from '../config.js';
import { schedulingOnRecord } from '../usecases/origin-watch.js';
import { loadConfig } from './load-config.js';

/** The part of Lambda's context object the worker reads. */
interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/**
 * No run starts in the last this-many ms of the invocation: a run's steps (AWS and Slack calls with 10 s
 * timeouts) must end before Lambda stops the process. A step cut off anyway is safe: its lease runs out
 * and another run takes it over.
 */
const RESERVE_MS = 20_000;
/** An invocation stays at most this long for work about to fall due; the schedule starts the next. */
const MAX_STAY_MS = 50_000;

/**
 * The worker on AWS Lambda: runs the due work, as the server's loop does. Invoked every minute by an
 * EventBridge rule and asynchronously by the Slack handler when work falls due (or with a message for a
 * `response_url`, posted alongside the run); two invocations at once
 * are safe, since every step is claimed with a conditional lease. Environment: SLACK_SECRET_ARN,
 * TABLE_NAME, INVALIDATOR_CONFIG, POWERTOOLS_SERVICE_NAME (the metrics' `service` dimension), all set by
 * the stack (infra/lib/stack.ts).
 *
 * Also invoked by the SQS event source of the origin buckets' S3 events (infra/lib/invalidator.ts): such
 * an invocation records its batch and answers which messages to receive again, and runs nothing. The
 * recording makes the bucket's watch due, which the next scheduled run or wake takes up; staying for a
 * run would keep the batch's messages in flight (and its failures unreported) for up to a minute.
 */
export async function handler(event: unknown, context: LambdaContext): Promise<SqsBatchResponse | undefined> {
  const worker = await composed();
  const records = sqsRecordsOf(event);
  if (records) return recordQueuedEvents(worker, records);
  await recordOriginEvent(worker, event);
  await runDueWork(worker, event, context);
  return undefined;
}

/** A batch of the origin event queue, recorded in one call; Lambda deletes what it does not get back. */
function recordQueuedEvents(worker: WorkerLambda, records: readonly SqsRecord[]): Promise<SqsBatchResponse> {
  const { services } = worker;
  return recordSqsBatch(records, {
    changes: schedulingOnRecord(services.originChanges, services),
    clock: services.clock,
    logger: services.logger,
  });
}

/** One run of the due work, and the reply the event carries; a reply that failed fails the invocation. */
async function runDueWork(worker: WorkerLambda, event: unknown, context: LambdaContext): Promise<void> {
  const replied = reply(event);
  try {
    await worker.run(Math.max(0, Math.min(MAX_STAY_MS, context.getRemainingTimeInMillis() - RESERVE_MS)));
  } finally {
    // One EMF line per invocation, written before Lambda freezes the process.
    worker.services.metrics.flush();
  }
  const failure = await replied;
  if (failure) {
    worker.services.logger.warn('posting a reply to its response_url failed; Lambda retries the event', {
      error: failure,
    });
    throw failure;
  }
}

/**
 * An S3 object event of an origin bucket that EventBridge delivered straight to the worker (the stack
 * queues them now; a rule of an older deployment, or one made by hand, may still invoke the worker):
 * recorded before the run, which then finds its bucket's watch due. Recording failing fails the
 * invocation, and the event is lost: the worker's asynchronous invocations are not retried.
 */
async function recordOriginEvent(worker: WorkerLambda, event: unknown): Promise<void> {
  if (!isS3Event(event)) return;
  const { services } = worker;
  const parsed = parseOriginMessage(event);
  if (!parsed.ok) {
    services.logger.warn('an S3 event could not be read; it is left out', { reason: parsed.reason });
    return;
  }
  await schedulingOnRecord(services.originChanges, services).record(parsed.value, services.clock.now());
}

function isS3Event(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.s3';
}

/**
 * Posts the message an event carries for a Slack `response_url` (the Slack handler leaves it here so as to
 * answer Slack at once), alongside the run. Its failure is returned, to fail the invocation after the run:
 * Lambda then tries the event again. https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
async function reply(event: unknown): Promise<unknown> {
  const parsed = replyEvent.safeParse(event);
  if (!parsed.success) return undefined;
  return postToResponseUrl(parsed.data).then(
    () => undefined,
    (error: unknown) => error,
  );
}

// Composed once per execution environment; a failed cold start is forgotten so the next invocation retries.
let composing: Promise<WorkerLambda> | undefined;

function composed(): Promise<WorkerLambda> {
  composing ??= compose().catch((error: unknown) => {
    composing = undefined;
    throw error;
  });
  return composing;
}

async function compose(): Promise<WorkerLambda> {
  // Needed before the configuration, which holds the secret's values; checked with every other variable
  // by the one parse below, which names it when it is unset.
  const secretArn = process.env.SLACK_SECRET_ARN;
  const secret = secretArn ? await readSlackSecret(new SecretsManagerClient({}), secretArn) : undefined;
  const env = secret ? withSlackSecret(process.env, secret) : process.env;
  const config = await loadConfig(env, workerLambdaVariables);
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.slack.botToken, config.slack.signingSecret ?? '', ...onCallSecrets(config)],
  });
  const metrics = createEmfMetrics({ service: config.metricsService ?? DEFAULT_SERVICE, logger });
  return composeWorkerLambda(config, logger, metrics);
}

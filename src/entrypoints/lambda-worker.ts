import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readSlackSecret, withSlackSecret } from '../adapters/aws/secrets.js';
import { createEmfMetrics, DEFAULT_SERVICE } from '../adapters/system/emf-metrics.js';
import { createLogger } from '../adapters/system/logger.js';
import { composeWorkerLambda, type WorkerLambda } from '../compose.js';
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
 * EventBridge rule and asynchronously by the Slack handler when work falls due; two invocations at once
 * are safe, since every step is claimed with a conditional lease. Environment: SLACK_SECRET_ARN,
 * TABLE_NAME, INVALIDATOR_CONFIG, POWERTOOLS_SERVICE_NAME (the metrics' `service` dimension), all set by
 * the stack (infra/lib/stack.ts).
 */
export async function handler(_event: unknown, context: LambdaContext): Promise<void> {
  const worker = await composed();
  try {
    await worker.run(Math.max(0, Math.min(MAX_STAY_MS, context.getRemainingTimeInMillis() - RESERVE_MS)));
  } finally {
    // One EMF line per invocation, written before Lambda freezes the process.
    worker.services.metrics.flush();
  }
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
  const { SLACK_SECRET_ARN } = process.env;
  if (!SLACK_SECRET_ARN) throw new Error('SLACK_SECRET_ARN must be set (the stack sets it)');
  const secret = await readSlackSecret(new SecretsManagerClient({}), SLACK_SECRET_ARN);
  const config = await loadConfig(withSlackSecret(process.env, secret));
  const logger = createLogger({ level: config.logLevel, secrets: [secret.botToken, secret.signingSecret] });
  const service = process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE;
  return composeWorkerLambda(config, logger, createEmfMetrics({ service, logger }));
}

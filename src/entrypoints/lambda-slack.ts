import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createLambdaWake } from '../adapters/aws/lambda-wake.js';
import { readSlackSecret, withSlackSecret } from '../adapters/aws/secrets.js';
import type { FunctionUrlEvent, FunctionUrlResult } from '../adapters/slack/lambda-app.js';
import { createEmfMetrics, DEFAULT_SERVICE } from '../adapters/system/emf-metrics.js';
import { createLogger } from '../adapters/system/logger.js';
import { composeSlackLambda, type SlackLambda } from '../compose.js';
import { loadConfig } from './load-config.js';

/**
 * The Slack handler on AWS Lambda, behind a Function URL. Environment (set by the stack, infra/lib/stack.ts):
 * SLACK_SECRET_ARN (the secret holding the signing secret and bot token), WORKER_FUNCTION_NAME (woken when
 * work falls due), TABLE_NAME, INVALIDATOR_CONFIG (the policy file bundled next to this handler).
 */
export async function handler(event: FunctionUrlEvent, context: unknown): Promise<FunctionUrlResult> {
  const slack = await composed();
  return slack.handle(event, context);
}

// Composed once per execution environment and reused by every warm invocation; a failed cold start is
// forgotten, so the next request tries again (the secret may have just been filled in).
// https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code
let composing: Promise<SlackLambda> | undefined;

function composed(): Promise<SlackLambda> {
  composing ??= compose().catch((error: unknown) => {
    composing = undefined;
    throw error;
  });
  return composing;
}

async function compose(): Promise<SlackLambda> {
  const { SLACK_SECRET_ARN, WORKER_FUNCTION_NAME } = process.env;
  if (!SLACK_SECRET_ARN || !WORKER_FUNCTION_NAME) {
    throw new Error('SLACK_SECRET_ARN and WORKER_FUNCTION_NAME must be set (the stack sets them)');
  }
  const secret = await readSlackSecret(new SecretsManagerClient({}), SLACK_SECRET_ARN);
  const config = await loadConfig(withSlackSecret(process.env, secret));
  const logger = createLogger({ level: config.logLevel, secrets: [secret.botToken, secret.signingSecret] });
  // The invoke is queued by Lambda and answered at once; a short timeout and one retry keep a slow one
  // from costing Slack's 3-second acknowledgement (the worker's schedule catches up within a minute).
  const lambda = new LambdaClient({
    maxAttempts: 2,
    requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  const metrics = createEmfMetrics({
    service: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE,
    logger,
  });
  return composeSlackLambda(config, logger, createLambdaWake(lambda, WORKER_FUNCTION_NAME, logger), metrics);
}

import { LambdaClient } from '@aws-sdk/client-lambda';
import { createLambdaWake } from '../adapters/aws/lambda-wake.js';
import type { SlackSecret } from '../adapters/aws/secrets.js';
import { withSlackSecret } from '../adapters/aws/secrets.js';
import { createEmfMetrics, DEFAULT_SERVICE } from '../adapters/system/emf-metrics.js';
import { createLogger } from '../adapters/system/logger.js';
import { composeSlackLambda, parseSlackLambdaConfig, type SlackLambda } from '../compose/lambda-slack.js';
import { onCallSecrets } from '../config.js';

// The policy file's reader (yaml) loads here too, not at module init.
export { readConfigFile } from './load-config.js';

/**
 * The part of the Slack handler that answers Slack: Bolt, the DynamoDB and Lambda clients, the listeners.
 * lambda-slack.ts loads it with `import()` at its first request, while the secret is on its way, so the
 * evaluation of this code and the secret's round trip overlap instead of adding up.
 */
export function composeAnswering(
  env: Record<string, string | undefined>,
  file: { path: string; content: unknown },
  secret: SlackSecret | undefined,
): Promise<SlackLambda> {
  // The one parse of this runtime's configuration: without a secret (SLACK_SECRET_ARN unset), it lists that
  // with the Slack values missing.
  const config = parseSlackLambdaConfig(secret ? withSlackSecret(env, secret) : env, file);
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.slack.botToken, config.slack.signingSecret ?? '', ...onCallSecrets(config)],
  });
  // The invoke is queued by Lambda and answered at once; a short timeout and one retry keep a slow one
  // from costing Slack's 3-second acknowledgement (the worker's schedule catches up within a minute).
  const lambda = new LambdaClient({
    maxAttempts: 2,
    requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  const metrics = createEmfMetrics({ service: config.metricsService ?? DEFAULT_SERVICE, logger });
  return composeSlackLambda(
    config,
    logger,
    createLambdaWake(lambda, config.workerFunctionName, logger),
    metrics,
  );
}

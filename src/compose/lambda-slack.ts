import * as z from 'zod';
import type { LambdaWake } from '../adapters/aws/lambda-wake.js';
import { API_PREFIX, createApi } from '../adapters/http/api.js';
import { answerFunctionUrl } from '../adapters/http/function-url.js';
import {
  createLambdaSlackApp,
  type FunctionUrlEvent,
  type FunctionUrlResult,
} from '../adapters/slack/lambda-app.js';
import { registerListeners } from '../adapters/slack/register.js';
import { type Config, lambdaVariables, parseRuntimeConfig, requiredVariable } from '../config.js';
import type { Logger, Metrics, Services } from '../usecases/ports.js';
import { composeServices, lambdaWorkerId } from './services.js';

/** The Slack handler's variables beyond the shared ones, all set by the stack. */
const slackLambdaVariables = z
  .object({
    ...lambdaVariables,
    /** the worker, woken when work falls due */
    WORKER_FUNCTION_NAME: requiredVariable('the stack sets it'),
  })
  .transform((env) => ({
    slackSecretArn: env.SLACK_SECRET_ARN,
    workerFunctionName: env.WORKER_FUNCTION_NAME,
  }));

/** The Slack handler's configuration: the shared one, and the names of the secret and the worker. */
export type SlackLambdaConfig = Config & z.output<typeof slackLambdaVariables>;

/**
 * Parses the Slack handler's environment (the secret's Slack values already in it) and policy file once,
 * at a cold start. Throws a ConfigError listing every problem.
 */
export function parseSlackLambdaConfig(
  env: Record<string, string | undefined>,
  file: { path: string; content: unknown },
): SlackLambdaConfig {
  return parseRuntimeConfig(slackLambdaVariables, env, file);
}

export interface SlackLambda {
  services: Services;
  /** one Function URL request: Slack's request verified, acknowledged once its listener is done */
  handle(event: FunctionUrlEvent, context: unknown): Promise<FunctionUrlResult>;
}

/**
 * The Slack handler on AWS Lambda: the same listeners as the server, behind Bolt's AwsLambdaReceiver.
 * Work that falls due is handed to the worker function through `waker`, and so are the cards to post or
 * redraw after a request or a decision is recorded (written as due work in the same write). `app.init()`
 * makes no call: the bot's ids, which only Bolt's ignoreSelf filter reads, are looked up with the first
 * Events API event (lambda-app.ts), so no `auth.test` stands between a cold start and its first
 * acknowledgement.
 */
export async function composeSlackLambda(
  config: Config,
  logger: Logger,
  waker: LambdaWake,
  metrics?: Metrics,
): Promise<SlackLambda> {
  if (config.slack.mode !== 'http') {
    throw new Error('the Lambda Slack handler answers over HTTP: unset SLACK_APP_TOKEN');
  }
  const slack = createLambdaSlackApp(config.slack, logger);
  const composed = await composeServices(
    config,
    logger,
    { client: slack.client, postClient: slack.postClient },
    waker.wake,
    metrics,
  );
  const services = { ...composed.services, workerId: lambdaWorkerId(composed.services.workerId) };
  // Lambda sends the acknowledgement only once every listener is done: Slack calls that can wait are the
  // worker's (cards as due work, response_url messages as events), so a slow Slack never costs the
  // 3 seconds. `views.open` alone stays: its trigger id expires.
  registerListeners(slack.app, services, logger, { cards: 'worker', replyLater: waker.reply });
  await slack.app.init();
  // The pipeline API: cards as due work for the worker, as for Slack's listeners.
  const api = createApi(services, 'worker');
  return {
    services,
    handle: async (event, context) => {
      try {
        if (event.rawPath.startsWith(API_PREFIX)) return await answerFunctionUrl(api, event);
        return await slack.handle(event, context);
      } finally {
        await waker.flush();
        services.metrics.flush();
      }
    },
  };
}

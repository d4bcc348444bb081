import * as z from 'zod';
import { createSlackClients } from '../adapters/slack/lambda-app.js';
import { drainDueWork } from '../adapters/system/drain.js';
import { dueAtOf, recordWorkerMetrics } from '../adapters/system/worker-metrics.js';
import { type Config, lambdaVariables } from '../config.js';
import { scheduleDigest } from '../usecases/digest.js';
import { scheduleOriginWatch } from '../usecases/origin-watch.js';
import type { Logger, Metrics, Services } from '../usecases/ports.js';
import { scheduleReconciliation } from '../usecases/reconcile.js';
import { runDueWork, WORK_BATCH } from '../usecases/run-due-work.js';
import { composeServices, lambdaWorkerId } from './services.js';

/** The worker's variables beyond the shared ones, set by the stack; for `loadConfig`. */
export const workerLambdaVariables = z
  .object(lambdaVariables)
  .transform((env) => ({ slackSecretArn: env.SLACK_SECRET_ARN }));

export interface WorkerLambda {
  services: Services;
  /** runs the due work for at most `budgetMs` (see drain.ts), then records the worker metrics (unflushed) */
  run(budgetMs: number): Promise<void>;
}

/** The worker on AWS Lambda: `runDueWork`, as the server's loop runs it, on a schedule and when woken. */
export async function composeWorkerLambda(
  config: Config,
  logger: Logger,
  metrics?: Metrics,
): Promise<WorkerLambda> {
  let woken = false;
  const composed = await composeServices(
    config,
    logger,
    createSlackClients(config.slack, logger),
    () => {
      woken = true;
    },
    metrics,
  );
  const services = {
    ...composed.services,
    workerId: lambdaWorkerId(composed.services.workerId),
    // The stack routes the origin buckets' S3 events to this function (infra/lib/invalidator.ts).
    originEvents: 'eventbridge' as const,
  };
  // As the server does when it starts.
  await scheduleReconciliation(services);
  await scheduleDigest(services);
  await scheduleOriginWatch(services);
  const intervalMs = Math.min(1000, Math.max(50, (config.operations.polling.firstCheckSeconds * 1000) / 2));
  return {
    services,
    run: async (budgetMs) => {
      await drainDueWork({
        run: () => runDueWork(services),
        batch: WORK_BATCH,
        nextDueAt: async (until) => {
          const [next] = await services.work.due(until, 1);
          return next && dueAtOf(next);
        },
        takeWake: () => {
          const was = woken;
          woken = false;
          return was;
        },
        intervalMs,
        budgetMs,
      });
      await recordWorkerMetrics(services);
    },
  };
}

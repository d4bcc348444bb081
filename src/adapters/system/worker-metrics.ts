import type { DueWork, Services } from '../../usecases/ports.js';

/**
 * The log line the worker writes after each invocation. The stack turns its fields into CloudWatch metrics
 * with metric filters and alarms on them (infra/lib/alarms.ts), so the worker needs no CloudWatch
 * permission. https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringPolicyExamples.html
 */
export const WORKER_METRICS = {
  message: 'worker metrics',
  /** how long the oldest due step has waited past its due time: the bot is not getting its work done */
  oldestDueAge: 'oldestDueAgeSeconds',
  /** how long the oldest invalidation in progress has been at CloudFront */
  oldestInFlightAge: 'oldestInFlightAgeSeconds',
} as const;

/** Reads the two ages from the table and logs them; 0 when nothing is due or in flight. */
export async function logWorkerMetrics(services: Services): Promise<void> {
  const { store, clock, policy, logger } = services;
  const now = clock.now();
  const [oldest] = await store.due(now, 1);
  const dueAt = oldest && dueAtOf(oldest);
  let oldestSubmittedAt: string | undefined;
  for (const id of new Set(policy.distributions.map((distribution) => distribution.id))) {
    for (const request of await store.inFlightRequests(id)) {
      if (oldestSubmittedAt === undefined || request.submittedAt < oldestSubmittedAt) {
        oldestSubmittedAt = request.submittedAt;
      }
    }
  }
  logger.info(WORKER_METRICS.message, {
    [WORKER_METRICS.oldestDueAge]: ageSeconds(dueAt, now),
    [WORKER_METRICS.oldestInFlightAge]: ageSeconds(oldestSubmittedAt, now),
  });
}

function ageSeconds(since: string | undefined, now: string): number {
  if (since === undefined) return 0;
  return Math.max(0, Math.round((Date.parse(now) - Date.parse(since)) / 1000));
}

/** When a unit of due work fell due. */
export function dueAtOf(work: DueWork): string | undefined {
  return work.dueAt;
}

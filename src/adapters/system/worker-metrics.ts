import type { DueWork, Services } from '../../usecases/ports.js';

/**
 * The bot's CloudWatch metric names (namespace `Invalidator`, emf-metrics.ts), and the alarms' source for
 * them (infra/lib/alarms.ts): a metric added here is one line, and its alarm reads the same name.
 */
export const WORKER_METRICS = {
  /** how long the oldest due step has waited past its due time: the bot is not getting its work done */
  oldestDueAge: 'OldestDueAgeSeconds',
  /** how long the oldest invalidation in progress has been at CloudFront */
  oldestInFlightAge: 'OldestInFlightAgeSeconds',
} as const;

/** Reads the two ages from the table and records them; 0 when nothing is due or in flight. */
export async function recordWorkerMetrics(
  services: Pick<Services, 'work' | 'capacity' | 'clock' | 'policy' | 'metrics'>,
) {
  const { clock, policy, metrics } = services;
  const now = clock.now();
  const [oldest] = await services.work.due(now, 1);
  const dueAt = oldest && dueAtOf(oldest);
  let oldestSubmittedAt: string | undefined;
  for (const id of new Set(policy.distributions.map((distribution) => distribution.id))) {
    for (const request of await services.capacity.inFlightRequests(id)) {
      if (oldestSubmittedAt === undefined || request.submittedAt < oldestSubmittedAt) {
        oldestSubmittedAt = request.submittedAt;
      }
    }
  }
  metrics.seconds(WORKER_METRICS.oldestDueAge, ageSeconds(dueAt, now));
  metrics.seconds(WORKER_METRICS.oldestInFlightAge, ageSeconds(oldestSubmittedAt, now));
}

function ageSeconds(since: string | undefined, now: string): number {
  if (since === undefined) return 0;
  return Math.max(0, Math.round((Date.parse(now) - Date.parse(since)) / 1000));
}

/** When a unit of due work fell due. */
export function dueAtOf(work: DueWork): string | undefined {
  return work.dueAt;
}

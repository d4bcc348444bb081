import { billingMonth } from '../core/cost.js';
import { monthPathsScope } from '../core/reservations.js';
import { addMs } from '../core/schedule.js';
import { isBotReference } from '../core/usage.js';
import type { Services } from './ports.js';

/**
 * Counts invalidations made outside the bot (a CLI, a CI step) into usage, so the month's figure matches
 * the account's bill. Every invalidation on a configured distribution is looked at once: ListInvalidations
 * (first page, newest first), then GetInvalidation for ids not seen before, to read its CallerReference and
 * path count. Ones whose CallerReference is not the bot's are recorded as external usage, idempotently,
 * and counted in the month's paths that new requests reserve against (the budget, the free allowance).
 */
export async function reconcileDistribution(
  services: Pick<
    Services,
    'ledger' | 'work' | 'cdn' | 'counters' | 'clock' | 'logger' | 'workerId' | 'operations'
  >,
  distributionId: string,
  claimedDueAt: string,
) {
  const { cdn, clock, logger, workerId, operations, counters } = services;
  const next = addMs(clock.now(), operations.reconciliation.intervalMinutes * 60_000);
  try {
    const recent = await cdn.recent(distributionId);
    const seen = await services.ledger.seenInvalidations(
      distributionId,
      recent.map((summary) => summary.id),
    );
    for (const summary of recent) {
      if (seen.has(summary.id)) continue;
      const detail = await cdn.describe({ distributionId, invalidationId: summary.id });
      const external = !isBotReference(detail.callerReference);
      // Counted in the month's counter before it is marked seen, and committed after: a run that dies
      // in between finds it unseen and reserves it again, which the open reservation makes a no-op.
      const counted = { scope: monthPathsScope(billingMonth(detail.createTime)), holder: `EXT#${detail.id}` };
      if (external) await counters.reserve(counted.scope, counted.holder, detail.paths);
      await services.ledger.markSeen({
        distributionId,
        invalidationId: detail.id,
        external,
        paths: detail.paths,
        createTime: detail.createTime,
      });
      if (external) await counters.commit(counted.scope, counted.holder, detail.paths);
      if (external)
        logger.info('counted an invalidation made outside the bot', {
          distributionId,
          invalidationId: detail.id,
          paths: detail.paths,
        });
    }
  } catch (error) {
    logger.warn('reconciling usage failed; will try again', { distributionId, error });
  } finally {
    await services.work.finishTask({ kind: 'reconcile', distributionId }, workerId, claimedDueAt, next);
  }
}

/** Makes sure every configured distribution has its reconciliation scheduled (when enabled). */
export async function scheduleReconciliation(
  services: Pick<Services, 'work' | 'clock' | 'policy' | 'operations'>,
): Promise<void> {
  if (!services.operations.reconciliation.enabled) return;
  const now = services.clock.now();
  for (const distribution of services.policy.distributions) {
    await services.work.scheduleTask({ kind: 'reconcile', distributionId: distribution.id }, now);
  }
}

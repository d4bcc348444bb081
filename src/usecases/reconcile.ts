import { accountOfDistribution, HOME_ACCOUNT } from '../core/accounts.js';
import { billingMonth } from '../core/cost.js';
import { distributionIds } from '../core/request.js';
import { accountPathsScope, monthPathsScope } from '../core/reservations.js';
import { addMs } from '../core/schedule.js';
import { isBotReference, monthsBefore } from '../core/usage.js';
import {
  CdnError,
  type InvalidationSummary,
  PartialListingError,
  type ReconcileProgress,
  type Services,
} from './ports.js';

/**
 * The one reconcile task that lists the account's distributions, once per interval, and makes the
 * reconciliation of each due. The other reconcile tasks are per distribution.
 */
export const ACCOUNT_DISTRIBUTIONS = '*';

/** The most ListInvalidations pages one run reads; a longer history goes on in the next run, at once. */
export const PAGES_PER_RUN = 10;

/**
 * How far below the last complete pass's newest CreateTime a pass still reads: an invalidation created
 * while that pass began may have been listed late. Re-reading costs only list calls (seen ones are skipped).
 */
const WATERMARK_MARGIN_MS = 15 * 60_000;

/**
 * What one per-distribution reconcile task reads: a distribution's own invalidations, or those of a tenant
 * of a multi-tenant distribution (ListInvalidationsForDistributionTenant lists them apart). A tenant's
 * task is named `<distribution id>/<tenant id>`; its invalidations count on its distribution, as the
 * bot's own do.
 */
export interface ReconcileTarget {
  distributionId: string;
  tenantId?: string;
}

const TENANT_SEPARATOR = '/';

export function reconcileTaskId(target: ReconcileTarget): string {
  return target.tenantId === undefined
    ? target.distributionId
    : `${target.distributionId}${TENANT_SEPARATOR}${target.tenantId}`;
}

export function reconcileTarget(taskId: string): ReconcileTarget {
  const at = taskId.indexOf(TENANT_SEPARATOR);
  return at < 0
    ? { distributionId: taskId }
    : { distributionId: taskId.slice(0, at), tenantId: taskId.slice(at + TENANT_SEPARATOR.length) };
}

export type ReconcileServices = Pick<
  Services,
  | 'ledger'
  | 'work'
  | 'cdn'
  | 'counters'
  | 'clock'
  | 'logger'
  | 'workerId'
  | 'operations'
  | 'policy'
  | 'reconcileState'
>;

/** Runs one reconcile task: the account's listing, or one distribution's (or tenant's) invalidations. */
export function reconcileTask(
  services: ReconcileServices,
  distributionId: string,
  claimedDueAt: string,
): Promise<void> {
  return distributionId === ACCOUNT_DISTRIBUTIONS
    ? reconcileAccount(services, claimedDueAt)
    : reconcileDistribution(services, distributionId, claimedDueAt);
}

/**
 * Lists every distribution the bot can see (ListDistributions, in every AWS account the config names),
 * keeps the listing for the usage report,
 * and makes each one's reconciliation due now; runs again after one interval. When ListDistributions is
 * refused, the configured distributions stand in and the listing says so (usage then says it covers only
 * those); the next listing that works replaces that. Any other failure reconciles what was known.
 */
export async function reconcileAccount(services: ReconcileServices, claimedDueAt: string): Promise<void> {
  const { clock, logger, work, workerId, operations } = services;
  const now = clock.now();
  const next = addMs(now, operations.reconciliation.intervalMinutes * 60_000);
  try {
    for (const distributionId of await distributionsToReconcile(services, now)) {
      await work.scheduleTask({ kind: 'reconcile', distributionId }, now);
    }
  } catch (error) {
    logger.warn('listing the distributions to reconcile failed; will try again', { error });
  } finally {
    await work.finishTask(
      { kind: 'reconcile', distributionId: ACCOUNT_DISTRIBUTIONS },
      workerId,
      claimedDueAt,
      next,
    );
  }
}

/** The reconcile tasks to make due: every distribution listed (or configured), and each configured tenant. */
async function distributionsToReconcile(services: ReconcileServices, now: string): Promise<string[]> {
  const tenants = services.policy.distributions.flatMap(({ id, tenant }) =>
    tenant === undefined ? [] : [reconcileTaskId({ distributionId: id, tenantId: tenant })],
  );
  return unique([...(await listedOrConfigured(services, now)), ...tenants]);
}

async function listedOrConfigured(services: ReconcileServices, now: string): Promise<string[]> {
  const { cdn, reconcileState, logger } = services;
  const configured = services.policy.distributions.flatMap((distribution) => distributionIds(distribution));
  try {
    const distributions = await cdn.distributions();
    await reconcileState.saveListing({ coverage: 'account', listedAt: now, distributions });
    return unique([...distributions.map((distribution) => distribution.id), ...configured]);
  } catch (error) {
    if (error instanceof PartialListingError) {
      const { distributions, deniedAccounts } = error;
      logger.warn(
        'cloudfront:ListDistributions was refused in some accounts; reconciling configured distributions there',
        { deniedAccounts, error },
      );
      await reconcileState.saveListing({ coverage: 'account', listedAt: now, distributions, deniedAccounts });
      return unique([...distributions.map((distribution) => distribution.id), ...configured]);
    }
    if (error instanceof CdnError && error.code === 'AccessDenied') {
      logger.warn(
        'the bot may not call cloudfront:ListDistributions; reconciling configured distributions only',
        {
          error,
        },
      );
      await reconcileState.saveListing({ coverage: 'configured', listedAt: now, reason: 'denied' });
      return configured;
    }
    logger.warn('listing the distributions failed; reconciling those known already', { error });
    const known = await reconcileState.listing();
    const listed = known?.coverage === 'account' ? known.distributions.map((d) => d.id) : [];
    return unique([...listed, ...configured]);
  }
}

/**
 * Counts invalidations made outside the bot (a CLI, a CI step, the console) on one distribution (or one
 * tenant of it: `taskId` as reconcileTaskId names it) into usage, so the month's figure matches the account's bill. It reads ListInvalidations page by page,
 * newest first, down to where the last complete pass began (less a margin), or on a first pass to the
 * start of the previous UTC month; GetInvalidation reads each one not seen before, for its
 * CallerReference and path count. A run reads at most PAGES_PER_RUN pages and records where it stopped
 * after each page, so a run that dies, or a long history, is continued by the next run with nothing
 * skipped; the pass's end moves the watermark. Counting is idempotent, so re-reading never counts twice.
 */
export async function reconcileDistribution(
  services: ReconcileServices,
  taskId: string,
  claimedDueAt: string,
  pagesPerRun = PAGES_PER_RUN,
): Promise<void> {
  const { clock, logger, workerId, work } = services;
  let next: string | undefined;
  try {
    const finished = await readInvalidations(services, taskId, pagesPerRun);
    // A pass left unfinished goes on at once; a finished one waits for the next listing of the account.
    if (!finished) next = clock.now();
  } catch (error) {
    logger.warn('reconciling usage failed; will try again', { ...reconcileTarget(taskId), error });
  } finally {
    await work.finishTask({ kind: 'reconcile', distributionId: taskId }, workerId, claimedDueAt, next);
  }
}

/** Reads up to `pagesPerRun` pages of a pass; true when the pass is complete. */
async function readInvalidations(
  services: ReconcileServices,
  taskId: string,
  pagesPerRun: number,
): Promise<boolean> {
  const { cdn, clock, reconcileState } = services;
  const target = reconcileTarget(taskId);
  // a pass's progress is the task's own: a tenant's list pages apart from its distribution's
  const progress = await reconcileState.progress(taskId);
  const stopBefore = passBoundary(progress, clock.now());
  let newest = progress.pass?.newest;
  let marker = progress.pass?.marker;
  for (let page = 0; page < pagesPerRun; page += 1) {
    const { items, nextMarker } = await cdn.invalidationsPage(target.distributionId, marker, target.tenantId);
    newest ??= items[0]?.createTime;
    const inPass = items.filter((summary) => summary.createTime >= stopBefore);
    await countUnseen(services, target, inPass);
    if (nextMarker === undefined || inPass.length < items.length) {
      const watermark = newest ?? progress.watermark;
      await reconcileState.saveProgress(taskId, watermark === undefined ? {} : { watermark });
      return true;
    }
    marker = nextMarker;
    await reconcileState.saveProgress(taskId, {
      ...(progress.watermark === undefined ? {} : { watermark: progress.watermark }),
      pass: newest === undefined ? { marker } : { newest, marker },
    });
  }
  return false;
}

/** Where a pass stops reading: below the last complete pass's start, or the previous UTC month's start. */
function passBoundary(progress: ReconcileProgress, now: string): string {
  if (progress.watermark !== undefined) return addMs(progress.watermark, -WATERMARK_MARGIN_MS);
  const [previousMonth = billingMonth(now)] = monthsBefore(billingMonth(now), 1);
  return `${previousMonth}-01T00:00:00.000Z`;
}

/**
 * Looks once at each invalidation not seen before. An external one is counted in the month's counter
 * (and in its AWS account's, for another account's distribution) before it is marked seen, and committed
 * after: a run that dies in between finds it unseen and reserves it again, which the open reservation
 * makes a no-op.
 */
async function countUnseen(
  services: ReconcileServices,
  target: ReconcileTarget,
  summaries: readonly InvalidationSummary[],
): Promise<void> {
  const { cdn, counters, ledger, logger } = services;
  const { distributionId, tenantId } = target;
  if (summaries.length === 0) return;
  const seen = await ledger.seenInvalidations(
    distributionId,
    summaries.map((summary) => summary.id),
  );
  const unseen = summaries.filter((summary) => !seen.has(summary.id));
  if (unseen.length === 0) return;
  const account = await accountOfReconciled(services, distributionId);
  for (const summary of unseen) {
    const detail = await cdn.describe({
      distributionId,
      invalidationId: summary.id,
      ...(tenantId === undefined ? {} : { tenantId }),
    });
    const external = !isBotReference(detail.callerReference);
    const month = billingMonth(detail.createTime);
    const holder = `EXT#${detail.id}`;
    const scopes = [
      monthPathsScope(month),
      ...(account === HOME_ACCOUNT ? [] : [accountPathsScope(account, month)]),
    ];
    if (external) await Promise.all(scopes.map((scope) => counters.reserve(scope, holder, detail.paths)));
    await ledger.markSeen({
      distributionId,
      invalidationId: detail.id,
      external,
      paths: detail.paths,
      createTime: detail.createTime,
      ...(account === HOME_ACCOUNT ? {} : { account }),
    });
    if (external) await Promise.all(scopes.map((scope) => counters.commit(scope, holder, detail.paths)));
    if (external)
      logger.info('counted an invalidation made outside the bot', {
        distributionId,
        ...(tenantId === undefined ? {} : { tenantId }),
        invalidationId: detail.id,
        paths: detail.paths,
        ...(account === HOME_ACCOUNT ? {} : { account }),
      });
  }
}

/** The AWS account of a distribution: as configured, else as the last listing found it, else the bot's own. */
async function accountOfReconciled(services: ReconcileServices, distributionId: string): Promise<string> {
  const configured = accountOfDistribution(services.policy, distributionId);
  if (configured !== undefined) return configured;
  const listing = await services.reconcileState.listing();
  const listed =
    listing?.coverage === 'account' ? listing.distributions.find((d) => d.id === distributionId) : undefined;
  return listed?.account ?? HOME_ACCOUNT;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** Makes the account's listing due now (when reconciliation is enabled); it makes each distribution due. */
export async function scheduleReconciliation(
  services: Pick<Services, 'work' | 'clock' | 'operations'>,
): Promise<void> {
  if (!services.operations.reconciliation.enabled) return;
  await services.work.scheduleTask(
    { kind: 'reconcile', distributionId: ACCOUNT_DISTRIBUTIONS },
    services.clock.now(),
  );
}

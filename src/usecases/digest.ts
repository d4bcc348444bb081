import type { DigestConfig } from '../config.js';
import {
  type DigestFigures,
  type DigestPeriod,
  digestFigures,
  endedPeriods,
  monthsOf,
  nextDigestBoundary,
} from '../core/digest.js';
import { distributionWithId, type InvalidationRequest } from '../core/request.js';
import { addMs } from '../core/schedule.js';
import { rowsAsSeen } from '../core/usage.js';
import { type AccessCheck, isRestricted } from '../core/visibility.js';
import { DIGEST_TASK, type Services } from './ports.js';
import { usageAccounts } from './reports.js';

/** What posting digests uses. */
export type DigestServices = Pick<
  Services,
  | 'work'
  | 'clock'
  | 'logger'
  | 'workerId'
  | 'operations'
  | 'policy'
  | 'ledger'
  | 'audit'
  | 'digests'
  | 'digestMarkers'
>;

/**
 * How long a `posting` marker stands for a runner still at work. Older, its runner died between the marker
 * and the post, or its post got no answer: the next run looks in the channel before posting again.
 */
export const POSTING_STALE_MS = 5 * 60_000;

/** A digest that is not settled (a failure, or another runner's post in flight) is looked at again this soon. */
export const DIGEST_RETRY_MS = 5 * 60_000;

/** Makes sure the digest task is due at the next period boundary (when a digest is configured). */
export async function scheduleDigest(services: Pick<Services, 'work' | 'clock' | 'operations'>) {
  const { digest } = services.operations;
  if (!digest) return;
  const next = nextDigestBoundary(services.clock.now(), digest);
  if (next) await services.work.scheduleTask(DIGEST_TASK, next);
}

/**
 * The digest task: posts the digest of each period that just ended, once, then schedules itself at the next
 * boundary. The task's lease keeps other instances from running it at the same time, and a marker per
 * period keeps a second run (a lease that ran out, a retry) from posting again:
 *
 *   runner: begin(posting@t) ✓ ── post ── posted        a later run sees `posted`: nothing to do
 *   runner: begin(posting@t) ✓ ── dies                  a run after t+POSTING_STALE_MS takes the marker
 *                                                       over (begin replacing t: one taker wins), looks in
 *                                                       the channel, and posts only when it is not there
 *   other:  begin ✗ (posting, fresh)                    leaves it to the runner, looks again in a while
 */
export async function postDigests(services: DigestServices, claimedDueAt: string): Promise<void> {
  const { clock, logger, work, workerId } = services;
  const digest = services.operations.digest;
  const now = clock.now();
  let next: string | undefined;
  try {
    if (!digest) return;
    let settled = true;
    for (const period of endedPeriods(now, digest)) {
      if (!(await postOnce(services, digest, period))) settled = false;
    }
    next = nextDigestBoundary(now, digest);
    if (!settled) next = earlier(addMs(now, DIGEST_RETRY_MS), next);
  } catch (error) {
    logger.warn('posting the usage digest failed; will try again', { error });
    next = addMs(now, DIGEST_RETRY_MS);
  } finally {
    await work.finishTask(DIGEST_TASK, workerId, claimedDueAt, next);
  }
}

/** Posts one period's digest unless it was posted; `false` when another runner's post may be in flight. */
async function postOnce(services: DigestServices, digest: DigestConfig, period: DigestPeriod) {
  const { digestMarkers: markers, digests, clock } = services;
  const now = clock.now();
  const marker = await markers.get(period.key);
  if (marker?.state === 'posted') return true;
  if (marker !== undefined && Date.parse(now) - Date.parse(marker.at) < POSTING_STALE_MS) return false;
  // Read before the marker is written, so a `posting` marker only ever waits for one Slack call.
  const figures = await figuresOf(services, period, digest.channel);
  const begun = clock.now();
  if (marker === undefined) {
    if (!(await markers.begin(period.key, begun))) return false;
  } else {
    if (!(await markers.begin(period.key, begun, marker.at))) return false;
    if (await digests.find(digest.channel, period.key, marker.at)) {
      await markers.posted(period.key);
      return true;
    }
  }
  await digests.post(digest.channel, figures);
  await markers.posted(period.key);
  services.logger.info('posted the usage digest', { period: period.key, channel: digest.channel });
  return true;
}

/** The period's figures, from the usage and the requests of every month it touches. */
async function figuresOf(
  services: DigestServices,
  period: DigestPeriod,
  channel: string,
): Promise<DigestFigures> {
  const months = monthsOf(period);
  const rows = (await Promise.all(months.map((month) => services.ledger.usageRows(month)))).flat();
  const requests: InvalidationRequest[] = [];
  for (const month of months) {
    for await (const stored of services.audit.requestsCreatedIn(month)) requests.push(stored.request);
  }
  for await (const stored of services.audit.requestsActiveIn(months)) requests.push(stored.request);
  const access = channelAccess(services.policy.distributions, channel);
  const configured = (id: string) => distributionWithId(services.policy.distributions, id) !== undefined;
  return digestFigures(
    period,
    rowsAsSeen(rows, access, configured),
    requests,
    services.policy.cost,
    usageAccounts(services.policy),
  );
}

/**
 * What a channel may see: everything of an unrestricted distribution, and of a restricted one only when
 * the channel is one of its own; a distribution no longer configured may have been restricted.
 */
function channelAccess(distributions: Services['policy']['distributions'], channel: string): AccessCheck {
  return (distributionId) => {
    const distribution = distributionWithId(distributions, distributionId);
    if (!distribution) return 'restricted';
    if (!isRestricted(distribution) || distribution.channels?.includes(channel)) return 'full';
    return 'restricted';
  };
}

function earlier(a: string, b: string | undefined): string {
  return b === undefined || a < b ? a : b;
}

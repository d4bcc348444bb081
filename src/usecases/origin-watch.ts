import { derivedId } from '../adapters/system/ids.js';
import type { DistributionConfig, OriginConfig, PolicyConfig } from '../config.js';
import {
  classifyChanges,
  type KeyChange,
  keyPrefix,
  lastChangeAt,
  type ObjectChange,
  type OriginEvent,
  type OriginMapping,
  originProposal,
} from '../core/origin.js';
import type { Proposal, ProposalSource } from '../core/proposal.js';
import { addMs } from '../core/schedule.js';
import type { OriginChanges, Services, Task } from './ports.js';
import { type ProposalServices, propose } from './proposals.js';

/**
 * Watches each origin bucket as one work-queue task (`origin`, keyed by the bucket), so one process at a
 * time runs it however many run the bot: without events it compares listings and records what changed;
 * then, once writes have been quiet for the bucket's settle time, it claims the period's changes and
 * proposes, for each distribution served from the bucket, the paths under its prefix that edges may hold.
 *
 *   run:  [list ─ record] ─ re-propose last claimed period? ─ claimQuiet ─ propose per distribution
 *                                                                          (id from bucket+period+alias)
 *
 * A crash between the claim and the proposals loses nothing: the task's lease runs out, the next run
 * finds the claimed period without its proposals (their ids are derived, not drawn) and proposes them;
 * the create is conditional, so a proposal made twice is made once.
 */

/** A distribution that names its S3 origin. */
export type WatchedDistribution = DistributionConfig & { origin: OriginConfig };

export type OriginWatchServices = ProposalServices &
  Parameters<typeof propose>[0] &
  Pick<
    Services,
    'originChanges' | 'originListings' | 'originEvents' | 'work' | 'workerId' | 'policy' | 'logger' | 'clock'
  >;

/** A run that failed tries again this long after. */
const RETRY_MS = 5_000;
/** Claims run this long after the quiet period's end, so a clock a little behind the writer's still sees it. */
const CLAIM_MARGIN_MS = 250;
/** Listing runs come at most this far apart, and at least this close, whatever the settle time. */
const LISTING_INTERVAL_MAX_MS = 30_000;
const LISTING_INTERVAL_MIN_MS = 500;

/** The task that watches `bucket`. */
export function originTask(bucket: string): Task {
  return { kind: 'origin', distributionId: bucket };
}

/** The distributions served from `bucket`. */
export function watchersOf(policy: PolicyConfig, bucket: string): WatchedDistribution[] {
  return policy.distributions.filter(
    (distribution): distribution is WatchedDistribution => distribution.origin?.bucket === bucket,
  );
}

/** Every origin bucket the policy names, each once. */
export function originBuckets(policy: PolicyConfig): string[] {
  const buckets = policy.distributions.flatMap((distribution) =>
    distribution.origin ? [distribution.origin.bucket] : [],
  );
  return [...new Set(buckets)];
}

/**
 * How long writes to a bucket must be quiet: the longest of its distributions' settle times (its changes
 * are claimed for all of them at once).
 */
export function settleMsOf(watchers: readonly WatchedDistribution[]): number {
  return Math.max(0, ...watchers.map((distribution) => distribution.origin.settleSeconds * 1000));
}

/** Makes every origin bucket's task due now (at start: listings begin, an interrupted run is finished). */
export async function scheduleOriginWatch(
  services: Pick<Services, 'work' | 'clock' | 'policy'>,
): Promise<void> {
  const now = services.clock.now();
  for (const bucket of originBuckets(services.policy))
    await services.work.scheduleTask(originTask(bucket), now);
}

/**
 * OriginChanges that, after recording events, make their buckets' tasks due once the settle time has
 * passed: the SQS poller records through this, and the quiet period is noticed when it ends.
 */
export function schedulingOnRecord(
  changes: OriginChanges,
  services: Pick<Services, 'work' | 'policy'>,
): OriginChanges {
  return {
    record: async (events, now) => {
      const recorded = await changes.record(events, now);
      for (const bucket of new Set(events.map((event) => event.bucket))) {
        const watchers = watchersOf(services.policy, bucket);
        if (watchers.length === 0) continue;
        await services.work.scheduleTask(
          originTask(bucket),
          addMs(now, settleMsOf(watchers) + CLAIM_MARGIN_MS),
        );
      }
      return recorded;
    },
    period: (bucket) => changes.period(bucket),
    claimQuiet: (bucket, now, settleMs) => changes.claimQuiet(bucket, now, settleMs),
    changesIn: (bucket, period) => changes.changesIn(bucket, period),
  };
}

/** Runs the task of `bucket` (claimed by this worker) and schedules its next run. */
export async function watchOrigin(
  services: OriginWatchServices,
  bucket: string,
  claimedDueAt: string,
): Promise<void> {
  const { clock, logger, work, workerId } = services;
  const watchers = watchersOf(services.policy, bucket);
  const now = clock.now();
  let next: string | undefined;
  try {
    next = watchers.length === 0 ? undefined : await watchOnce(services, bucket, watchers, now);
  } catch (error) {
    logger.error('watching an origin bucket failed; will try again', { bucket, error });
    next = addMs(now, RETRY_MS);
  } finally {
    await work.finishTask(originTask(bucket), workerId, claimedDueAt, next);
  }
}

/** One run; returns when the next is due (none: events will make it due). */
async function watchOnce(
  services: OriginWatchServices,
  bucket: string,
  watchers: readonly WatchedDistribution[],
  now: string,
): Promise<string | undefined> {
  const listing =
    services.originEvents !== 'eventbridge' &&
    !watchers.some((distribution) => distribution.origin.queueUrl !== undefined);
  const source: ProposalSource = listing ? 'listing' : 'events';
  if (listing) await recordListings(services, bucket, watchers, now);
  const settleMs = settleMsOf(watchers);
  const period = await services.originChanges.period(bucket);
  if (period && period.period > 1)
    await proposeUnproposed(services, bucket, period.period - 1, watchers, source);
  const settled = await services.originChanges.claimQuiet(bucket, now, settleMs);
  if (settled) {
    for (const distribution of watchers)
      await proposeFor(services, distribution, settled.changes, settled.period, settled.quietSince, source);
  }
  return nextRun(services, bucket, now, settleMs, listing);
}

/** When the task runs again: at the quiet period's end while writes are pending, and between listings. */
async function nextRun(
  services: OriginWatchServices,
  bucket: string,
  now: string,
  settleMs: number,
  listing: boolean,
): Promise<string | undefined> {
  const period = await services.originChanges.period(bucket);
  const quietAt =
    period?.pending && period.lastWriteAt !== undefined
      ? later(addMs(period.lastWriteAt, settleMs + CLAIM_MARGIN_MS), addMs(now, CLAIM_MARGIN_MS))
      : undefined;
  if (!listing) return quietAt;
  const interval = Math.min(LISTING_INTERVAL_MAX_MS, Math.max(LISTING_INTERVAL_MIN_MS, settleMs / 2));
  const listAt = addMs(now, interval);
  return quietAt !== undefined && quietAt < listAt ? quietAt : listAt;
}

function later(a: string, b: string): string {
  return a > b ? a : b;
}

/**
 * Lists the bucket under each of its distributions' prefixes, compares with the last listing, and records
 * what changed as events (sequenced by the listing's time, each knowing whether its object existed).
 */
async function recordListings(
  services: OriginWatchServices,
  bucket: string,
  watchers: readonly WatchedDistribution[],
  now: string,
): Promise<void> {
  const { originListings, logger } = services;
  if (!originListings) {
    logger.warn('an origin bucket without events cannot be listed here; set origin.queueUrl', { bucket });
    return;
  }
  const origins = new Map(watchers.map(({ origin }) => [keyPrefix(origin.prefix), origin.region]));
  for (const [prefix, region] of origins) {
    const compared = await originListings.compare(
      { bucket, prefix, ...(region === undefined ? {} : { region }) },
      now,
    );
    if (compared.kind === 'baseline')
      logger.info('origin listing: baseline taken', { bucket, prefix, keys: compared.keys });
    if (compared.kind !== 'compared' || compared.changes.length === 0) continue;
    await services.originChanges.record(listingEvents(bucket, compared.changes, now), now);
  }
}

/** A listing's changes as the events S3 would have sent, ordered by the listing's time. */
export function listingEvents(bucket: string, changes: readonly ObjectChange[], now: string): OriginEvent[] {
  const sequencer = Date.parse(now).toString(16).padStart(16, '0');
  return changes.map(({ key, change }) => ({
    bucket,
    key,
    kind: change === 'deleted' ? 'deleted' : 'created',
    sequencer,
    time: now,
    ...(change === 'deleted' ? {} : { existedBefore: change === 'changed' }),
  }));
}

/**
 * Periods whose proposals were looked for already, per store (a process looks at each claimed period
 * once: after a restart, or when a run died between its claim and its proposals).
 */
const lookedAt = new WeakMap<OriginChanges, Map<string, number>>();

/** Proposes what a claimed period should have proposed and did not (its claimer died first). */
async function proposeUnproposed(
  services: OriginWatchServices,
  bucket: string,
  period: number,
  watchers: readonly WatchedDistribution[],
  source: ProposalSource,
): Promise<void> {
  const looked = lookedAt.get(services.originChanges) ?? new Map<string, number>();
  lookedAt.set(services.originChanges, looked);
  if (looked.get(bucket) === period) return;
  const missing: WatchedDistribution[] = [];
  for (const distribution of watchers) {
    if (!(await services.proposals.get(periodProposalId(bucket, period, distribution.alias))))
      missing.push(distribution);
  }
  if (missing.length > 0) {
    const changes = await services.originChanges.changesIn(bucket, period);
    // The claim's quiet time went with the claimer: the last event's time names the deploy instead.
    const deployedAt = lastChangeAt(changes) ?? services.clock.now();
    for (const distribution of missing)
      await proposeFor(services, distribution, changes, period, deployedAt, source);
  }
  looked.set(bucket, period);
}

/** The id of a quiet period's proposal for one distribution: the same however often it is proposed. */
export function periodProposalId(bucket: string, period: number, alias: string): string {
  return derivedId('PRO-', [bucket, String(period), alias.toLowerCase()]);
}

/** Proposes the distribution's part of a period's changes, when any of its paths may be held at edges. */
async function proposeFor(
  services: OriginWatchServices,
  distribution: WatchedDistribution,
  changes: readonly KeyChange[],
  period: number,
  deployedAt: string,
  source: ProposalSource,
): Promise<{ proposal: Proposal; created: boolean } | undefined> {
  const { origin } = distribution;
  const figures = originProposal(classifyChanges(changes), mappingOf(origin));
  if (figures.paths.length === 0) {
    if (figures.objects > 0)
      services.logger.info('a deploy changed nothing edges may hold: no proposal', {
        distribution: distribution.alias,
        bucket: origin.bucket,
        objects: figures.objects,
      });
    return undefined;
  }
  return propose(services, {
    id: periodProposalId(origin.bucket, period, distribution.alias),
    distribution,
    bucket: origin.bucket,
    channel: origin.channel,
    source,
    deployedAt,
    objects: { changed: figures.objects, created: figures.created, deleted: figures.deleted },
    leftOut: { hashed: figures.hashed, created: figures.newLeftOut },
    paths: figures.paths,
    proposalMinutes: origin.proposalMinutes,
  });
}

/** How the distribution serves the bucket's keys. */
export function mappingOf(origin: OriginConfig): OriginMapping {
  return {
    prefix: origin.prefix,
    defaultRootObject: origin.defaultRootObject,
    ...(origin.indexDocument === '' ? {} : { indexDocument: origin.indexDocument }),
    errorCachingMinTtlSeconds: origin.errorCachingMinTtlSeconds,
    settleSeconds: origin.settleSeconds,
  };
}

import {
  batchDistribution,
  distributionIds,
  noticeTriedWith,
  pollAgainAt,
  polled,
  type RequestIn,
  type Status,
  type Transition,
} from '../core/request.js';
import { addMs, elapsedMs, pollDelayMs } from '../core/schedule.js';
import type { InvalidationStatus, Services } from './ports.js';
import { nudgeQueue } from './queue.js';
import { sendNotice } from './send-notice.js';
import { showChange } from './show-change.js';
import type { SlackLane } from './slack-lane.js';
import { pollLease, submitRemaining } from './submit.js';

/** What polling a distribution uses, down to the notices and submissions it leads to. */
export type PollServices = Parameters<typeof submitRemaining>[0] &
  Pick<Services, 'take' | 'work' | 'workerId'>;

/**
 * Polls every in-flight request of one distribution with one ListInvalidations call (newest first, it
 * reports many at once), falling back to GetInvalidation only for ids not on its first page. So CloudFront
 * calls grow with distributions, not invalidations. A slow invalidation is never reported as failed, and an
 * error only delays the next poll. The caller holds the distribution's poll lease.
 */
export async function pollDistribution(
  services: PollServices,
  distributionId: string,
  claimedDueAt: string,
  slackLane: SlackLane,
) {
  const { clock, workerId, logger, operations } = services;
  let next = addMs(clock.now(), operations.polling.firstCheckSeconds * 1000);
  try {
    const requests = await services.capacity.inFlightRequests(distributionId);
    // With nothing in flight the poll stays scheduled, once a maximum interval: a submission schedules
    // its poll just before it records the request as in progress, so a poll in between sees nothing.
    // It costs one table query a minute and no CloudFront call.
    const idle = addMs(clock.now(), operations.polling.maxIntervalSeconds * 1000);
    next =
      requests.length === 0 ? idle : ((await pollAll(services, distributionId, requests, slackLane)) ?? idle);
  } catch (error) {
    logger.warn('polling a distribution failed; will poll again', { distributionId, error });
  } finally {
    await services.work.finishTask({ kind: 'poll', distributionId }, workerId, claimedDueAt, next);
  }
}

/**
 * Polls a request that polls itself (it was alone in flight on its distribution when submitted), under
 * its own claim: one GetInvalidation per open batch (one ListInvalidations when it has several), and one
 * write that records what changed and when to look again.
 */
export async function pollItself(
  services: PollServices,
  request: RequestIn<'in_progress'>,
  slackLane: SlackLane,
): Promise<void> {
  const { cdn, clock, logger, operations } = services;
  const open = request.batches.filter((batch) => !batch.completed && batch.invalidationId !== undefined);
  let recent: Map<string, InvalidationStatus> | undefined;
  if (open.length > 1) {
    try {
      const listed = await cdn.recent(request.distribution.id, request.distribution.tenant);
      recent = new Map(listed.map((summary) => [summary.id, summary.status]));
    } catch (error) {
      logger.warn('listing invalidations failed; asking one by one', { requestId: request.id, error });
    }
  }
  const completed = await completedIds(services, request, recent);
  const now = clock.now();
  const schedule = {
    firstCheckMs: operations.polling.firstCheckSeconds * 1000,
    maxIntervalMs: operations.polling.maxIntervalSeconds * 1000,
  };
  const again = addMs(now, pollDelayMs(elapsedMs(request.submittedAt, now), schedule));
  const slowAfterMs = operations.polling.slowNoticeMinutes * 60_000;
  const transition = pollAgainAt(request, polled(request, completed, now, { slowAfterMs }), again);
  const notice = withNoticeTried(services, transition);
  const pollsAgain = notice.transition.request.status === 'in_progress' && !notice.transition.request.outbox;
  const lease = pollsAgain ? pollLease(services, again) : undefined;
  if (!(await services.requests.save(notice.transition, lease))) return;
  const next = notice.transition.request;
  if (lease) services.take?.(next, again);
  if (next.status === 'in_progress') await submitRemaining(services, next, slackLane);
  if (completed.size > 0) await nudgeQueue(services, request.distribution.id);
  if (next.outbox) slackLane.add(next.id, () => sendNotice(services, next, notice.triedBefore));
}

/**
 * A notice the poll makes due is posted by this process right after its write: the attempt goes in the
 * same write, due again after a lease should this process stop, and counts as recorded for half of it.
 */
function withNoticeTried<S extends Status>(
  services: Pick<Services, 'clock' | 'operations'>,
  transition: Transition<S>,
): { transition: Transition<S>; triedBefore?: string } {
  if (!transition.request.outbox) return { transition };
  const now = services.clock.now();
  const leaseMs = services.operations.workLeaseSeconds * 1000;
  return {
    transition: noticeTriedWith(transition, addMs(now, leaseMs)),
    triedBefore: addMs(now, leaseMs / 2),
  };
}

/** Polls the requests and returns when to poll again (undefined when nothing is left in flight). */
async function pollAll(
  services: PollServices,
  distributionId: string,
  requests: ReadonlyArray<RequestIn<'in_progress'>>,
  slackLane: SlackLane,
): Promise<string | undefined> {
  const { cdn, clock, logger, operations } = services;
  let recent: Map<string, InvalidationStatus> | undefined;
  try {
    // A tenant's invalidations are listed with the tenant's own call: one more list per tenant in flight.
    const tenants = new Set(requests.flatMap((request) => request.distribution.tenant ?? []));
    const lists = [undefined, ...tenants].map((tenant) => cdn.recent(distributionId, tenant));
    const listed = (await Promise.all(lists)).flat();
    recent = new Map(listed.map((summary) => [summary.id, summary.status]));
  } catch (error) {
    logger.warn('listing invalidations failed; asking one by one', { distributionId, error });
  }
  let youngest: number | undefined;
  for (const request of requests) {
    const stillInFlight = await pollRequest(services, request, distributionId, recent, slackLane);
    const age = elapsedMs(request.submittedAt, clock.now());
    if (stillInFlight) youngest = Math.min(youngest ?? age, age);
  }
  if (youngest === undefined) return undefined;
  const schedule = {
    firstCheckMs: operations.polling.firstCheckSeconds * 1000,
    maxIntervalMs: operations.polling.maxIntervalSeconds * 1000,
  };
  return addMs(clock.now(), pollDelayMs(youngest, schedule));
}

/**
 * Updates one request from the poll of `distributionId` (its batches there only: a request on several
 * distributions is polled with each of them); returns whether it is still in flight.
 */
async function pollRequest(
  services: PollServices,
  request: RequestIn<'in_progress'>,
  distributionId: string,
  recent: Map<string, InvalidationStatus> | undefined,
  slackLane: SlackLane,
): Promise<boolean> {
  const { clock, operations } = services;
  const completed = await completedIds(services, request, recent, distributionId);
  const slowAfterMs = operations.polling.slowNoticeMinutes * 60_000;
  const transition = polled(request, completed, clock.now(), { slowAfterMs });
  const next = transition.request;
  if (next === request) {
    await submitRemaining(services, request, slackLane);
    return openOn(request, distributionId);
  }
  const notice = withNoticeTried(services, transition);
  // Another worker may have moved this request on since it was read: its version guards the write.
  if (!(await services.requests.save(notice.transition))) return true;
  const saved = notice.transition.request;
  // On several distributions, the card says which are done: one finishing first redraws it.
  if (saved.status === 'in_progress' && !saved.outbox && distributionIds(saved.distribution).length > 1)
    slackLane.add(saved.id, () => showChange(services, { before: request, after: saved }));
  if (saved.status === 'in_progress') await submitRemaining(services, saved, slackLane);
  // Capacity freed up: queued requests need not wait for their next look (they back off as they wait).
  if (completed.size > 0) await nudgeQueue(services, distributionId);
  if (saved.outbox) slackLane.add(saved.id, () => sendNotice(services, saved, notice.triedBefore));
  return saved.status === 'in_progress' && openOn(saved, distributionId);
}

/** Whether the request has an invalidation on the distribution not known to be Completed (or not made yet). */
function openOn(request: RequestIn<'in_progress'>, distributionId: string): boolean {
  return request.batches.some(
    (batch) => !batch.completed && batchDistribution(request, batch) === distributionId,
  );
}

/** The open invalidations of the request (on `onlyOn` alone, when given) that CloudFront reports Completed. */
async function completedIds(
  services: Pick<Services, 'cdn' | 'logger'>,
  request: RequestIn<'in_progress'>,
  recent: Map<string, InvalidationStatus> | undefined,
  onlyOn?: string,
): Promise<Set<string>> {
  const completed = new Set<string>();
  const { tenant } = request.distribution;
  for (const batch of request.batches) {
    const invalidationId = batch.invalidationId;
    if (batch.completed || invalidationId === undefined) continue;
    const distributionId = batchDistribution(request, batch);
    if (onlyOn !== undefined && distributionId !== onlyOn) continue;
    let status = recent?.get(invalidationId);
    if (status === undefined) {
      try {
        status = await services.cdn.status({
          distributionId,
          ...(tenant === undefined ? {} : { tenantId: tenant }),
          invalidationId,
        });
      } catch (error) {
        services.logger.warn('polling CloudFront failed; will poll again', { requestId: request.id, error });
        continue;
      }
    }
    if (status === 'Completed') completed.add(invalidationId);
  }
  return completed;
}

import { admissionOrder, loadAhead, nextTurn } from '../core/queue-order.js';
import {
  addLoad,
  admit,
  type Batch,
  batchDistribution,
  batchPaths,
  distributionIds,
  type InvalidationRequest,
  inFlightLoadOn,
  type Load,
  moreSubmitted,
  type QueueReason,
  type RequestIn,
  requestBatches,
  submitted,
} from '../core/request.js';
import { addMs } from '../core/schedule.js';
import type { Lease, Services } from './ports.js';
import { nudgeQueue, waitInQueue } from './queue.js';
import { recordSubmission } from './record-submission.js';
import { commitReservation, holdApproved } from './reservations.js';
import { showChange } from './show-change.js';
import type { SlackLane } from './slack-lane.js';
import { handleSubmitError } from './step-error.js';

/** What submitting a request uses, with the queue and the follow-ups around it. */
export type SubmitServices = Pick<
  Services,
  | 'capacity'
  | 'cards'
  | 'cdn'
  | 'clock'
  | 'counters'
  | 'ids'
  | 'logger'
  | 'metrics'
  | 'operations'
  | 'policy'
  | 'requests'
  | 'take'
  | 'wake'
  | 'work'
  | 'workerId'
>;

/**
 * Submits an approved (or queued) request to CloudFront, as far as the distribution has room: CloudFront
 * allows 3,000 paths and 15 wildcards in progress per distribution, counted here from the bot's own
 * records, and queued requests go oldest first. Each batch's CallerReference derives from the request id
 * and is reused on every retry, so a retry after a crash or timeout returns the invalidation already made.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
 */
async function submitRequest(
  services: SubmitServices,
  request: RequestIn<'approved' | 'queued'>,
  inFlight: Load,
  redraw: (request: InvalidationRequest) => Promise<void>,
  afterwards: (work: Promise<void>) => void,
): Promise<Load | undefined> {
  const { clock } = services;
  const distributionId = request.distribution.id;
  // Held before anything can reach CloudFront; a queued request held its paths on its way to the queue.
  if (request.status === 'approved') await holdApproved(services, request);
  // Capacity that the requests before this one in admission order wait for is theirs; it may go ahead
  // of them only with what is left (a plain path need not wait behind a wildcard).
  const queued = await services.capacity.queued(distributionId);
  const turn = request.status === 'queued' ? (request.turn ?? 0) : nextTurn(queued, request.requester);
  const ahead = loadAhead(queued, { ...request, turn });
  const batches = requestBatches(request);
  const admitted = await admitOnEach(services, request, batches, addLoad(inFlight, ahead));
  if (admitted.length === 0) {
    const reason: QueueReason =
      ahead.paths > 0
        ? { code: 'behind_older' }
        : { code: 'capacity', inFlightPaths: inFlight.paths, inFlightWildcards: inFlight.wildcards };
    await waitInQueue(services, request, reason, turn, redraw);
    return undefined;
  }
  const sent = await createAll(services, request, batches, admitted);
  if (!sent.ok) {
    await handleSubmitError(services, request, sent.error, redraw);
    return undefined;
  }
  const now = clock.now();
  const pollAt = addMs(now, services.operations.polling.firstCheckSeconds * 1000);
  // Alone in flight on its distribution, the request carries its own poll in the very write that records
  // it; otherwise the distribution's poll (one ListInvalidations for all of them) is scheduled first. A
  // request on several distributions is polled with each of them, never alone.
  const alone =
    distributionIds(request.distribution).length === 1 && inFlight.paths === 0 && inFlight.wildcards === 0;
  const transition = submitted(request, sent.batches, now, alone ? pollAt : undefined);
  // Polling itself, it stays with this process until its poll (under a lease that ends a lease after it).
  const lease = alone ? pollLease(services, pollAt) : undefined;
  const recorded = await recordSubmission(services, transition, async () => {
    // Scheduled before the request is recorded as in progress, so an in-flight request always has a poll.
    if (!alone) await schedulePolls(services, transition.request, pollAt);
    return services.requests.save(transition, lease);
  });
  if (!recorded) return undefined;
  if (lease) services.take?.(transition.request, pollAt);
  // After the save: a crash before it leaves the request approved, and its retry reuses the reservation.
  // It need not hold up the next submission, so the caller waits for it at the end of the round.
  afterwards(commitReservation(services, request, now));
  // The head of the queue left it: the next one may fit too, so it need not wait for its recheck.
  if (request.status === 'queued') await nudgeQueue(services, distributionId);
  await redraw(transition.request);
  return addLoad(inFlight, inFlightLoadOn({ ...request, batches: sent.batches }, distributionId));
}

/**
 * The batches that fit now on each of the request's distributions, each distribution's in order: its first
 * distribution beside `firstLoad` (what is in flight or queued ahead there), the others beside what is in
 * flight on them. CloudFront's limits are per distribution, so a request may go on one and wait on another.
 */
async function admitOnEach(
  services: Pick<Services, 'capacity'>,
  request: RequestIn<'approved' | 'queued' | 'in_progress'>,
  batches: readonly Batch[],
  firstLoad: Load,
): Promise<Batch[]> {
  const admitted: Batch[] = [];
  for (const distributionId of distributionIds(request.distribution)) {
    const pending = batches.filter(
      (batch) => batchDistribution(request, batch) === distributionId && batch.invalidationId === undefined,
    );
    if (pending.length === 0) continue;
    const load =
      distributionId === request.distribution.id
        ? firstLoad
        : await services.capacity.inFlightLoad(distributionId, request.id);
    admitted.push(...admit(request.paths, pending, load));
  }
  return admitted;
}

/** Schedules the poll of every distribution the request has an invalidation in flight on. */
async function schedulePolls(
  services: Pick<Services, 'work'>,
  request: RequestIn<'in_progress'>,
  at: string,
): Promise<void> {
  const flying = request.batches.filter((batch) => batch.invalidationId !== undefined && !batch.completed);
  const distributions = new Set(flying.map((batch) => batchDistribution(request, batch)));
  for (const distributionId of distributions)
    await services.work.scheduleTask({ kind: 'poll', distributionId }, at);
}

/**
 * The lease a request that polls itself is saved with when this process runs its poll at `pollAt` itself
 * (`Services.take`): it ends a lease after the poll, when another worker takes the poll up should this
 * process be gone. Without a loop to take it, none: the poll is left due at `pollAt`.
 */
export function pollLease(
  services: Pick<Services, 'operations' | 'take' | 'workerId'>,
  pollAt: string,
): Lease | undefined {
  if (!services.take) return undefined;
  return { owner: services.workerId, until: addMs(pollAt, services.operations.workLeaseSeconds * 1000) };
}

/**
 * Submits a distribution's due requests one after the other, in admission order, reading what is in flight
 * once and adding each submission to it, so this process never overruns CloudFront's limits by racing
 * itself (other processes may still race it: CloudFront's TooManyInvalidationsInProgress then queues).
 */
export async function submitInTurn(
  services: SubmitServices,
  requests: ReadonlyArray<RequestIn<'approved' | 'queued'>>,
  slackLane: SlackLane,
): Promise<void> {
  // Queued requests in their turns; requests not queued yet after them (their place is worked out as they go).
  const inOrder = admissionOrder(
    requests.map((request) => ({
      id: request.id,
      requester: request.requester,
      createdAt: request.createdAt,
      turn: request.status === 'queued' ? (request.turn ?? 0) : Number.MAX_SAFE_INTEGER,
      request,
    })),
  ).map((entry) => entry.request);
  let inFlight: Load | undefined;
  // The cards are redrawn by the Slack lane, apart from the submissions: a Slack call per card would
  // otherwise stand between one CreateInvalidation and the next.
  const later = (before: InvalidationRequest) => async (after: InvalidationRequest) => {
    slackLane.add(after.id, () => showChange(services, { before, after }));
  };
  const commits: Array<Promise<void>> = [];
  const afterwards = (work: Promise<void>) => {
    commits.push(
      work.catch((error: unknown) =>
        // Left open, the reservation still counts once; only its entry in the counter stays.
        services.logger.warn('committing a reservation failed; it stays counted', { error }),
      ),
    );
  };
  for (const request of inOrder) {
    try {
      inFlight ??= await services.capacity.inFlightLoad(request.distribution.id, request.id);
      inFlight = (await submitRequest(services, request, inFlight, later(request), afterwards)) ?? inFlight;
    } catch (error) {
      services.logger.error('submitting failed; the lease runs out and it is tried again', {
        requestId: request.id,
        error,
      });
    }
  }
  await Promise.all(commits);
}

/** Submits the batches of an in-progress request that waited for room, once there is some. */
export async function submitRemaining(
  services: Pick<
    Services,
    | 'capacity'
    | 'cards'
    | 'cdn'
    | 'clock'
    | 'ids'
    | 'logger'
    | 'metrics'
    | 'operations'
    | 'policy'
    | 'requests'
    | 'work'
  >,
  request: RequestIn<'in_progress'>,
  slackLane: SlackLane,
): Promise<void> {
  if (request.batches.every((batch) => batch.invalidationId !== undefined)) return;
  const others = await services.capacity.inFlightLoad(request.distribution.id, request.id);
  const admitted = await admitOnEach(
    services,
    request,
    request.batches,
    addLoad(others, inFlightLoadOn(request, request.distribution.id)),
  );
  if (admitted.length === 0) return;
  const sent = await createAll(services, request, request.batches, admitted);
  if (!sent.ok) {
    services.logger.warn('submitting further batches failed; will retry at the next poll', {
      requestId: request.id,
      error: sent.error,
    });
    return;
  }
  const now = services.clock.now();
  const transition = moreSubmitted(request, sent.batches, now);
  const pollAt = addMs(now, services.operations.polling.firstCheckSeconds * 1000);
  const save = async () => {
    // A distribution the request had nothing in flight on yet gets its poll before the request says so.
    if (distributionIds(request.distribution).length > 1)
      await schedulePolls(services, transition.request, pollAt);
    return services.requests.save(transition);
  };
  if (await recordSubmission(services, transition, save))
    slackLane.add(request.id, () => showChange(services, { before: request, after: transition.request }));
}

/**
 * Creates the `admitted` batches in turn and returns `all` with their invalidation ids filled in. Stops at
 * the first error: batches already made stay made (they are recorded, the rest go later); an error on the
 * very first is returned for the caller to handle.
 */
async function createAll(
  services: Pick<Services, 'cdn' | 'logger'>,
  request: RequestIn<'approved' | 'queued' | 'in_progress'>,
  all: readonly Batch[],
  admitted: readonly Batch[],
): Promise<{ ok: true; batches: Batch[] } | { ok: false; error: unknown }> {
  const made = new Map<string, string>();
  for (const batch of admitted) {
    try {
      const { tenant } = request.distribution;
      const { invalidationId } = await services.cdn.create({
        distributionId: batchDistribution(request, batch),
        ...(tenant === undefined ? {} : { tenantId: tenant }),
        paths: batchPaths(request.paths, batch),
        callerReference: batch.callerReference,
      });
      made.set(batch.callerReference, invalidationId);
    } catch (error) {
      if (made.size === 0) return { ok: false, error };
      services.logger.warn('a further batch was not accepted yet; it goes later', {
        requestId: request.id,
        error,
      });
      break;
    }
  }
  const batches = all.map((batch) => {
    const invalidationId = made.get(batch.callerReference);
    return invalidationId === undefined ? batch : { ...batch, invalidationId };
  });
  return { ok: true, batches };
}

import { billingMonth } from '../../../core/cost.js';
import type { InvalidationRequest } from '../../../core/request.js';
import {
  batchDistribution,
  batchSize,
  distributionIds,
  inFlightLoadOn,
  type Load,
  loadOf,
} from '../../../core/request.js';
import { Keys } from './keys.js';

/** What a request item carries for the sparse indexes: the attributes to write, and those to remove. */
export interface IndexAttributes {
  set: Record<string, string | number>;
  remove: string[];
}

const DUE = ['duePk', 'dueAt'];
const IN_FLIGHT = ['flightPk', 'flightPaths', 'flightWildcards'];
const QUEUE = ['queuePk', 'queuePaths', 'queueWildcards', 'queueRequester', 'queueTurn'];

/**
 * The sparse index attributes a request's state implies (keys.ts): due work while it has a next step,
 * capacity in flight while in progress, a place in the queue while queued, and billed usage once anything
 * was submitted. Usage is never removed: a later failure does not take back what CloudFront billed.
 */
export function indexAttributes(request: InvalidationRequest): IndexAttributes {
  const set: Record<string, string | number> = {};
  const remove: string[] = [];
  if (request.dueAt) Object.assign(set, { duePk: Keys.duePartition, dueAt: request.dueAt });
  else remove.push(...DUE);
  if (request.status === 'in_progress') {
    // Its first distribution's load; each further one's is a side item's (sideFlights).
    const load = inFlightLoadOn(request, request.distribution.id);
    Object.assign(set, {
      flightPk: Keys.inFlight(request.distribution.id),
      flightPaths: load.paths,
      flightWildcards: load.wildcards,
    });
  } else {
    remove.push(...IN_FLIGHT);
  }
  if (request.status === 'queued') {
    const load = loadOf(request.paths);
    Object.assign(set, {
      queuePk: Keys.queue(request.distribution.id),
      queuePaths: load.paths,
      queueWildcards: load.wildcards,
      queueRequester: request.requester,
      queueTurn: request.turn ?? 0,
    });
  } else {
    remove.push(...QUEUE);
  }
  if (request.status === 'in_progress' || request.status === 'completed') {
    const submittedPaths = request.batches
      .filter((batch) => batch.invalidationId !== undefined)
      .reduce((sum, batch) => sum + batchSize(batch), 0);
    Object.assign(set, {
      usagePk: Keys.usage(billingMonth(request.submittedAt)),
      usageSk: `${request.submittedAt}#${request.id}`,
      usagePaths: submittedPaths,
      distributionId: request.distribution.id,
      requester: request.requester,
    });
  }
  return { set, remove };
}

/** What a side item says of a request on one of its further distributions: its load there, or nothing open. */
export interface SideFlight {
  distributionId: string;
  /** present while the request is in progress with an invalidation open (or still to make) there */
  load?: Load;
}

/**
 * The side items a request on several distributions implies (keys.ts, side flight): one per distribution
 * after its first, holding its load there while it has anything open there. None for a request on one.
 */
export function sideFlights(request: InvalidationRequest): SideFlight[] {
  return distributionIds(request.distribution)
    .slice(1)
    .map((distributionId) => {
      const open =
        request.status === 'in_progress' &&
        request.batches.some(
          (batch) => !batch.completed && batchDistribution(request, batch) === distributionId,
        );
      if (!open || request.status !== 'in_progress') return { distributionId };
      return { distributionId, load: inFlightLoadOn(request, distributionId) };
    });
}

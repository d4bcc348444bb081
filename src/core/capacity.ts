import { isWildcard } from './paths.js';
import { type Batch, batchDistribution, type Distribution, distributionIds } from './request/model.js';

/**
 * CloudFront's limits per distribution: at most 3,000 paths and at most 15 wildcard paths in progress at
 * once (independent limits); past either, CreateInvalidation fails with TooManyInvalidationsInProgress.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations
 */
export const CLOUDFRONT_LIMITS: Load = { paths: 3000, wildcards: 15 };

/** Paths and wildcard paths, in progress or about to be. */
export interface Load {
  paths: number;
  wildcards: number;
}

export function loadOf(paths: readonly string[]): Load {
  return { paths: paths.length, wildcards: paths.filter(isWildcard).length };
}

export function addLoad(a: Load, b: Load): Load {
  return { paths: a.paths + b.paths, wildcards: a.wildcards + b.wildcards };
}

/** The paths of one batch of a request whose paths are `paths`. */
export function batchPaths(paths: readonly string[], batch: Batch): string[] {
  return paths.slice(batch.start, batch.end);
}

/** How many paths one batch holds. */
export function batchSize(batch: Batch): number {
  return batch.end - batch.start;
}

/** The load of a request's batches that are submitted and not yet completed (`paths`: the request's). */
export function inFlightLoad(paths: readonly string[], batches: readonly Batch[]): Load {
  const flying = batches.filter((batch) => batch.invalidationId !== undefined && !batch.completed);
  return flying.reduce((load, batch) => addLoad(load, loadOf(batchPaths(paths, batch))), {
    paths: 0,
    wildcards: 0,
  });
}

/** The load a request's submitted, not yet completed batches put on one of its distributions. */
export function inFlightLoadOn(
  request: { distribution: Distribution; paths: readonly string[]; batches: readonly Batch[] },
  distributionId: string,
): Load {
  const there = request.batches.filter((batch) => batchDistribution(request, batch) === distributionId);
  return inFlightLoad(request.paths, there);
}

/**
 * A request's batches for every distribution it goes to, in order. The first distribution's keep the
 * CallerReferences of batchesFor (the request id first), so requests stored before `ids` read the same;
 * each further distribution's derive from `<request id>-<distribution id>`, distinct per distribution.
 */
export function requestBatches(
  request: { id: string; distribution: Distribution; paths: readonly string[] },
  limits: Load = CLOUDFRONT_LIMITS,
): Batch[] {
  return distributionIds(request.distribution).flatMap((distributionId, index) => {
    if (index === 0) return batchesFor(request.id, request.paths, limits);
    return batchesFor(`${request.id}-${distributionId}`, request.paths, limits).map((batch) => ({
      ...batch,
      distributionId,
    }));
  });
}

/**
 * Splits paths into batches that each fit in one invalidation. The first batch's CallerReference is the
 * request id itself, the others derive from it: stable across retries, so a retry never duplicates.
 */
export function batchesFor(
  requestId: string,
  paths: readonly string[],
  limits: Load = CLOUDFRONT_LIMITS,
): Batch[] {
  const batches: Batch[] = [];
  let start = 0;
  let wildcards = 0;
  const close = (end: number) => {
    const index = batches.length;
    batches.push({
      callerReference: index === 0 ? requestId : `${requestId}-${index + 1}`,
      start,
      end,
      completed: false,
    });
    start = end;
    wildcards = 0;
  };
  paths.forEach((path, index) => {
    const wildcard = isWildcard(path);
    if (index - start === limits.paths || (wildcard && wildcards === limits.wildcards)) close(index);
    if (wildcard) wildcards++;
  });
  if (paths.length > start) close(paths.length);
  return batches;
}

/**
 * The batches not yet submitted that fit beside what is in flight, in order (an earlier one never waits
 * for a later). `paths` are the request's, which the batches index.
 */
export function admit(
  paths: readonly string[],
  pending: readonly Batch[],
  inFlight: Load,
  limits: Load = CLOUDFRONT_LIMITS,
): Batch[] {
  const admitted: Batch[] = [];
  let load = inFlight;
  for (const batch of pending) {
    const next = addLoad(load, loadOf(batchPaths(paths, batch)));
    if (next.paths > limits.paths || next.wildcards > limits.wildcards) break;
    admitted.push(batch);
    load = next;
  }
  return admitted;
}

/** A batch as items written before batches indexed the request's paths hold it: with a copy of its paths. */
export interface BatchWithPaths {
  callerReference: string;
  paths: string[];
  invalidationId?: string;
  completed: boolean;
}

/**
 * Reads batches of either shape. batchesFor has always cut the request's paths in order, so an older
 * batch's range follows from the sizes of the batches before it; no stored item needs rewriting.
 */
export function indexedBatches(batches: ReadonlyArray<Batch | BatchWithPaths>): Batch[] {
  let start = 0;
  return batches.map((batch) => {
    if (!('paths' in batch)) {
      start = batch.end;
      return batch;
    }
    const { paths, ...rest } = batch;
    const indexed: Batch = { ...rest, start, end: start + paths.length };
    start = indexed.end;
    return indexed;
  });
}

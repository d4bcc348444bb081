import { isWildcard } from './paths.js';
import type { Batch } from './request-model.js';

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

/** The load of a request's batches that are submitted and not yet completed. */
export function inFlightLoad(batches: readonly Batch[]): Load {
  const flying = batches.filter((batch) => batch.invalidationId !== undefined && !batch.completed);
  return flying.reduce((load, batch) => addLoad(load, loadOf(batch.paths)), { paths: 0, wildcards: 0 });
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
  let current: string[] = [];
  let wildcards = 0;
  const close = () => {
    const index = batches.length;
    batches.push({
      callerReference: index === 0 ? requestId : `${requestId}-${index + 1}`,
      paths: current,
      completed: false,
    });
    current = [];
    wildcards = 0;
  };
  for (const path of paths) {
    const wildcard = isWildcard(path);
    if (current.length === limits.paths || (wildcard && wildcards === limits.wildcards)) close();
    current.push(path);
    if (wildcard) wildcards++;
  }
  if (current.length > 0) close();
  return batches;
}

/** The batches not yet submitted that fit beside what is in flight, in order (an earlier one never waits for a later). */
export function admit(pending: readonly Batch[], inFlight: Load, limits: Load = CLOUDFRONT_LIMITS): Batch[] {
  const admitted: Batch[] = [];
  let load = inFlight;
  for (const batch of pending) {
    const next = addLoad(load, loadOf(batch.paths));
    if (next.paths > limits.paths || next.wildcards > limits.wildcards) break;
    admitted.push(batch);
    load = next;
  }
  return admitted;
}

import type { InvalidationRequest, Transition } from '../core/request.js';
import { elapsedMs } from '../core/schedule.js';
import type { Services } from './ports.js';

/**
 * Each time a submission CloudFront accepted could not be recorded, a log line (`message`, with the
 * request and invalidation ids) and a count of the metric `unrecorded`, on which the stack alarms at the
 * first (infra/lib/alarms.ts): until the save succeeds the bot does not know the invalidation is made,
 * its usage is not counted and nobody is told it completed.
 */
export const SUBMISSION_METRICS = {
  message: 'submission made at CloudFront but not recorded',
  /** the CloudWatch metric that counts them */
  unrecorded: 'UnrecordedSubmissions',
} as const;

/** The first pause between tries of the save; each next one doubles. */
const FIRST_RETRY_MS = 100;

/**
 * Runs `write`, the writes that record batches CloudFront has accepted (`transition`). A write that
 * throws (DynamoDB unreachable or refusing it) is logged at error and tried again with back-off while
 * this worker still holds the request's lease: it is the save that is retried, not CreateInvalidation.
 * Only once half the lease is gone does the error go up; the request is then claimed again and
 * re-submitted with the same CallerReference, which CloudFront answers with the invalidation already
 * made, never a second one. Returns what `write` returns: false when another worker recorded a change
 * first (the version guard).
 */
export async function recordSubmission(
  services: Pick<Services, 'clock' | 'logger' | 'metrics' | 'operations'>,
  transition: Transition,
  write: () => Promise<boolean>,
): Promise<boolean> {
  const { clock, logger, metrics, operations } = services;
  const started = clock.now();
  const leaseMs = operations.workLeaseSeconds * 1000;
  for (let attempt = 1, delayMs = FIRST_RETRY_MS; ; attempt++, delayMs *= 2) {
    try {
      return await write();
    } catch (error) {
      const giveUp = elapsedMs(started, clock.now()) + delayMs > leaseMs / 2;
      logger.error(SUBMISSION_METRICS.message, {
        requestId: transition.request.id,
        invalidationIds: invalidationIds(transition.request),
        attempt,
        next: giveUp ? 'the request is claimed again after its lease' : `save again in ${delayMs} ms`,
        error,
      });
      metrics.count(SUBMISSION_METRICS.unrecorded);
      if (giveUp) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function invalidationIds(request: InvalidationRequest): string[] {
  if (!('batches' in request)) return [];
  return request.batches.flatMap((batch) => (batch.invalidationId ? [batch.invalidationId] : []));
}

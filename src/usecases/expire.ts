import { type InvalidationRequest, whilePending } from '../core/request.js';
import { changeRequest } from './change-request.js';
import type { Services } from './ports.js';
import { showChange } from './show-change.js';

/**
 * The work loop's `expire` step: a pending request past its expiry ends, and its card says so. A decision
 * or a late click that got there first (a late click records the same expiry) leaves nothing to do.
 */
export async function expireRequest(
  services: Pick<Services, 'cards' | 'clock' | 'counters' | 'ids' | 'logger' | 'requests'>,
  request: InvalidationRequest,
): Promise<void> {
  const changed = await changeRequest(services, request, {
    // Still pending and not yet due (the request moved on meanwhile): not this step's to change.
    verdict: (current, now) => whilePending(current, now, () => ({ kind: 'answer', answer: 'not_due' })),
  });
  await showChange(services, changed.recorded);
}

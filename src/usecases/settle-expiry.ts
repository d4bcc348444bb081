import { expire, type InvalidationRequest } from '../core/request.js';
import type { Services } from './ports.js';
import { refreshCard } from './refresh-card.js';

/** A few rounds are plenty: only a reminder being sent moves a pending request on without deciding it. */
const ROUNDS = 5;

/**
 * A pending request past the expiry time its card shows is expired by whoever notices first: the work
 * loop, or a click that came too late. The expiry is a conditional write like any decision, so a decision
 * made in time whose write lands a moment earlier still wins, and the late clicker is told what was recorded.
 */
export async function settleExpiry(
  services: Services,
  loaded: InvalidationRequest,
): Promise<InvalidationRequest> {
  let request = loaded;
  for (let round = 0; round < ROUNDS; round++) {
    const now = services.clock.now();
    if (request.status !== 'pending_approval' || request.expiresAt > now) return request;
    const transition = expire(request, now);
    if (await services.store.save(transition)) {
      await refreshCard(services, transition.request);
      return transition.request;
    }
    request = (await services.store.get(request.id))?.request ?? request;
  }
  return request;
}

import { expire, type InvalidationRequest, type RequestIn, type Transition } from '../core/request.js';
import type { Services } from './ports.js';
import { refreshCard } from './refresh-card.js';
import { releaseReservation } from './reservations.js';

/** A few rounds are plenty: only a reminder being sent moves a pending request on without deciding it. */
const ROUNDS = 5;

/**
 * A pending request past the expiry time its card shows is expired by whoever notices first: the work
 * loop, or a click that came too late. The expiry is a conditional write like any decision, so a decision
 * made in time whose write lands a moment earlier still wins, and the late clicker is told what was recorded.
 */
export async function settleExpiry(
  services: Pick<Services, 'cards' | 'clock' | 'counters' | 'logger' | 'requests'>,
  loaded: InvalidationRequest,
): Promise<InvalidationRequest> {
  let request = loaded;
  for (let round = 0; round < ROUNDS; round++) {
    const now = services.clock.now();
    if (request.status !== 'pending_approval' || request.expiresAt > now) return request;
    const transition = expire(request, now);
    if (await services.requests.save(transition)) {
      await releaseReservation(services, transition.request);
      await refreshCard(services, transition.request);
      return transition.request;
    }
    request = (await services.requests.get(request.id))?.request ?? request;
  }
  return request;
}

/**
 * Writes a decision (`change`) on a request while it is still pending, settling a due expiry first.
 * When another write lands first, a decision wins and is returned unchanged (`written: false`); a
 * reminder going out decides nothing, so the change is made again on the request as it is now.
 */
export async function changePending(
  services: Pick<Services, 'cards' | 'clock' | 'counters' | 'logger' | 'requests'>,
  loaded: InvalidationRequest,
  change: (request: RequestIn<'pending_approval'>, now: string) => Transition,
): Promise<{ written: boolean; request: InvalidationRequest }> {
  let pending = loaded;
  for (let round = 0; round < ROUNDS; round++) {
    // `now` is read before the request is found still pending, so a decision is dated before its expiry.
    const now = services.clock.now();
    const current = await settleExpiry(services, pending);
    if (current.status !== 'pending_approval') return { written: false, request: current };
    const transition = change(current, now);
    if (await services.requests.save(transition)) return { written: true, request: transition.request };
    pending = (await services.requests.get(current.id))?.request ?? current;
  }
  return { written: false, request: pending };
}

import { cancel, type InvalidationRequest, redrawLater } from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import { loadSettled } from './load-settled.js';
import type { FollowUps, Services } from './ports.js';
import { recordClickRefusal } from './record-refusal.js';
import { releaseReservation } from './reservations.js';
import { changePending } from './settle-expiry.js';

export type CancelRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'not_requester'; request: InvalidationRequest }
  | { code: 'already_decided'; request: InvalidationRequest };

/**
 * The requester withdraws a pending request (button or `/invalidate cancel <id>`). A conditional write,
 * like every decision: if an approval, denial or expiry got there first, the cancel changes nothing.
 * Anyone else's attempt is refused and recorded on the request as a `refused` event. The caller redraws
 * the card; with `followUps: 'worker'` the cancellation is written with the card marked stale instead.
 */
export async function cancelRequest(
  services: Pick<
    Services,
    'cards' | 'clock' | 'counters' | 'ids' | 'logger' | 'refusals' | 'requests' | 'wake'
  >,
  requestId: string,
  actor: string,
  followUps: FollowUps = 'caller',
): Promise<Result<InvalidationRequest, CancelRefusal>> {
  const loaded = await loadSettled(services, requestId);
  if (!loaded) return err({ code: 'not_found', requestId });
  if (loaded.requester !== actor) {
    await recordClickRefusal(services, loaded, { action: 'cancel', code: 'not_requester', by: actor });
    return err({ code: 'not_requester', request: loaded });
  }
  const { written, request } = await changePending(services, loaded, (pending, now) =>
    followUps === 'worker' ? redrawLater(cancel(pending, actor, now), now) : cancel(pending, actor, now),
  );
  if (!written) return err({ code: 'already_decided', request });
  await releaseReservation(services, request);
  if (followUps === 'worker') services.wake();
  return ok(request);
}

import { cancel, type InvalidationRequest } from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import { loadSettled } from './load-settled.js';
import type { Services } from './ports.js';
import { recordClickRefusal } from './record-refusal.js';
import { settleExpiry } from './settle-expiry.js';

export type CancelRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'not_requester'; request: InvalidationRequest }
  | { code: 'already_decided'; request: InvalidationRequest };

/**
 * The requester withdraws a pending request (button or `/invalidate cancel <id>`). A conditional write,
 * like every decision: if an approval, denial or expiry got there first, the cancel changes nothing.
 * Anyone else's attempt is refused and recorded on the request as a `refused` event.
 */
export async function cancelRequest(
  services: Services,
  requestId: string,
  actor: string,
): Promise<Result<InvalidationRequest, CancelRefusal>> {
  const loaded = await loadSettled(services, requestId);
  if (!loaded) return err({ code: 'not_found', requestId });
  if (loaded.requester !== actor) {
    await recordClickRefusal(services, loaded, { action: 'cancel', code: 'not_requester', by: actor });
    return err({ code: 'not_requester', request: loaded });
  }
  let pending = loaded;
  for (let round = 0; round < CANCEL_ROUNDS; round++) {
    const now = services.clock.now();
    const request = await settleExpiry(services, pending);
    if (request.status !== 'pending_approval') return err({ code: 'already_decided', request });
    const transition = cancel(request, actor, now);
    if (await services.store.save(transition)) return ok(transition.request);
    // A decision got there first (it wins), or the reminder went out (the cancel is made again).
    pending = (await services.store.get(requestId))?.request ?? request;
  }
  return err({ code: 'already_decided', request: pending });
}

/** Only a reminder being sent moves a pending request on without deciding it: a few rounds are plenty. */
const CANCEL_ROUNDS = 5;

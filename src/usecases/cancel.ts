import { cancel, type InvalidationRequest, whilePending } from '../core/request.js';
import { type Answer, changeRequest, refusalOr } from './change-request.js';
import type { FollowUps, Services } from './ports.js';
import { recordClickRefusal } from './record-refusal.js';

export type CancelRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'not_requester'; request: InvalidationRequest }
  | { code: 'already_decided'; request: InvalidationRequest };

/**
 * The requester withdraws a request waiting for a decision or for their choice (button or `/invalidate cancel <id>`). A conditional write,
 * like every decision: if an approval, denial or expiry got there first, the cancel changes nothing.
 * Anyone else's attempt is refused and recorded on the request as a `refused` event. The caller shows
 * `recorded` (`showChange`); with `followUps: 'worker'` the cancellation is written with the card marked
 * stale instead.
 */
export async function cancelRequest(
  services: Pick<
    Services,
    'cards' | 'clock' | 'counters' | 'ids' | 'logger' | 'refusals' | 'requests' | 'wake'
  >,
  requestId: string,
  actor: string,
  followUps: FollowUps = 'caller',
): Promise<Answer<InvalidationRequest, CancelRefusal>> {
  const changed = await changeRequest<CancelRefusal>(services, requestId, {
    check: async (loaded) => {
      if (loaded.requester === actor) return undefined;
      await recordClickRefusal(services, loaded, { action: 'cancel', code: 'not_requester', by: actor });
      return { code: 'not_requester', request: loaded };
    },
    verdict: (request, now) =>
      request.status === 'awaiting_choice'
        ? { kind: 'save', transition: cancel(request, actor, now) }
        : whilePending(request, now, (pending) => ({
            kind: 'save',
            transition: cancel(pending, actor, now),
          })),
    followUps,
  });
  return refusalOr(changed, requestId);
}

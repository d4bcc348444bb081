import { expire } from './approval.js';
import type { InvalidationRequest, RequestIn, Transition } from './model.js';

/**
 * What a change comes to on the request as it is now, decided by a pure function each time the request is
 * read (src/usecases/change-request.ts saves what it says, and decides again when another write landed first):
 * - `save`: the change; once saved, it is made;
 * - `save_first`: something else is due first (an expiry): save it, then decide again on what was saved;
 * - `answer`: nothing to write; `answer` is what the caller is told (the request already decided, say).
 */
export type Verdict<A> =
  | { kind: 'save'; transition: Transition }
  | { kind: 'save_first'; transition: Transition }
  | { kind: 'answer'; answer: A };

/** A change meant for a pending request found it decided, expired, cancelled, or not yet waiting. */
export interface AlreadyDecided {
  code: 'already_decided';
  request: InvalidationRequest;
}

/**
 * A change meant for a pending request (approve, deny, cancel, remind, expire), decided on the request as
 * it is now. A request past the expiry its card shows is expired first, by whoever notices: the decision
 * that comes too late is then answered with the expiry. `now` is read before the request is found still
 * pending, so a change made here is dated before its expiry.
 */
export function whilePending<A>(
  request: InvalidationRequest,
  now: string,
  change: (pending: RequestIn<'pending_approval'>) => Verdict<A>,
): Verdict<A | AlreadyDecided> {
  if (request.status !== 'pending_approval') {
    return { kind: 'answer', answer: { code: 'already_decided', request } };
  }
  if (request.expiresAt <= now) return { kind: 'save_first', transition: expire(request, now) };
  return change(request);
}

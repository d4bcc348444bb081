import { cancel, type InvalidationRequest } from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import { loadSettled } from './load-settled.js';
import type { Services } from './ports.js';

export type CancelRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'not_requester'; request: InvalidationRequest }
  | { code: 'already_decided'; request: InvalidationRequest };

/**
 * The requester withdraws a pending request (button or `/invalidate cancel <id>`). A conditional write,
 * like every decision: if an approval, denial or expiry got there first, the cancel changes nothing.
 */
export async function cancelRequest(
  services: Services,
  requestId: string,
  actor: string,
): Promise<Result<InvalidationRequest, CancelRefusal>> {
  const request = await loadSettled(services, requestId);
  if (!request) return err({ code: 'not_found', requestId });
  if (request.requester !== actor) return err({ code: 'not_requester', request });
  if (request.status !== 'pending_approval') return err({ code: 'already_decided', request });
  const transition = cancel(request, actor, services.clock.now());
  if (!(await services.store.save(transition))) {
    const latest = await services.store.get(requestId);
    return err({ code: 'already_decided', request: latest?.request ?? request });
  }
  return ok(transition.request);
}

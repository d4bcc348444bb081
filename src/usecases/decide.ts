import { type DecideRefusal, decideRefusal } from '../core/policy.js';
import { type DecisionInput, decide, type InvalidationRequest, type RequestIn } from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import { loadSettled } from './load-settled.js';
import { groupMembersFor } from './membership.js';
import type { Services } from './ports.js';

/** Why a click on Approve or Deny changed nothing; the clicker is told in words (messages.ts). */
export type DecisionRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'already_decided'; request: InvalidationRequest }
  | DecideRefusal;

/**
 * Whether `actor` may decide on the request now; used before opening the Deny modal, so a refused click
 * never sees a form. Group membership comes from the (cached) directory.
 */
export async function checkDecider(
  services: Services,
  requestId: string,
  actor: string,
): Promise<Result<RequestIn<'pending_approval'>, DecisionRefusal>> {
  const request = await loadSettled(services, requestId);
  if (!request) return err({ code: 'not_found', requestId });
  if (request.status !== 'pending_approval') return err({ code: 'already_decided', request });
  const { approvers, selfApproval } = request.approval;
  const members = await groupMembersFor(services.directory, actor, approvers);
  const refusal = decideRefusal(actor, request.requester, approvers, members, selfApproval);
  return refusal ? err(refusal) : ok(request);
}

/**
 * Approves or denies a pending request. The state change is conditional on the version read, so of any
 * number of simultaneous clicks exactly one is recorded; the others get `already_decided` with the winner.
 * The caller redraws the card (`refreshCard`) once it has answered Slack.
 */
export async function decideRequest(
  services: Services,
  requestId: string,
  input: DecisionInput,
): Promise<Result<InvalidationRequest, DecisionRefusal>> {
  const checked = await checkDecider(services, requestId, input.by);
  if (!checked.ok) return checked;
  const transition = decide(checked.value, input, services.clock.now());
  if (!(await services.store.save(transition))) {
    const latest = await services.store.get(requestId);
    return err({ code: 'already_decided', request: latest?.request ?? checked.value });
  }
  if (transition.request.status === 'approved') services.wake();
  return ok(transition.request);
}

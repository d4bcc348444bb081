import { type DecideRefusal, decideRefusal } from '../core/policy.js';
import {
  type DecisionInput,
  decide,
  type InvalidationRequest,
  type RefusedAction,
  type RequestIn,
} from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import { loadSettled } from './load-settled.js';
import { groupMembersFor } from './membership.js';
import type { Services } from './ports.js';
import { recordClickRefusal } from './record-refusal.js';
import { releaseReservation } from './reservations.js';
import { changePending, settleExpiry } from './settle-expiry.js';

/** Why a click on Approve or Deny changed nothing; the clicker is told in words (messages.ts). */
export type DecisionRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'already_decided'; request: InvalidationRequest }
  | DecideRefusal;

/**
 * Whether `actor` may decide on the request now; used before opening the Deny modal, so a refused click
 * never sees a form. Group membership comes from the (cached) directory. A person who may not decide is
 * recorded on the request as a `refused` event (`action` is what they clicked).
 */
export async function checkDecider(
  services: Services,
  requestId: string,
  actor: string,
  action: Exclude<RefusedAction, 'cancel'>,
): Promise<Result<RequestIn<'pending_approval'>, DecisionRefusal>> {
  const loaded = await loadSettled(services, requestId);
  if (!loaded) return err({ code: 'not_found', requestId });
  if (loaded.status !== 'pending_approval') return err({ code: 'already_decided', request: loaded });
  const { approvers, selfApproval } = loaded.approval;
  const members = await groupMembersFor(services.directory, actor, approvers);
  const refusal = decideRefusal(actor, loaded.requester, approvers, members, selfApproval);
  if (refusal) {
    await recordClickRefusal(services, loaded, { action, code: refusal.code, by: actor });
    return err(refusal);
  }
  const request = await settleExpiry(services, loaded);
  return request.status === 'pending_approval' ? ok(request) : err({ code: 'already_decided', request });
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
  const action = input.outcome === 'approved' ? 'approve' : 'deny';
  const checked = await checkDecider(services, requestId, input.by, action);
  if (!checked.ok) return checked;
  const { written, request } = await changePending(services, checked.value, (pending, now) =>
    decide(pending, input, now),
  );
  if (!written) return err({ code: 'already_decided', request });
  if (request.status === 'approved') services.wake();
  if (request.status === 'denied') await releaseReservation(services, request);
  return ok(request);
}

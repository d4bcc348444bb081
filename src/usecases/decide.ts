import { type DecideRefusal, decideRefusal } from '../core/policy.js';
import {
  type DecisionInput,
  decide,
  type InvalidationRequest,
  type RefusedAction,
  type RequestIn,
  redrawLater,
} from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import { loadSettled } from './load-settled.js';
import { confirmedMembers, currentAuthority } from './membership.js';
import type { FollowUps, Services } from './ports.js';
import { recordClickRefusal } from './record-refusal.js';
import { releaseReservation } from './reservations.js';
import { changePending, settleExpiry } from './settle-expiry.js';

/** What deciding on a request uses. */
export type DecideServices = Pick<
  Services,
  | 'cards'
  | 'clock'
  | 'counters'
  | 'directory'
  | 'ids'
  | 'logger'
  | 'policy'
  | 'refusals'
  | 'requests'
  | 'wake'
>;

/** Why a click on Approve or Deny changed nothing; the clicker is told in words (messages.ts). */
export type DecisionRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'already_decided'; request: InvalidationRequest }
  | { code: 'distribution_removed'; request: InvalidationRequest }
  | Exclude<DecideRefusal, { code: 'approvers_unresolved' }>
  /** `reason`: Slack's error code, or `unreachable` */
  | (Extract<DecideRefusal, { code: 'approvers_unresolved' }> & { reason: string });

/**
 * Whether `actor` may decide on the request now; used before opening the Deny modal (so a refused click
 * never sees a form) and again when the decision is made. Who may decide comes from the current config,
 * and membership of the approvers' group from a Slack lookup made after the click arrived: a cached
 * answer never grants a decision. A person who may not decide is recorded on the request as a `refused`
 * event (`action` is what they clicked).
 */
export async function checkDecider(
  services: DecideServices,
  requestId: string,
  actor: string,
  action: Exclude<RefusedAction, 'cancel'>,
): Promise<Result<RequestIn<'pending_approval'>, DecisionRefusal>> {
  const loaded = await loadSettled(services, requestId);
  if (!loaded) return err({ code: 'not_found', requestId });
  if (loaded.status !== 'pending_approval') return err({ code: 'already_decided', request: loaded });
  const refusal = await authorityRefusal(services, loaded, actor);
  if (refusal) {
    await recordClickRefusal(services, loaded, { action, code: refusal.code, by: actor });
    return err(refusal);
  }
  const request = await settleExpiry(services, loaded);
  return request.status === 'pending_approval' ? ok(request) : err({ code: 'already_decided', request });
}

/** Why `actor` may not decide on the request by the current config and Slack's answer now, if they may not. */
async function authorityRefusal(
  services: Pick<Services, 'directory' | 'policy'>,
  request: InvalidationRequest,
  actor: string,
): Promise<Exclude<DecisionRefusal, { code: 'not_found' | 'already_decided' }> | undefined> {
  const authority = currentAuthority(services.policy, request);
  if (!authority) return { code: 'distribution_removed', request };
  const confirmed = await confirmedMembers(services.directory, actor, request.requester, authority);
  const members = confirmed?.ok ? confirmed.members : undefined;
  const refusal = decideRefusal(
    actor,
    request.requester,
    authority.approvers,
    members,
    authority.selfApproval,
  );
  if (refusal?.code !== 'approvers_unresolved') return refusal;
  return { ...refusal, reason: confirmed?.ok === false ? confirmed.reason : 'unreachable' };
}

/**
 * Approves or denies a pending request. The state change is conditional on the version read, so of any
 * number of simultaneous clicks exactly one is recorded; the others get `already_decided` with the winner.
 * The caller redraws the card (`refreshCard`) once it has answered Slack; with `followUps: 'worker'` the
 * worker does: an approval's submission redraws it, and a denial is written with the card marked stale.
 */
export async function decideRequest(
  services: DecideServices,
  requestId: string,
  input: DecisionInput,
  followUps: FollowUps = 'caller',
): Promise<Result<InvalidationRequest, DecisionRefusal>> {
  const action = input.outcome === 'approved' ? 'approve' : 'deny';
  const checked = await checkDecider(services, requestId, input.by, action);
  if (!checked.ok) return checked;
  const byWorker = followUps === 'worker' && input.outcome === 'denied';
  const { written, request } = await changePending(services, checked.value, (pending, now) => {
    const decided = decide(pending, input, now);
    return byWorker ? redrawLater(decided, now) : decided;
  });
  if (!written) return err({ code: 'already_decided', request });
  if (request.status === 'approved' || byWorker) services.wake();
  if (request.status === 'denied') await releaseReservation(services, request);
  return ok(request);
}

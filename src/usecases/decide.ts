import { type Approvers, type DecideRefusal, decideRefusal, type OnCallSchedule } from '../core/policy.js';
import {
  applyDecision,
  type DecisionInput,
  type InvalidationRequest,
  type RefusedAction,
  type RequestIn,
  whilePending,
} from '../core/request.js';
import { err, ok } from '../core/result.js';
import { addMs } from '../core/schedule.js';
import { type Answer, changeRequest, refusalOr } from './change-request.js';
import { confirmedMembers, confirmedOnCall, currentAuthority } from './membership.js';
import type { FollowUps, Services } from './ports.js';
import { recordClickRefusal } from './record-refusal.js';

/** What deciding on a request uses. */
export type DecideServices = Pick<
  Services,
  | 'cards'
  | 'clock'
  | 'counters'
  | 'directory'
  | 'onCall'
  | 'ids'
  | 'logger'
  | 'operations'
  | 'policy'
  | 'refusals'
  | 'requests'
  | 'take'
  | 'wake'
  | 'workerId'
>;

/** Why a click on Approve or Deny changed nothing; the clicker is told in words (messages.ts). */
export type DecisionRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'already_decided'; request: InvalidationRequest }
  | { code: 'distribution_removed'; request: InvalidationRequest }
  /** the requester changed the paths (a cheaper form) after the card clicked was drawn */
  | { code: 'paths_changed'; request: InvalidationRequest }
  | Exclude<DecideRefusal, { code: 'approvers_unresolved' }>
  /** `reason`: Slack's error code, or `unreachable` */
  | (Extract<DecideRefusal, { code: 'approvers_unresolved' }> & { reason: string })
  /** the clicker may be on call, but these schedules could not be read at the click: nothing is granted on an older answer */
  | { code: 'on_call_unresolved'; approvers: Approvers; unread: UnreadSchedule[] };

/** An on-call schedule that could not be read, and why (in words). */
export interface UnreadSchedule {
  schedule: OnCallSchedule;
  reason: string;
}

/**
 * Whether `actor` may decide on the request now; used before opening the Deny modal (so a refused click
 * never sees a form) and again when the decision is made. Who may decide comes from the current config,
 * and membership of the approvers' group from a Slack lookup made after the click arrived: a cached
 * answer never grants a decision. A person who may not decide is recorded on the request as a `refused`
 * event (`action` is what they clicked). A request found past its expiry is expired (`recorded`).
 */
export async function checkDecider(
  services: DecideServices,
  requestId: string,
  actor: string,
  action: Exclude<RefusedAction, 'cancel'>,
  followUps: FollowUps = 'caller',
): Promise<Answer<RequestIn<'pending_approval'>, DecisionRefusal>> {
  const changed = await changeRequest<DecisionRefusal | MayDecide>(services, requestId, {
    check: (loaded) => authorize(services, loaded, actor, action),
    verdict: (request, now) =>
      whilePending(request, now, (pending) => ({
        kind: 'answer',
        answer: { code: 'may_decide', request: pending },
      })),
    followUps,
  });
  const recorded = changed.recorded ? { recorded: changed.recorded } : {};
  switch (changed.kind) {
    case 'answered':
      if (changed.answer.code === 'may_decide') return ok(changed.answer.request);
      return { ...err(changed.answer), ...recorded };
    case 'not_found':
      return err({ code: 'not_found', requestId });
    // Nothing here saves a decision: what was saved is an expiry, so the request is decided now.
    case 'saved':
    case 'busy':
      return { ...err({ code: 'already_decided', request: changed.request }), ...recorded };
  }
}

/** Nothing to write: the request is pending and the clicker may decide on it. */
interface MayDecide {
  code: 'may_decide';
  request: RequestIn<'pending_approval'>;
}

/**
 * The refusal of `actor`'s click, recorded, if they may not decide on the pending request; nothing for a
 * request no longer pending (its verdict answers that).
 */
async function authorize(
  services: DecideServices,
  loaded: InvalidationRequest,
  actor: string,
  action: Exclude<RefusedAction, 'cancel'>,
): Promise<DecisionRefusal | undefined> {
  if (loaded.status !== 'pending_approval') return undefined;
  const refusal = await authorityRefusal(services, loaded, actor);
  if (!refusal) return undefined;
  await recordClickRefusal(services, loaded, { action, code: refusal.code, by: actor });
  return refusal;
}

/** Why `actor` may not decide on the request by the current config and Slack's answer now, if they may not. */
async function authorityRefusal(
  services: Pick<Services, 'directory' | 'onCall' | 'policy'>,
  request: InvalidationRequest,
  actor: string,
): Promise<
  Exclude<DecisionRefusal, { code: 'not_found' | 'already_decided' | 'paths_changed' }> | undefined
> {
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
  if (refusal === undefined || refusal.code === 'own_request') return refusal;
  // Not granted by name or group: whoever is on call now, as the schedule's service says after the click.
  const onCall = await confirmedOnCall(services.onCall, actor, authority.approvers);
  if (onCall.onCall) return undefined;
  if (onCall.unread.length > 0) {
    return { code: 'on_call_unresolved', approvers: authority.approvers, unread: onCall.unread };
  }
  if (refusal.code !== 'approvers_unresolved') return refusal;
  return { ...refusal, reason: confirmed?.ok === false ? confirmed.reason : 'unreachable' };
}

/**
 * Approves or denies a pending request, once the authority check of `checkDecider` passes. The state change is
 * conditional on the version read, so of any number of simultaneous clicks exactly one is recorded; the
 * others get `already_decided` with the winner. With `revision` (an approval clicked on a card), a request whose
 * paths changed since that card was drawn is not approved: `paths_changed`. The caller shows `recorded` (`showChange`) once it has
 * answered Slack; with `followUps: 'worker'` the worker draws it: an approval's submission redraws the
 * card, and a denial is written with the card marked stale.
 */
export async function decideRequest(
  services: DecideServices,
  requestId: string,
  input: DecisionInput,
  followUps: FollowUps = 'caller',
  revision?: number,
): Promise<Answer<InvalidationRequest, DecisionRefusal>> {
  const action = input.outcome === 'approved' ? 'approve' : 'deny';
  // Approved here, it is submitted by this process next: the save takes its lease, as a worker's claim
  // would (where no work loop runs beside the listeners, the worker is woken instead).
  const take = followUps === 'caller' ? services.take : undefined;
  const changed = await changeRequest<DecisionRefusal>(services, requestId, {
    check: (loaded) => authorize(services, loaded, input.by, action),
    verdict: (request, now) =>
      whilePending(request, now, (pending) =>
        revision !== undefined && (pending.revision ?? 0) !== revision
          ? { kind: 'answer', answer: { code: 'paths_changed', request: pending } }
          : { kind: 'save', transition: applyDecision(pending, input, now) },
      ),
    followUps,
    lease: (after, now) =>
      take && after.status === 'approved'
        ? { owner: services.workerId, until: addMs(now, services.operations.workLeaseSeconds * 1000) }
        : undefined,
  });
  if (changed.kind === 'saved' && changed.request.status === 'approved') {
    if (take) take(changed.request);
    else services.wake();
  }
  return refusalOr(changed, requestId);
}

import { findDistribution } from '../config.js';
import {
  type AlreadyDecided,
  applyChoice,
  billedPaths,
  type Choice,
  countedDown,
  goAsIs,
  type InvalidationRequest,
  type NotOffered,
  type RequestIn,
  type Verdict,
  whilePending,
} from '../core/request.js';
import { addMs } from '../core/schedule.js';
import { type Answer, changeRequest, refusalOr } from './change-request.js';
import type { DecideServices } from './decide.js';
import type { FollowUps, Lease, Services } from './ports.js';
import { recordClickRefusal } from './record-refusal.js';
import { resizeReservation } from './reservations.js';
import { showChange } from './show-change.js';

/** What choosing on a request's card uses: what deciding on it uses, but the approvers' directory. */
export type ChooseServices = Omit<DecideServices, 'directory'>;

/** Why a click on a cheaper form or on Submit as is changed nothing; the clicker is told in words (messages.ts). */
export type ChoiceRefusal =
  | { code: 'not_found'; requestId: string }
  | { code: 'not_requester'; request: InvalidationRequest }
  | AlreadyDecided
  | NotOffered
  | { code: 'distribution_removed'; request: InvalidationRequest };

/**
 * The requester takes a cheaper form offered on the card (a wildcard, or the hashed files dropped), while the
 * request waits for their choice or for approval. A conditional write like every decision: of a choice and a
 * decision clicked together, one is made and the other is decided again on what it left (a decision clicked on
 * the card drawn before a choice is refused, see `decideRequest`). What the request holds of the month follows
 * its paths. A request that needs nothing more goes to CloudFront at once.
 */
export async function chooseForm(
  services: ChooseServices,
  requestId: string,
  actor: string,
  choice: Choice,
  followUps: FollowUps = 'caller',
): Promise<Answer<InvalidationRequest, ChoiceRefusal>> {
  const changed = await changeRequest<ChoiceRefusal>(services, requestId, {
    check: (loaded) => requesterOnly(services, loaded, actor),
    verdict: (request, now) => choiceVerdict(services, request, choice, now),
    followUps,
  });
  const recorded = changed.recorded;
  if (changed.kind === 'saved' && recorded) {
    const { before } = recorded;
    await resizeReservation(services, changed.request, billedPaths(before), before.cost.costUsd);
    goesNow(services, changed.request);
  }
  return refusalOr(changed, requestId);
}

/**
 * Submit as is: the requester lets the request go to CloudFront as it is, without waiting for the countdown.
 * Approved here, it is submitted by this process next, as an approval is (`decideRequest`).
 */
export async function submitAsIs(
  services: ChooseServices,
  requestId: string,
  actor: string,
  followUps: FollowUps = 'caller',
): Promise<Answer<InvalidationRequest, ChoiceRefusal>> {
  const take = followUps === 'caller' ? services.take : undefined;
  const changed = await changeRequest<ChoiceRefusal>(services, requestId, {
    check: (loaded) => requesterOnly(services, loaded, actor),
    verdict: (request, now) =>
      request.status === 'awaiting_choice'
        ? { kind: 'save', transition: goAsIs(request, actor, now) }
        : { kind: 'answer', answer: { code: 'already_decided', request } },
    followUps,
    lease: (after, now) => (take && after.status === 'approved' ? leaseOf(services, now) : undefined),
  });
  if (changed.kind === 'saved' && changed.request.status === 'approved') {
    if (take) take(changed.request);
    else services.wake();
  }
  return refusalOr(changed, requestId);
}

/**
 * The work loop's steps for a request waiting for a choice: before its deadline the card counts down (drawn
 * again from now); at it, the request goes as it is. A choice that got there first leaves nothing to do.
 */
export async function runChoiceStep(
  services: Pick<Services, 'cards' | 'clock' | 'counters' | 'ids' | 'logger' | 'requests' | 'take' | 'wake'>,
  request: RequestIn<'awaiting_choice'>,
): Promise<void> {
  const changed = await changeRequest<'moved_on'>(services, request, {
    verdict: (current, now) => {
      if (current.status !== 'awaiting_choice') return { kind: 'answer', answer: 'moved_on' };
      if (current.choiceUntil <= now) return { kind: 'save', transition: goAsIs(current, undefined, now) };
      return { kind: 'save', transition: countedDown(current, now) };
    },
  });
  await showChange(services, changed.recorded);
  if (changed.kind === 'saved' && changed.request.status === 'approved') {
    if (services.take) services.take(changed.request);
    else services.wake();
  }
}

/** Only the requester chooses for their request; anyone else's click is refused and recorded on it. */
async function requesterOnly(
  services: ChooseServices,
  loaded: InvalidationRequest,
  actor: string,
): Promise<ChoiceRefusal | undefined> {
  if (loaded.requester === actor) return undefined;
  await recordClickRefusal(services, loaded, { action: 'choose', code: 'not_requester', by: actor });
  return { code: 'not_requester', request: loaded };
}

function choiceVerdict(
  services: Pick<Services, 'policy'>,
  request: InvalidationRequest,
  choice: Choice,
  now: string,
): Verdict<ChoiceRefusal> {
  const apply = (current: RequestIn<'awaiting_choice' | 'pending_approval'>): Verdict<ChoiceRefusal> => {
    const { policy } = services;
    // The distribution's policy now decides what the new paths need, as it would for a new request.
    const distribution = findDistribution(policy, current.distribution.id);
    if (!distribution) return { kind: 'answer', answer: { code: 'distribution_removed', request: current } };
    const applied = applyChoice(current, choice, {
      policy: distribution.policy,
      pricing: policy.cost,
      approvalTimeoutMs: policy.approvalTimeoutMinutes * 60_000,
      now,
    });
    return 'code' in applied ? { kind: 'answer', answer: applied } : { kind: 'save', transition: applied };
  };
  if (request.status === 'awaiting_choice') return apply(request);
  return whilePending(request, now, apply);
}

/**
 * A choice that left nothing more to choose and no approval to wait for: the request is due now, to go as it
 * is, and the work loop is woken for it (the save took no lease, so it is the loop's to claim).
 */
function goesNow(services: ChooseServices, request: InvalidationRequest): void {
  if (request.status === 'awaiting_choice' && request.choiceUntil <= services.clock.now()) services.wake();
}

function leaseOf(services: Pick<Services, 'workerId' | 'operations'>, now: string): Lease {
  return { owner: services.workerId, until: addMs(now, services.operations.workLeaseSeconds * 1000) };
}

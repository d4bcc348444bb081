import {
  type AlreadyDecided,
  type InvalidationRequest,
  leftToWorker,
  noticeTriedWith,
  TERMINAL,
  type Transition,
  type Verdict,
} from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import { addMs } from '../core/schedule.js';
import type { FollowUps, Lease, Services } from './ports.js';
import { releaseReservation } from './reservations.js';

/** A few rounds are plenty: only a reminder going out moves a pending request on without deciding it. */
const ROUNDS = 5;
/** How long a click waits for a just-posted card to be recorded (see `load`). */
const LOAD_ATTEMPTS = 10;
const LOAD_DELAY_MS = 100;
/**
 * How long a notice made due by a change saved here waits for its caller to post it (show-change.ts) before
 * a worker takes it up, looking in the thread first: the caller posts it right after answering Slack.
 */
export const CALLER_NOTICE_HOLD_MS = 60_000;

/**
 * A change this call saved: the request before it and after it, for the card (show-change.ts); with
 * `noticeTriedBefore`, the notice it made due is the caller's to post until then (`sendNotice`).
 */
export interface Recorded {
  before: InvalidationRequest;
  after: InvalidationRequest;
  noticeTriedBefore?: string;
}

/**
 * How `changeRequest` ended, with what it saved on the way (`recorded`): `saved`, the change is made;
 * `answered`, the verdict or the check wrote nothing (more); `busy`, other writes kept landing first.
 */
export type Changed<A> = (
  | { kind: 'saved'; request: InvalidationRequest }
  | { kind: 'answered'; answer: A }
  | { kind: 'not_found' }
  | { kind: 'busy'; request: InvalidationRequest }
) & { recorded?: Recorded };

/** How a change is made: its pure verdict, and what goes with it. */
export interface Change<A> {
  /** decides on the request as it is now; called again on the request as saved after each conflict */
  verdict(request: InvalidationRequest, now: string): Verdict<A>;
  /** checked once on the request first loaded, before anything is written; an answer stops the change */
  check?(loaded: InvalidationRequest): Promise<A | undefined>;
  /** `worker`: a change the card shows is saved marked for the worker to draw (`leftToWorker`) */
  followUps?: FollowUps;
  /** a lease the save takes on the request as it will be (this process runs its next step itself) */
  lease?(after: InvalidationRequest, now: string): Lease | undefined;
}

/**
 * Load, decide, save on the version, and on a conflict read again and decide again, a bounded number of
 * rounds: the one way a decision (approve, deny, cancel) and an expiry are written. Each save is conditional
 * on the version read, so of any number of simultaneous changes exactly one is made and the others are
 * decided again on what it left. A change that ends a request before it reached CloudFront gives
 * back its reservation. The card is not drawn here: the caller shows `recorded` once it has answered Slack.
 * `target` is a request id (loaded, waiting briefly for a just-posted card) or a request just read.
 */
export async function changeRequest<A>(
  services: Pick<Services, 'clock' | 'counters' | 'requests'>,
  target: string | InvalidationRequest,
  change: Change<A>,
): Promise<Changed<A>> {
  const loaded = typeof target === 'string' ? await load(services, target) : target;
  if (!loaded) return { kind: 'not_found' };
  const checked = await change.check?.(loaded);
  if (checked !== undefined) return { kind: 'answered', answer: checked };
  let current = loaded;
  let recorded: Recorded | undefined;
  const withRecorded = <C extends Changed<A>>(changed: C): C =>
    recorded ? { ...changed, recorded } : changed;
  for (let round = 0; round < ROUNDS; round++) {
    const now = services.clock.now();
    const verdict = change.verdict(current, now);
    if (verdict.kind === 'answer') return withRecorded({ kind: 'answered', answer: verdict.answer });
    const transition = followedUp(current, verdict.transition, change.followUps, now);
    if (!(await services.requests.save(transition, change.lease?.(transition.request, now)))) {
      current = (await services.requests.get(current.id))?.request ?? current;
      continue;
    }
    recorded = { before: recorded?.before ?? current, after: transition.request };
    if (transition.request.outbox && change.followUps !== 'worker')
      recorded.noticeTriedBefore = transition.request.dueAt;
    if (endedUnsubmitted(current, transition.request)) {
      await releaseReservation(services, transition.request);
    }
    if (verdict.kind === 'save') return withRecorded({ kind: 'saved', request: transition.request });
    current = transition.request;
  }
  return withRecorded({ kind: 'busy', request: current });
}

/**
 * The transition as its follow-ups need it saved: for the worker to draw (`leftToWorker`), or, for a caller
 * that draws the card and posts a notice it makes due itself, with that notice's attempt recorded in the
 * same write (`noticeTriedWith`), so no worker posts it meanwhile.
 */
function followedUp(
  current: InvalidationRequest,
  transition: Transition,
  followUps: FollowUps | undefined,
  now: string,
): Transition {
  if (followUps === 'worker') return leftToWorker(current, transition, now);
  return noticeTriedWith(transition, addMs(now, CALLER_NOTICE_HOLD_MS));
}

/** A use case's answer, with the change it saved on the way (if any) for the caller to show. */
export type Answer<T, E> = Result<T, E> & { recorded?: Recorded };

/**
 * A change whose answers are all refusals, as its caller is answered: the request as saved, or why nothing
 * was (an answer; the request kept changing; no such request).
 */
export function refusalOr<E>(
  changed: Changed<E>,
  requestId: string,
): Answer<InvalidationRequest, E | AlreadyDecided | { code: 'not_found'; requestId: string }> {
  const recorded = changed.recorded ? { recorded: changed.recorded } : {};
  switch (changed.kind) {
    case 'saved':
      return { ...ok(changed.request), ...recorded };
    case 'answered':
      return { ...err(changed.answer), ...recorded };
    case 'busy':
      return { ...err({ code: 'already_decided' as const, request: changed.request }), ...recorded };
    case 'not_found':
      return err({ code: 'not_found', requestId });
  }
}

/**
 * Reads a request to change. A card is visible in Slack a moment before its request is recorded as pending
 * (the card's ts is only known once it is posted), so a very quick click can find it still `new`: it then
 * waits up to a second for the card to be recorded instead of refusing the click.
 */
async function load(
  services: Pick<Services, 'requests'>,
  requestId: string,
): Promise<InvalidationRequest | undefined> {
  let stored = await services.requests.get(requestId);
  for (let attempt = 0; stored?.request.status === 'new' && attempt < LOAD_ATTEMPTS; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, LOAD_DELAY_MS));
    stored = await services.requests.get(requestId);
  }
  return stored?.request;
}

/** The change ended the request with nothing sent to CloudFront (denied, expired, cancelled). */
function endedUnsubmitted(before: InvalidationRequest, after: InvalidationRequest): boolean {
  return TERMINAL.has(after.status) && !TERMINAL.has(before.status) && !('batches' in after);
}

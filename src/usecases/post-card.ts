import { cardPosted, type RequestIn, retryLater, undeliverable } from '../core/request.js';
import { addMs } from '../core/schedule.js';
import { warnBudgetCrossings } from './budget-warnings.js';
import type { PostError, Services } from './ports.js';
import { refreshCard } from './refresh-card.js';
import { releaseReservation } from './reservations.js';
import { postRetryDelayMs } from './send-notice.js';

export type PostOutcome = { ok: true } | { ok: false; error: PostError | 'will_retry' };

/**
 * Posts the card of a recorded request and moves it on: to pending approval, or approved and due for
 * submission. A channel the bot cannot post in ends the request (nothing is submitted); a Slack failure
 * leaves it due, so a worker posts the card later (`retry`: after looking whether it arrived after all).
 */
export async function postCard(
  services: Pick<
    Services,
    | 'cards'
    | 'clock'
    | 'counters'
    | 'digestMarkers'
    | 'ids'
    | 'logger'
    | 'operations'
    | 'policy'
    | 'requests'
    | 'take'
    | 'wake'
    | 'workerId'
  >,
  request: RequestIn<'new'>,
  options: { retry: boolean } = { retry: false },
): Promise<PostOutcome> {
  const { cards, clock, policy, logger } = services;
  let posted: Awaited<ReturnType<typeof cards.post>>;
  try {
    posted = await cards.post(request, { lookFirst: options.retry || request.attempts > 0 });
  } catch (error) {
    logger.warn('posting the request card failed; will retry', { requestId: request.id, error });
    const delayMs = postRetryDelayMs(request.attempts, services.ids.random(), error);
    await services.requests.save({ request: retryLater(request, clock.now(), delayMs) });
    return { ok: false, error: 'will_retry' };
  }
  const now = clock.now();
  if (!posted.ok) {
    const ended = undeliverable(request, posted.error, now);
    if (await services.requests.save(ended)) await releaseReservation(services, ended.request);
    return posted;
  }
  const transition = cardPosted(request, posted.card, now, policy.approvalTimeoutMinutes * 60_000);
  // Approved at once, it is submitted here next: the save takes its lease, as a worker's claim would.
  const take = transition.request.status === 'approved' ? services.take : undefined;
  const lease = take && {
    owner: services.workerId,
    until: addMs(now, services.operations.workLeaseSeconds * 1000),
  };
  if (!(await services.requests.save(transition, lease))) {
    logger.warn('request changed while its card was posted', { requestId: request.id });
    return { ok: true };
  }
  if (take) take(transition.request);
  else if (transition.request.status === 'approved') services.wake();
  // The expiry is known only now the card is posted: drawn at once, so approvers see their deadline.
  else await refreshCard(services, transition.request);
  await warnBudgetCrossings(services, transition.request);
  return { ok: true };
}

import {
  ENDING_NOTICES,
  type InvalidationRequest,
  noticeRetry,
  noticeSent,
  noticeTried,
} from '../core/request.js';
import { retryDelayMs } from '../core/schedule.js';
import { type Services, SlackPostError } from './ports.js';
import { refreshCard } from './refresh-card.js';

/**
 * Posts the request's due thread notice exactly once, as far as Slack allows:
 *   1. if an earlier attempt may have reached Slack (tries > 0), look in the thread first;
 *   2. record the attempt (conditional write) before posting;
 *   3. post; then record it as sent.
 * A crash after 3's post and before its record is caught by 1 next time. Slack 429s, 5xx and timeouts
 * leave the notice due: it is retried from the queue. The one window left is Slack's own read-after-write
 * lag: a reply posted but not yet visible to conversations.replies at step 1 would be posted again.
 *
 * `triedBefore`: the change that made the notice due recorded its attempt too (`noticeTriedWith`), under the
 * writer's lease; until this time, well inside that lease, 1 and 2 are done already. Later (the Slack lane
 * were slow), another worker may have taken it up since, so the attempt is recorded here as usual.
 */
export async function sendNotice(
  services: Pick<Services, 'cards' | 'clock' | 'ids' | 'logger' | 'requests'>,
  request: InvalidationRequest,
  triedBefore?: string,
): Promise<void> {
  const { cards, clock, logger, ids } = services;
  const notice = request.outbox;
  if (!notice) return;
  const tried = triedBefore !== undefined && clock.now() < triedBefore;
  try {
    // The card's final state belongs to this step: if Slack fails to draw it, the step is tried again
    // (nothing is posted before), so the card never stays behind a thread that says it is done.
    if (ENDING_NOTICES.has(notice.kind)) await refreshCard(services, request, 'throw');
    if (!tried && notice.tries > 0 && (await cards.hasNotice(request, notice.kind))) {
      await services.requests.save(noticeSent(request, clock.now()));
      return;
    }
    const attempt = tried ? request : noticeTried(request);
    if (!tried && !(await services.requests.save({ request: attempt }))) return;
    await cards.notify(attempt, notice.kind);
    await services.requests.save(noticeSent(attempt, clock.now()));
  } catch (error) {
    const latest = (await services.requests.get(request.id))?.request;
    if (!latest?.outbox) throw error;
    const delayMs = postRetryDelayMs(latest.outbox.tries, ids.random(), error);
    logger.warn('posting a thread notice failed; will retry', {
      requestId: request.id,
      kind: notice.kind,
      delayMs,
      error,
    });
    await services.requests.save({ request: noticeRetry(latest, clock.now(), delayMs) });
  }
}

/** Time for a post that may still be on its way to land before the thread is read again. */
export const AMBIGUOUS_POST_SETTLE_MS = 15_000;

/** When to try a failed Slack post (a notice, or the card) again: after Retry-After, and after a slow post could land. */
export function postRetryDelayMs(tries: number, random: number, error: unknown): number {
  const backoff = retryDelayMs(tries, random);
  if (!(error instanceof SlackPostError)) return backoff;
  return Math.max(backoff, error.retryAfterMs, error.ambiguous ? AMBIGUOUS_POST_SETTLE_MS : 0);
}

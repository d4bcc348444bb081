import { cardRedrawn, type InvalidationRequest, redrawRetry } from '../core/request.js';
import { type Services, SlackPostError } from './ports.js';
import { refreshCard } from './refresh-card.js';
import { postRetryDelayMs } from './send-notice.js';

/**
 * Redraws a card marked stale (a change recorded by a writer that may not call Slack: `redrawLater`), then
 * clears the mark. A Slack failure that may pass leaves the card due, to be tried again; one that will not
 * (the message is gone) is logged by `refreshCard`, and the mark goes.
 */
export async function redrawStaleCard(
  services: Pick<Services, 'cards' | 'requests' | 'clock' | 'ids' | 'logger'>,
  request: InvalidationRequest,
): Promise<void> {
  const { clock, ids, logger } = services;
  try {
    await refreshCard(services, request, 'throw');
  } catch (error) {
    if (!(error instanceof SlackPostError)) throw error;
    const delayMs = postRetryDelayMs(request.attempts, ids.random(), error);
    logger.warn('redrawing a request card failed; will retry', { requestId: request.id, delayMs, error });
    await services.requests.save({ request: redrawRetry(request, clock.now(), delayMs) });
    return;
  }
  // A change written meanwhile keeps the mark (it spreads the request): its redraw comes next time.
  await services.requests.save({ request: cardRedrawn(request, clock.now()) });
}

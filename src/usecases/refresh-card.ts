import { type InvalidationRequest, TERMINAL } from '../core/request.js';
import { type Services, SlackPostError } from './ports.js';

/** Enough for a card whose request moves on while it is drawn (approved → in progress → completed). */
const MAX_DRAWS = 3;

/**
 * Redraws a card. Updates of one card can reach Slack out of order (an older state's update retried after
 * a 429 lands after a newer one), so once drawn the request is read again, and drawn again if it moved on
 * meanwhile: the card ends in the latest state. A Slack failure is logged, not fatal: the change is already
 * recorded. With `failures: 'throw'`, a failure that may pass (a 429, a 5xx, no answer) is thrown instead,
 * for a caller that retries its step.
 */
export async function refreshCard(
  services: Pick<Services, 'cards' | 'requests' | 'logger'>,
  request: InvalidationRequest,
  failures: 'log' | 'throw' = 'log',
): Promise<void> {
  let drawn = request;
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    try {
      await services.cards.update(drawn);
    } catch (error) {
      if (failures === 'throw' && error instanceof SlackPostError) throw error;
      services.logger.warn('updating the request card failed', { requestId: request.id, error });
      return;
    }
    // A card in its final state cannot be overtaken: what changes after it (a notice sent) is not drawn.
    if (TERMINAL.has(drawn.status)) return;
    const latest = await services.requests.get(drawn.id).catch(() => undefined);
    if (!latest || latest.request.version === drawn.version) return;
    drawn = latest.request;
  }
}

import { budgetWarningKey } from '../core/budgets.js';
import { billingMonth } from '../core/cost.js';
import type { InvalidationRequest } from '../core/request.js';
import type { Services } from './ports.js';

/**
 * Posts in a request's thread each budget threshold its reservation crossed (`cost.crossings`), once per
 * budget figure, threshold and month however many instances run: a conditional marker (the digests'
 * markers, under a key of their own) is begun before the post and marked posted after it. A marker left
 * `posting` by a failed post is never retried: a warning is worth less than a double one. Never throws:
 * the request goes on whatever Slack or the store says.
 */
export async function warnBudgetCrossings(
  services: Pick<Services, 'cards' | 'clock' | 'digestMarkers' | 'logger'>,
  request: InvalidationRequest,
): Promise<void> {
  const crossings = request.cost.crossings ?? [];
  const month = billingMonth(request.createdAt);
  for (const crossing of crossings) {
    const key = budgetWarningKey(crossing, month);
    try {
      if (!(await services.digestMarkers.begin(key, services.clock.now()))) continue;
      await services.cards.warnBudget(request, crossing);
      await services.digestMarkers.posted(key);
    } catch (error) {
      services.logger.warn('a budget warning could not be posted; the request goes on', {
        requestId: request.id,
        key,
        error,
      });
    }
  }
}

import type { InvalidationRequest } from '../core/request.js';
import type { Services } from './ports.js';

/** Redraws a card; a Slack failure here is logged, not fatal: the decision is already recorded. */
export async function refreshCard(services: Services, request: InvalidationRequest): Promise<void> {
  try {
    await services.cards.update(request);
  } catch (error) {
    services.logger.warn('updating the request card failed', { requestId: request.id, error });
  }
}

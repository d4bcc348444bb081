import type { InvalidationRequest } from '../core/request.js';
import type { Services } from './ports.js';

const SETTLE_ATTEMPTS = 10;
const SETTLE_DELAY_MS = 100;

/**
 * Reads a request for a decision. A card is visible in Slack a moment before its request is recorded as
 * pending (the card's ts is only known once it is posted), so a very quick click can find it still `new`:
 * it then waits up to a second for the card to be recorded instead of refusing the click.
 */
export async function loadSettled(
  services: Pick<Services, 'requests'>,
  requestId: string,
): Promise<InvalidationRequest | undefined> {
  let stored = await services.requests.get(requestId);
  for (let attempt = 0; stored?.request.status === 'new' && attempt < SETTLE_ATTEMPTS; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_DELAY_MS));
    stored = await services.requests.get(requestId);
  }
  return stored?.request;
}

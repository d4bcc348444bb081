import { cardChanged } from '../core/request.js';
import type { Recorded } from './change-request.js';
import type { FollowUps, Services } from './ports.js';
import { refreshCard } from './refresh-card.js';

/**
 * Shows a saved change on the request's card, if the card shows something different for it: `caller`
 * redraws it now, so a listener calls this only once it has answered Slack (the acknowledgement never waits
 * for a redraw); `worker` leaves it to the worker, which a change saved marked stale wakes (the change was
 * saved that way by `changeRequest`, in its own conditional write). The one place a saved change reaches
 * the card; the worker's own steps that draw what was left to them call `refreshCard`.
 */
export async function showChange(
  services: DrawServices,
  recorded: Recorded | undefined,
  followUps?: 'caller',
): Promise<void>;
export async function showChange(
  services: DrawServices & Pick<Services, 'wake'>,
  recorded: Recorded | undefined,
  followUps: FollowUps,
): Promise<void>;
export async function showChange(
  services: DrawServices & Partial<Pick<Services, 'wake'>>,
  recorded: Recorded | undefined,
  followUps: FollowUps = 'caller',
): Promise<void> {
  if (!recorded || !cardChanged(recorded.before, recorded.after)) return;
  if (followUps === 'caller') await refreshCard(services, recorded.after);
  else if (recorded.after.cardStale) services.wake?.();
}

/** What drawing a card uses; leaving it to the worker also wakes it (`wake`). */
type DrawServices = Pick<Services, 'cards' | 'logger' | 'requests'>;

import { cardChanged } from '../core/request.js';
import type { Recorded } from './change-request.js';
import type { FollowUps, Services } from './ports.js';
import { refreshCard } from './refresh-card.js';
import { sendNotice } from './send-notice.js';

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
  if (!recorded) return;
  const { after, noticeTriedBefore } = recorded;
  // A notice the change made due (how the request ended) is the caller's to post, and posting it draws
  // the card first: the card never lags behind its thread.
  if (followUps === 'caller' && after.outbox && noticeTriedBefore !== undefined) {
    await sendNotice(services, after, noticeTriedBefore);
    return;
  }
  if (!cardChanged(recorded.before, after)) return;
  if (followUps === 'caller') await refreshCard(services, after);
  else if (after.cardStale || after.outbox) services.wake?.();
}

/** What drawing a card and posting the notice that goes with it use; leaving them to the worker wakes it. */
type DrawServices = Pick<Services, 'cards' | 'clock' | 'ids' | 'logger' | 'requests'>;

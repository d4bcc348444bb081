import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../usecases/ports.js';
import { reportAccess } from '../../../usecases/report-access.js';
import { escapeWithin, loadingPathsModal, pathsModal, pathsUnavailableModal } from '../blocks.js';
import { RESTRICTED_NOTE } from '../report-blocks.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/**
 * "Show all paths" on a card. The trigger id works once and only for 3 seconds, so the modal opens first
 * and the paths follow in it: a slow read shows "Reading…" rather than losing the click. Who may see them
 * is decided for whoever clicks, where the card is (a restricted distribution's paths stay in its channels).
 */
export function showPathsButton(services: Pick<Services, 'requests' | 'directory' | 'policy' | 'logger'>) {
  return async ({ ack, action, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const requestId = action.value ?? '';
    const opened = await client.views.open({
      trigger_id: body.trigger_id,
      view: loadingPathsModal(requestId),
    });
    const viewId = opened.view?.id;
    if (!viewId) return;
    const view = await pathsView(services, requestId, body.user.id, body.channel?.id);
    await client.views.update({ view_id: viewId, view });
  };
}

async function pathsView(
  services: Pick<Services, 'requests' | 'directory' | 'policy' | 'logger'>,
  requestId: string,
  user: string,
  channel: string | undefined,
) {
  try {
    const found = await services.requests.get(requestId);
    if (!found) return pathsUnavailableModal(`I have no record of request ${escapeWithin(requestId, 40)}.`);
    const { request } = found;
    const access = await reportAccess(services, { user, ...(channel ? { channel } : {}) });
    if (access(request.distribution.id, request.requester) !== 'full')
      return pathsUnavailableModal(RESTRICTED_NOTE);
    return pathsModal(request);
  } catch (error) {
    services.logger.warn('could not read the paths for "Show all paths"', { requestId, error });
    return pathsUnavailableModal(
      `I could not read the paths of ${requestId} just now (the database did not answer). Close this and try again in a minute.`,
    );
  }
}

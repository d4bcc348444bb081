import type { App } from '@slack/bolt';
import type { Logger, Services } from '../../usecases/ports.js';
import { ActionIds, DENY_MODAL } from './blocks.js';
import { chooseButton, submitAsIsButton } from './listeners/choice.js';
import { invalidateCommand } from './listeners/command.js';
import { approveButton, cancelButton, denyButton, denySubmission } from './listeners/decision.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps } from './listeners/follow-ups.js';
import { acceptProposalButton, dismissProposalButton, editProposalButton } from './listeners/proposal.js';
import { homeOpened, listMoreButton } from './listeners/reports.js';
import { formEdited, formSubmitted, messageShortcut } from './listeners/request-form.js';
import { showPathsButton } from './listeners/show-paths.js';
import { OfferActionIds, USE_WILDCARD_ACTION } from './offer-blocks.js';
import { ProposalActionIds } from './proposal-blocks.js';
import { LIST_MORE_ACTION } from './report-blocks.js';
import { FormIds, MESSAGE_SHORTCUT, REQUEST_FORM } from './request-form.js';

/**
 * The only place that binds Slack commands, actions and views to listeners. `followUps`: who makes the
 * Slack calls after an acknowledgement (on Lambda, the worker: see `ListenerFollowUps`).
 */
export function registerListeners(
  app: App,
  services: Services,
  logger: Logger,
  followUps: ListenerFollowUps = INLINE_FOLLOW_UPS,
): void {
  app.command('/invalidate', invalidateCommand(services, followUps));
  app.action(ActionIds.approve, approveButton(services, followUps));
  app.action(ActionIds.deny, denyButton(services, followUps));
  app.action(ActionIds.cancel, cancelButton(services, followUps));
  app.action(USE_WILDCARD_ACTION, chooseButton(services, followUps));
  app.action(OfferActionIds.dropHashed, chooseButton(services, followUps));
  app.action(OfferActionIds.submitAsIs, submitAsIsButton(services, followUps));
  app.view(DENY_MODAL, denySubmission(services, followUps));
  app.action(ActionIds.showPaths, showPathsButton(services));
  app.action(LIST_MORE_ACTION, listMoreButton(services, followUps));
  app.event('app_home_opened', homeOpened(services));
  app.action(FormIds.distribution, formEdited(services));
  app.action(FormIds.paths, formEdited(services));
  app.view(REQUEST_FORM, formSubmitted(services, followUps));
  app.shortcut(MESSAGE_SHORTCUT, messageShortcut(services));
  app.action(ProposalActionIds.accept, acceptProposalButton(services, followUps));
  app.action(ProposalActionIds.edit, editProposalButton(services, followUps));
  app.action(ProposalActionIds.dismiss, dismissProposalButton(services, followUps));
  app.error(async (error) => {
    logger.error('a Slack listener failed', { code: error.code, error: error.original ?? error });
  });
}

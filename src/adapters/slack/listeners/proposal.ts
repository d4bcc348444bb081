import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { proposalReason } from '../../../core/proposal.js';
import type { Services } from '../../../usecases/ports.js';
import { postCard } from '../../../usecases/post-card.js';
import {
  acceptProposal,
  dismissProposal,
  openProposalOf,
  showProposal,
} from '../../../usecases/proposals.js';
import { openRefusalText, proposalAcceptedText, proposalRefusalText } from '../messages.js';
import { prefilledPaths } from '../request-form.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps, type Respond, responder } from './follow-ups.js';
import { openForm } from './request-form.js';

/**
 * A deploy proposal's buttons (proposal-blocks.ts). Each is acknowledged at once; the change is one
 * conditional write, so a double click makes one request (both clicks name the same request id). The
 * card is redrawn by the clicker's process, or on Lambda by the worker the saved change wakes.
 */

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

/** Invalidate these: the proposal becomes an ordinary request of the clicker, whose card is posted. */
export function acceptProposalButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const answer = responder(followUps, respond, body.response_url);
    const accepted = await acceptProposal(services, action.value ?? '', body.user.id, followUps.cards);
    if (!accepted.ok) {
      await answer(ephemeral(proposalRefusalText(accepted.error)));
      return;
    }
    const { request, proposal } = accepted.value;
    if (followUps.cards === 'worker') {
      await answer(ephemeral(proposalAcceptedText(request.id, 'worker')));
      services.wake();
      return;
    }
    const posted = await postCard(services, request);
    await answer(
      ephemeral(
        posted.ok
          ? proposalAcceptedText(request.id, 'caller')
          : openRefusalText({ code: 'cannot_post', error: posted.error, requestId: request.id }),
      ),
    );
    await showProposal(services, proposal);
  };
}

/** Edit…: the request form, prefilled with the proposal's distribution, paths and reason. */
export function editProposalButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond, client }: ButtonArgs): Promise<void> => {
    await ack();
    const open = await openProposalOf(services, action.value ?? '');
    if (!open.ok) {
      await responder(followUps, respond, body.response_url)(ephemeral(proposalRefusalText(open.error)));
      return;
    }
    const proposal = open.value;
    const { text, leftOut } = prefilledPaths(proposal.paths);
    await openForm(services, client, {
      triggerId: body.trigger_id,
      user: body.user.id,
      channel: proposal.channel,
      prefill: { pathsText: text, leftOut },
      fromProposal: { id: proposal.id, alias: proposal.distribution.alias, reason: proposalReason(proposal) },
    });
  };
}

/** Dismiss: nobody is to act on the proposal; anyone who may request the distribution may dismiss it. */
export function dismissProposalButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const answer: Respond = responder(followUps, respond, body.response_url);
    const dismissed = await dismissProposal(services, action.value ?? '', body.user.id, followUps.cards);
    if (!dismissed.ok) {
      await answer(ephemeral(proposalRefusalText(dismissed.error)));
      return;
    }
    if (followUps.cards === 'worker') services.wake();
    else await showProposal(services, dismissed.value);
  };
}

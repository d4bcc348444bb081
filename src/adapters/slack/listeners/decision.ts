import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';
import * as z from 'zod';
import { cancelRequest } from '../../../usecases/cancel.js';
import { checkDecider, decideRequest } from '../../../usecases/decide.js';
import type { Services } from '../../../usecases/ports.js';
import { showChange } from '../../../usecases/show-change.js';
import { denyModal, noticeModal, REASON_BLOCK, REASON_INPUT } from '../blocks.js';
import { cancelRefusalText, decisionRefusalText } from '../messages.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps, responder } from './follow-ups.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs & AllMiddlewareArgs;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

/**
 * Approve: acknowledged at once; the decision is a conditional write, so a double click is a no-op. With
 * `followUps: 'worker'` (Lambda) the card is redrawn by the worker, which the approval wakes to submit it.
 */
export function approveButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond: boltRespond }: ButtonArgs): Promise<void> => {
    await ack();
    const respond = responder(followUps, boltRespond, body.response_url);
    const decided = await decideRequest(
      services,
      action.value ?? '',
      { outcome: 'approved', by: body.user.id },
      followUps.cards,
    );
    if (!decided.ok) await respond(ephemeral(decisionRefusalText(decided.error)));
    await showChange(services, decided.recorded, followUps.cards);
  };
}

/** Cancel on the card: everyone sees the button, but only the requester's click counts. */
export function cancelButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond: boltRespond }: ButtonArgs): Promise<void> => {
    await ack();
    const respond = responder(followUps, boltRespond, body.response_url);
    const cancelled = await cancelRequest(services, action.value ?? '', body.user.id, followUps.cards);
    if (!cancelled.ok) await respond(ephemeral(cancelRefusalText(cancelled.error)));
    await showChange(services, cancelled.recorded, followUps.cards);
  };
}

/**
 * Deny: checks the clicker may decide, then opens the reason modal; the trigger id works once and only
 * for 3 seconds, so nothing slow comes first. https://api.slack.com/interactivity/handling#modal_responses
 */
export function denyButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond: boltRespond, client }: ButtonArgs): Promise<void> => {
    await ack();
    const respond = responder(followUps, boltRespond, body.response_url);
    const checked = await checkDecider(services, action.value ?? '', body.user.id, 'deny', followUps.cards);
    if (!checked.ok) {
      await respond(ephemeral(decisionRefusalText(checked.error)));
      await showChange(services, checked.recorded, followUps.cards);
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: denyModal(checked.value, checked.value.channel),
    });
  };
}

const modalMetadata = z.object({ requestId: z.string(), channel: z.string() });

/**
 * The reason modal was submitted: the denial is decided before answering, so a lost race shows in the modal.
 * With `followUps: 'worker'` the card is redrawn by the worker.
 */
export function denySubmission(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, view, body }: ViewArgs): Promise<void> => {
    const reason = view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value?.trim() ?? '';
    if (reason === '') {
      await ack({
        response_action: 'errors',
        errors: { [REASON_BLOCK]: 'Give a reason, so the requester knows what to do next.' },
      });
      return;
    }
    const { requestId } = modalMetadata.parse(JSON.parse(view.private_metadata));
    const denial = { outcome: 'denied' as const, by: body.user.id, reason };
    const decided = await decideRequest(services, requestId, denial, followUps.cards);
    if (decided.ok) await ack();
    else {
      const view = noticeModal('Not denied', decisionRefusalText(decided.error));
      await ack({ response_action: 'update', view });
    }
    await showChange(services, decided.recorded, followUps.cards);
  };
}

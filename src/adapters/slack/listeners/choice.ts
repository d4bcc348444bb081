import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { InvalidationRequest } from '../../../core/request.js';
import type { Answer } from '../../../usecases/change-request.js';
import { type ChoiceRefusal, chooseForm, submitAsIs } from '../../../usecases/choose.js';
import type { Services } from '../../../usecases/ports.js';
import { showChange } from '../../../usecases/show-change.js';
import { choiceRefusalText } from '../messages.js';
import { parseChoiceValue } from '../offer-blocks.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps, responder } from './follow-ups.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

/**
 * Use /assets/* and Drop hashed files: acknowledged at once; the choice is a conditional write, so a double
 * click changes the request once (the second finds the offer gone). Everyone sees the buttons, but only the
 * requester's click counts; the card is redrawn with what was chosen.
 */
export function chooseButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const parsed = parseChoiceValue(action.value ?? '', action.action_id);
    if (!parsed) {
      await responder(
        followUps,
        respond,
        body.response_url,
      )(ephemeral('That button is not one this bot drew, so nothing changed.'));
      return;
    }
    const chosen = await chooseForm(services, parsed.requestId, body.user.id, parsed.choice, followUps.cards);
    await answered(services, followUps, { respond, body }, chosen);
  };
}

/** Submit as is: the request goes to CloudFront now, without waiting for the countdown. */
export function submitAsIsButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const submitted = await submitAsIs(services, action.value ?? '', body.user.id, followUps.cards);
    await answered(services, followUps, { respond, body }, submitted);
  };
}

async function answered(
  services: Services,
  followUps: ListenerFollowUps,
  { respond, body }: Pick<ButtonArgs, 'respond' | 'body'>,
  answer: Answer<InvalidationRequest, ChoiceRefusal>,
): Promise<void> {
  if (!answer.ok)
    await responder(followUps, respond, body.response_url)(ephemeral(choiceRefusalText(answer.error)));
  await showChange(services, answer.recorded, followUps.cards);
}

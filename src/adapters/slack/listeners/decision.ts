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
import { denyModal, noticeModal, parseDecisionValue, REASON_BLOCK, REASON_INPUT } from '../blocks.js';
import { cancelRefusalText, decisionRefusalText } from '../messages.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps, responder } from './follow-ups.js';
import { publishHome } from './reports.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs & AllMiddlewareArgs;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

/**
 * Approve: acknowledged at once; the decision is a conditional write, so a double click is a no-op. With
 * `followUps: 'worker'` (Lambda) the card is redrawn by the worker, which the approval wakes to submit it.
 * Clicked on the App Home tab, the clicker's Home is drawn again, without what was decided.
 */
export function approveButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async (args: ButtonArgs): Promise<void> => {
    const { ack, action, body } = args;
    await ack();
    const { requestId, revision } = parseDecisionValue(action.value ?? '');
    const decided = await decideRequest(
      services,
      requestId,
      { outcome: 'approved', by: body.user.id },
      followUps.cards,
      revision,
    );
    if (!decided.ok)
      await tellRefusal(args, services, followUps, {
        title: 'Not approved',
        text: decisionRefusalText(decided.error),
      });
    await showChange(services, decided.recorded, followUps.cards);
    if (fromHome(body)) await publishHome(services, args.client, body.user.id);
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
 * The modal says whether it was opened from the App Home tab, whose Home is drawn again once it is sent.
 */
export function denyButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async (args: ButtonArgs): Promise<void> => {
    const { ack, action, body, client } = args;
    await ack();
    const { requestId } = parseDecisionValue(action.value ?? '');
    const checked = await checkDecider(services, requestId, body.user.id, 'deny', followUps.cards);
    if (!checked.ok) {
      await tellRefusal(args, services, followUps, {
        title: 'Not denied',
        text: decisionRefusalText(checked.error),
      });
      await showChange(services, checked.recorded, followUps.cards);
      if (fromHome(body)) await publishHome(services, client, body.user.id);
      return;
    }
    const modal = denyModal(checked.value, checked.value.channel);
    const metadata: ModalMetadata = {
      requestId: checked.value.id,
      channel: checked.value.channel,
      ...(fromHome(body) ? { home: true } : {}),
    };
    await client.views.open({
      trigger_id: body.trigger_id,
      view: { ...modal, private_metadata: JSON.stringify(metadata) },
    });
  };
}

/**
 * Tells the clicker why their click changed nothing: privately in the conversation, through the response_url
 * of the message clicked; on the App Home tab, which has none, in a small modal. Its trigger id expires
 * after 3 seconds: if the check took longer, the modal cannot open, and the Home drawn again next (without
 * the request, once decided) is all the clicker sees, so the redraw must not wait on that failure.
 */
async function tellRefusal(
  { body, client, respond }: ButtonArgs,
  services: Pick<Services, 'logger'>,
  followUps: ListenerFollowUps,
  refusal: { title: string; text: string },
): Promise<void> {
  if (!fromHome(body)) {
    await responder(followUps, respond, body.response_url)(ephemeral(refusal.text));
    return;
  }
  try {
    await client.views.open({ trigger_id: body.trigger_id, view: noticeModal(refusal.title, refusal.text) });
  } catch (error) {
    services.logger.warn('a refusal on the App Home could not be shown', { user: body.user.id, error });
  }
}

/** A click on the App Home tab: no channel, no message, no response_url. */
function fromHome(body: BlockAction): boolean {
  return body.view?.type === 'home';
}

/** The Deny modal's private_metadata: which request, its channel, and whether it was opened from the App Home. */
const modalMetadata = z.object({ requestId: z.string(), channel: z.string(), home: z.boolean().optional() });
type ModalMetadata = z.infer<typeof modalMetadata>;

/**
 * The reason modal was submitted: the denial is decided before answering, so a lost race shows in the modal.
 * With `followUps: 'worker'` the card is redrawn by the worker.
 */
export function denySubmission(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, view, body, client }: ViewArgs): Promise<void> => {
    const reason = view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value?.trim() ?? '';
    if (reason === '') {
      await ack({
        response_action: 'errors',
        errors: { [REASON_BLOCK]: 'Give a reason, so the requester knows what to do next.' },
      });
      return;
    }
    const { requestId, home } = modalMetadata.parse(JSON.parse(view.private_metadata));
    const denial = { outcome: 'denied' as const, by: body.user.id, reason };
    const decided = await decideRequest(services, requestId, denial, followUps.cards);
    if (decided.ok) await ack();
    else {
      const view = noticeModal('Not denied', decisionRefusalText(decided.error));
      await ack({ response_action: 'update', view });
    }
    await showChange(services, decided.recorded, followUps.cards);
    if (home) await publishHome(services, client, body.user.id);
  };
}

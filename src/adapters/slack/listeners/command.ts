import type { AllMiddlewareArgs, RespondFn, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { cancelRequest } from '../../../usecases/cancel.js';
import type { Services } from '../../../usecases/ports.js';
import { refreshCard } from '../../../usecases/refresh-card.js';
import { openRequest, type PreparedCommand, prepareCommand } from '../../../usecases/request-invalidation.js';
import { helpMessage, plain } from '../blocks.js';
import { cancelRefusalText, commandRefusalText, openRefusalText, UNRECORDED_TEXT } from '../messages.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, ...plain(text) });

/**
 * `/invalidate …`: the checks need no service, so a refusal or the help text is the acknowledgement itself,
 * well inside Slack's 3 seconds; anything else is acknowledged first, then carried out.
 * https://api.slack.com/interactivity/slash-commands#responding_basic_receipt
 */
export function invalidateCommand(services: Services) {
  return async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    const prepared = prepareCommand(services.policy, command.text, command.channel_id);
    if (!prepared.ok) return ack(ephemeral(commandRefusalText(prepared.error)));
    if (prepared.value.kind === 'help')
      return ack({ response_type: 'ephemeral', ...helpMessage(services.policy) });
    await ack();
    if (prepared.value.kind === 'cancel') {
      await cancelByCommand(services, prepared.value.requestId, command.user_id, respond);
      return;
    }
    await open(services, prepared.value, command, respond);
  };
}

async function open(
  services: Services,
  prepared: Extract<PreparedCommand, { kind: 'invalidate' }>,
  command: CommandArgs['command'],
  respond: RespondFn,
): Promise<void> {
  let opened: Awaited<ReturnType<typeof openRequest>>;
  try {
    opened = await openRequest(services, prepared, command.user_id, command.channel_id);
  } catch (error) {
    services.logger.error('recording a request failed; nothing submitted', { user: command.user_id, error });
    await respond(ephemeral(UNRECORDED_TEXT));
    return;
  }
  if (!opened.ok) await respond(ephemeral(openRefusalText(opened.error)));
}

async function cancelByCommand(services: Services, requestId: string, user: string, respond: RespondFn) {
  const cancelled = await cancelRequest(services, requestId, user);
  if (!cancelled.ok) {
    await respond(ephemeral(cancelRefusalText(cancelled.error)));
    return;
  }
  await respond(ephemeral(`Cancelled ${cancelled.value.id}; nothing was submitted.`));
  await refreshCard(services, cancelled.value);
}

import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../usecases/ports.js';
import { openRequest, prepareCommand } from '../../../usecases/request-invalidation.js';
import { helpMessage, plain } from '../blocks.js';
import { commandRefusalText, openRefusalText, UNRECORDED_TEXT } from '../messages.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/invalidate …`: the checks need no service, so a refusal or the help text is the acknowledgement itself,
 * well inside Slack's 3 seconds; a valid request is acknowledged first, then recorded and its card posted.
 */
export function invalidateCommand(services: Services) {
  return async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    const prepared = prepareCommand(services.policy, command.text, command.channel_id);
    if (!prepared.ok)
      return ack({ response_type: 'ephemeral', ...plain(commandRefusalText(prepared.error)) });
    if (prepared.value.kind === 'help')
      return ack({ response_type: 'ephemeral', ...helpMessage(services.policy) });
    await ack();
    let opened: Awaited<ReturnType<typeof openRequest>>;
    try {
      opened = await openRequest(services, prepared.value, command.user_id, command.channel_id);
    } catch (error) {
      services.logger.error('recording a request failed; nothing submitted', {
        user: command.user_id,
        error,
      });
      await respond({ response_type: 'ephemeral', ...plain(UNRECORDED_TEXT) });
      return;
    }
    if (!opened.ok) await respond({ response_type: 'ephemeral', ...plain(openRefusalText(opened.error)) });
  };
}

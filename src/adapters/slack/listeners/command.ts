import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { cancelRequest } from '../../../usecases/cancel.js';
import type { FollowUps, Services } from '../../../usecases/ports.js';
import { postCard } from '../../../usecases/post-card.js';
import {
  type PreparedCommand,
  prepareCommand,
  recordRequest,
  recordUnauthorizedCommand,
} from '../../../usecases/request-invalidation.js';
import { showChange } from '../../../usecases/show-change.js';
import { ahead } from '../../system/ahead.js';
import { helpMessage, plain } from '../blocks.js';
import {
  cancelRefusalText,
  commandRefusalText,
  openRefusalText,
  recordedText,
  UNRECORDED_TEXT,
} from '../messages.js';
import { exportByCommand } from './export.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps, type Respond, responder } from './follow-ups.js';
import { answerReport } from './reports.js';
import { requestFormCommand } from './request-form.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, ...plain(text) });
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Slack waits 3 seconds for the acknowledgement; recording normally takes a few milliseconds. */
const RECORD_DEADLINE_MS = 2_000;
/** However long the checks took, recording gets this long before the acknowledgement goes without it. */
const MIN_RECORD_WAIT_MS = 300;
export const SLOW_RECORD_TEXT =
  'Recording your request is taking longer than usual; I will confirm here in a moment.';

/**
 * `/invalidate …`; with no text at all, the request form (help stays at `/invalidate help`). The checks need no
 * service but cached CloudFront facts (bounded in time), so a refusal or the help text is the acknowledgement itself;
 * a refusal for the channel is recorded after it was answered.
 * A valid request is acknowledged once it is recorded (one DynamoDB write, well inside Slack's 3 seconds),
 * so every accepted request is on record; its card is posted after the acknowledgement. With
 * `followUps: 'worker'` (Lambda) the acknowledgement names the recorded request and the worker posts its card.
 * https://api.slack.com/interactivity/slash-commands#responding_basic_receipt
 */
export function invalidateCommand(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ command, ack, respond: boltRespond, client }: CommandArgs): Promise<void> => {
    if (command.text.trim() === '') return requestFormCommand(services, { ack, command, client });
    const respond = responder(followUps, boltRespond, command.response_url);
    const startedAt = Date.now();
    const prepared = await prepareCommand(services, command.text, command.channel_id);
    if (!prepared.ok) {
      await ack(ephemeral(commandRefusalText(prepared.error)));
      const { user_id: user, channel_id: channel, text } = command;
      return recordUnauthorizedCommand(services, prepared.error, { user, channel, text });
    }
    if (prepared.value.kind === 'help')
      return ack({ response_type: 'ephemeral', ...helpMessage(services.policy) });
    const value = prepared.value;
    const cards = followUps.cards;
    if (value.kind === 'invalidate') {
      // Looking up a URL's host or a distribution's cache tags may have taken part of Slack's 3 seconds.
      const deadlineMs = Math.max(RECORD_DEADLINE_MS - (Date.now() - startedAt), MIN_RECORD_WAIT_MS);
      return open(services, value, command, { ack, respond, deadlineMs }, cards);
    }
    if (value.kind === 'export')
      return exportByCommand(services, value, command.user_id, { ack, respond, client }, followUps);
    if (value.kind === 'cancel' && cards === 'worker') {
      const cancelled = await cancelRequest(services, value.requestId, command.user_id, cards);
      await ack(ephemeral(cancelAnswerText(cancelled)));
      return showChange(services, cancelled.recorded, cards);
    }
    await ack();
    if (value.kind === 'cancel') await cancelByCommand(services, value.requestId, command.user_id, respond);
    else await answerReport(services, value, { user: command.user_id, channel: command.channel_id }, respond);
  };
}

async function open(
  services: Services,
  prepared: Extract<PreparedCommand, { kind: 'invalidate' }>,
  command: CommandArgs['command'],
  { ack, respond, deadlineMs }: Pick<CommandArgs, 'ack'> & { respond: Respond; deadlineMs: number },
  followUps: FollowUps,
): Promise<void> {
  const { user_id: user, channel_id: channel } = command;
  const recording = ahead(() => recordRequest(services, prepared, user, channel, followUps)).then(
    (result) => ({ done: true as const, result }),
    (error: unknown) => ({ done: true as const, error }),
  );
  // A slow DynamoDB must not cost the acknowledgement: past the deadline, acknowledge and answer later.
  const first = await Promise.race([recording, delay(deadlineMs).then(() => ({ done: false as const }))]);
  if (!first.done) await ack(ephemeral(SLOW_RECORD_TEXT));
  const outcome = first.done ? first : await recording;
  const reply = async (text: string): Promise<void> => {
    if (first.done) await ack(ephemeral(text));
    else await respond(ephemeral(text));
  };
  if ('error' in outcome) {
    services.logger.error('recording a request failed; nothing submitted', {
      user: command.user_id,
      error: outcome.error,
    });
    await reply(UNRECORDED_TEXT);
    return;
  }
  if (!outcome.result.ok) return reply(openRefusalText(outcome.result.error));
  const request = outcome.result.value;
  if (followUps === 'worker') {
    // The card is due now, on record: the worker posts it (and tells nobody if the channel refuses it).
    services.wake();
    return reply(recordedText(request.id));
  }
  if (first.done) await ack();
  const posted = await postCard(services, request);
  if (!posted.ok) {
    await respond(
      ephemeral(openRefusalText({ code: 'cannot_post', error: posted.error, requestId: request.id })),
    );
  }
}

async function cancelByCommand(services: Services, requestId: string, user: string, respond: Respond) {
  const cancelled = await cancelRequest(services, requestId, user);
  await respond(ephemeral(cancelAnswerText(cancelled)));
  await showChange(services, cancelled.recorded);
}

/** What the requester is told of their cancel. */
function cancelAnswerText(cancelled: Awaited<ReturnType<typeof cancelRequest>>): string {
  return cancelled.ok ? cancelledText(cancelled.value.id) : cancelRefusalText(cancelled.error);
}

const cancelledText = (requestId: string) => `Cancelled ${requestId}; nothing was submitted.`;

import type {
  AllMiddlewareArgs,
  BlockAction,
  MessageShortcut,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewOutput,
} from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { findDistribution } from '../../../config.js';
import { urlsInMessage } from '../../../core/message-urls.js';
import type { Services } from '../../../usecases/ports.js';
import { postCard } from '../../../usecases/post-card.js';
import { acceptedByForm, showProposal } from '../../../usecases/proposals.js';
import {
  distributionOfUrls,
  type FormInput,
  type FormPreview,
  previewForm,
  requestableDistributions,
  submitForm,
} from '../../../usecases/request-form.js';
import { ahead } from '../../system/ahead.js';
import { noticeModal } from '../blocks.js';
import { openRefusalText, UNRECORDED_TEXT } from '../messages.js';
import {
  FormIds,
  fieldError,
  formRefusalError,
  noDistributionsModal,
  noUrlsModal,
  parseFormMetadata,
  prefilledPaths,
  type RequestForm,
  requestFormModal,
  withPreview,
} from '../request-form.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps } from './follow-ups.js';

type Client = AllMiddlewareArgs['client'];
type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
type ShortcutArgs = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;
type EditArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs & AllMiddlewareArgs;
type FormServices = Pick<Services, 'clock' | 'counters' | 'directory' | 'facts' | 'logger' | 'policy'>;

/**
 * A trigger id works once and only for 3 seconds: the allowed distributions are awaited this long, then a
 * "Loading…" modal opens and the form replaces it when they are known.
 * https://api.slack.com/interactivity/handling#modal_responses
 */
const LIST_DEADLINE_MS = 1_500;

/** `/invalidate` with no text: the request form, for the channel it was typed in. */
export async function requestFormCommand(
  services: FormServices,
  { ack, command, client }: Pick<CommandArgs, 'ack' | 'command' | 'client'>,
): Promise<void> {
  await ack();
  await openForm(services, client, {
    triggerId: command.trigger_id,
    user: command.user_id,
    channel: command.channel_id,
  });
}

/**
 * "Invalidate URLs in this message": the form with the message's links, for the message's channel; the
 * distribution is chosen already when the links all belong to one the user may request there, or when
 * exactly one is allowed there.
 */
export function messageShortcut(services: FormServices) {
  return async ({ ack, shortcut, client }: ShortcutArgs): Promise<void> => {
    await ack();
    const found = urlsInMessage(shortcut.message);
    if (found.urls.length === 0) {
      await client.views.open({ trigger_id: shortcut.trigger_id, view: noUrlsModal() });
      return;
    }
    const { text, leftOut } = prefilledPaths(found.urls);
    await openForm(services, client, {
      triggerId: shortcut.trigger_id,
      user: shortcut.user.id,
      channel: shortcut.channel.id,
      prefill: { pathsText: text, leftOut: leftOut + found.more },
      hosts: found.hosts,
    });
  };
}

export interface FormOpening {
  triggerId: string;
  user: string;
  channel: string;
  prefill?: { pathsText: string; leftOut: number };
  /** the hosts of the prefilled URLs: when they name one requestable distribution, it is preselected */
  hosts?: readonly string[];
  /** a deploy proposal's Edit…: its distribution chosen, its reason, and its id carried to the submission */
  fromProposal?: { id: string; alias: string; reason: string };
}

/** Opens the request form for `opening.user` in `opening.channel`, prefilled as given. */
export async function openForm(services: FormServices, client: Client, opening: FormOpening): Promise<void> {
  const { triggerId, user, channel, prefill, hosts = [], fromProposal } = opening;
  const listing = requestableDistributions(services, user, channel).then(async (distributions) => ({
    distributions,
    byUrls: await distributionOfUrls(services, hosts, distributions).catch((error: unknown) => {
      services.logger.warn('could not look up the hosts of the message', { error });
      return undefined;
    }),
  }));
  const early = await Promise.race([listing, delay(LIST_DEADLINE_MS).then(() => undefined)]);
  let shown: { id: string; hash: string } | undefined;
  if (early === undefined) {
    const loading = noticeModal('Invalidate paths', 'Looking up the distributions you may request here…');
    shown = viewRef(await client.views.open({ trigger_id: triggerId, view: loading }));
  }
  const { distributions, byUrls } = early ?? (await listing);
  const chosen = fromProposal?.alias ?? byUrls?.alias;
  const only =
    chosen !== undefined && distributions.some((distribution) => distribution.alias === chosen)
      ? chosen
      : distributions.length === 1
        ? distributions[0]?.alias
        : undefined;
  const form: RequestForm = {
    channel,
    distributions,
    ...prefill,
    ...(only ? { selected: only } : {}),
    ...(fromProposal ? { reason: fromProposal.reason, proposal: fromProposal.id } : {}),
  };
  const view = distributions.length === 0 ? noDistributionsModal() : requestFormModal(form);
  shown = shown
    ? await updateView(services, client, { ...shown, view })
    : viewRef(await client.views.open({ trigger_id: triggerId, view }));
  // Paths and a distribution already there: the preview is drawn at once, as after an edit.
  if (!shown || distributions.length === 0 || !only || !prefill) return;
  const distribution = findDistribution(services.policy, only);
  if (!distribution) return;
  const preview = await previewForm(services, distribution, prefill.pathsText);
  await updateView(services, client, { ...shown, view: requestFormModal({ ...form, preview }) });
}

/**
 * An edit of the paths (each character typed) or a change of distribution: the preview is drawn again.
 * The update carries the hash of the view the edit was made in: when a newer edit has redrawn it since,
 * Slack refuses this one (`hash_conflict`) and the newer preview stays.
 * https://api.slack.com/methods/views.update#arg_hash
 */
export function formEdited(services: FormServices) {
  return async ({ ack, body, client }: EditArgs): Promise<void> => {
    await ack();
    const { view } = body;
    if (!view) return;
    const preview = await previewOf(services, formInput(view.state.values));
    if (preview === 'unavailable') return;
    await updateView(services, client, { id: view.id, hash: view.hash, view: withPreview(view, preview) });
  };
}

async function previewOf(
  services: FormServices,
  input: FormInput,
): Promise<FormPreview | undefined | 'unavailable'> {
  const distribution = input.alias === undefined ? undefined : findDistribution(services.policy, input.alias);
  if (!distribution) return undefined;
  try {
    return await previewForm(services, distribution, input.pathsText);
  } catch (error) {
    // A preview is a courtesy: the submission makes its own checks.
    services.logger.warn('could not draw the request form preview', { error });
    return 'unavailable';
  }
}

/**
 * The form was sent: the slash command's path (channel and requester checks, path checks, recording).
 * A refusal stays in the form, under the field it is about, and records nothing but what the command
 * records; an accepted request closes the form and its card is posted in the channel (on Lambda by the
 * worker, as for the command). https://api.slack.com/surfaces/modals#displaying_errors
 */
export function formSubmitted(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const { channel, proposal } = parseFormMetadata(view.private_metadata);
    const user = body.user.id;
    let submitted: Awaited<ReturnType<typeof submitForm>>;
    try {
      // Slack waits for the answer: its recording goes ahead of background work.
      submitted = await ahead(() =>
        submitForm(services, formInput(view.state.values), user, channel, followUps.cards),
      );
    } catch (error) {
      services.logger.error('recording a request from the form failed; nothing submitted', { user, error });
      await ack({ response_action: 'errors', errors: { [FormIds.pathsBlock]: fieldError(UNRECORDED_TEXT) } });
      return;
    }
    if (!submitted.ok) {
      const { block, text } = formRefusalError(submitted.error);
      await ack({ response_action: 'errors', errors: { [block]: text } });
      return;
    }
    await ack();
    const request = submitted.value;
    const accepted =
      proposal === undefined
        ? undefined
        : await acceptedByForm(services, proposal, user, request.id, followUps.cards);
    if (followUps.cards === 'worker') {
      services.wake();
      return;
    }
    if (accepted) await showProposal(services, accepted);
    const posted = await postCard(services, request);
    if (!posted.ok) {
      const text = openRefusalText({ code: 'cannot_post', error: posted.error, requestId: request.id });
      await tellInDm(services, client, user, text);
    }
  };
}

/** The form has no conversation to answer in once closed: a card that cannot be posted is told in a DM. */
async function tellInDm(services: Pick<Services, 'logger'>, client: Client, user: string, text: string) {
  try {
    const opened = await client.conversations.open({ users: user });
    const channel = opened.channel?.id;
    if (channel) await client.chat.postMessage({ channel, text });
  } catch (error) {
    services.logger.warn('could not tell the requester their card was not posted', { user, error });
  }
}

/** What the form holds: the chosen alias, the paths text and the reason (empty counts as none). */
function formInput(values: ViewOutput['state']['values']): FormInput {
  const alias = values[FormIds.distributionBlock]?.[FormIds.distribution]?.selected_option?.value;
  const pathsText = values[FormIds.pathsBlock]?.[FormIds.paths]?.value ?? '';
  const reason = values[FormIds.reasonBlock]?.[FormIds.reason]?.value?.trim();
  return { alias, pathsText, ...(reason ? { reason } : {}) };
}

function viewRef(result: {
  view?: { id?: string; hash?: string };
}): { id: string; hash: string } | undefined {
  const { id, hash } = result.view ?? {};
  return id && hash ? { id, hash } : undefined;
}

/** views.update with the hash it was drawn from; a newer view (`hash_conflict`) wins and nothing changes. */
async function updateView(
  services: Pick<Services, 'logger'>,
  client: Client,
  target: { id: string; hash: string; view: ModalView },
): Promise<{ id: string; hash: string } | undefined> {
  try {
    return viewRef(await client.views.update({ view_id: target.id, hash: target.hash, view: target.view }));
  } catch (error) {
    if (slackErrorCode(error) === 'hash_conflict') {
      services.logger.debug('a newer edit redrew the request form first', { viewId: target.id });
      return undefined;
    }
    throw error;
  }
}

/** The `error` Slack answered a Web API call with (web-api's platform error keeps it in `data`). */
function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const { data } = error;
  if (typeof data !== 'object' || data === null || !('error' in data)) return undefined;
  return typeof data.error === 'string' ? data.error : undefined;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

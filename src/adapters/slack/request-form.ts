import type { Block, InputBlock, KnownBlock, ModalView, PlainTextOption, SectionBlock } from '@slack/types';
import * as z from 'zod';
import type { DistributionConfig } from '../../config.js';
import { MAX_REASON_LENGTH } from '../../core/command.js';
import type { FormPreview, FormRefusal } from '../../usecases/request-form.js';
import { costWords, count, noticeModal, ruleWords, section } from './blocks.js';
import { commandRefusalText, openRefusalText } from './messages.js';

/** The request form's callback id, its blocks and their elements: the ids views.update keeps input by. */
export const REQUEST_FORM = 'invalidator.request_form';
export const FormIds = {
  distributionBlock: 'form_distribution',
  distribution: 'form_distribution_select',
  pathsBlock: 'form_paths',
  paths: 'form_paths_input',
  reasonBlock: 'form_reason',
  reason: 'form_reason_input',
  previewBlock: 'form_preview',
} as const;
/** The message shortcut's callback id, as manifest.yml names it. */
export const MESSAGE_SHORTCUT = 'invalidator.invalidate_message_urls';

// Slack's limits: a static_select lists at most 100 options, each option's text at most 75 characters and
// its value 150; a plain_text_input holds at most 3,000 characters; a modal's title 24 characters.
// https://api.slack.com/reference/block-kit/block-elements#static_select
// https://api.slack.com/reference/block-kit/block-elements#input
/** Options in one static_select. */
export const MAX_OPTIONS = 100;
const OPTION_TEXT = 75;
const OPTION_VALUE = 150;
/** Characters the paths field takes (Slack's maximum for a plain_text_input). */
export const PATHS_MAX_LENGTH = 3000;

/**
 * The form's private_metadata: the channel the card goes to and, for a form opened from a deploy
 * proposal's Edit…, the proposal's id (never anything secret).
 */
const formMetadata = z.object({ channel: z.string().min(1), proposal: z.string().min(1).optional() });
export type FormMetadata = z.infer<typeof formMetadata>;

export function parseFormMetadata(privateMetadata: string): FormMetadata {
  return formMetadata.parse(JSON.parse(privateMetadata));
}

export interface RequestForm {
  channel: string;
  /** the distributions the user may request here (at most MAX_OPTIONS are listed) */
  distributions: readonly DistributionConfig[];
  /** the alias chosen (preselected when the shortcut finds exactly one allowed) */
  selected?: string;
  /** the paths field's text: what the shortcut found, or what was typed */
  pathsText?: string;
  /** paths found in a message that did not fit in the field */
  leftOut?: number;
  preview?: FormPreview;
  /** the reason field's text (a deploy proposal's) */
  reason?: string;
  /** the deploy proposal the form was opened from (Edit…): sending it accepts the proposal */
  proposal?: string;
}

/**
 * The request form: distribution, paths and reason, and the preview under them. Drawn again on every
 * edit (views.update); Slack keeps what was typed in inputs whose block and action ids stay the same.
 * https://api.slack.com/surfaces/modals#updating_views
 */
export function requestFormModal(form: RequestForm): ModalView & { blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [distributionInput(form), pathsInput(form), reasonInput(form.reason)];
  if (form.leftOut) blocks.push(leftOutNote(form.leftOut));
  blocks.push(previewBlock(form.preview));
  return {
    type: 'modal',
    callback_id: REQUEST_FORM,
    private_metadata: JSON.stringify({
      channel: form.channel,
      ...(form.proposal ? { proposal: form.proposal } : {}),
    } satisfies FormMetadata),
    title: { type: 'plain_text', text: 'Invalidate paths' },
    submit: { type: 'plain_text', text: 'Request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/** Instead of a form: nothing here is the user's to request. */
export function noDistributionsModal(): ModalView {
  return noticeModal(
    'Invalidate paths',
    'There is no distribution you may request invalidations of from this channel. `/invalidate help` lists them; a distribution may be limited to some channels or to some requesters.',
  );
}

/** The shortcut found no http(s) link in the message. */
export function noUrlsModal(): ModalView {
  return noticeModal(
    'Invalidate URLs',
    'I found no http(s) links in that message. Use `/invalidate` to type the paths instead.',
  );
}

function distributionInput(form: RequestForm): InputBlock {
  const options = form.distributions.slice(0, MAX_OPTIONS).map(optionOf);
  const initial = options.find((option) => option.value === form.selected);
  return {
    type: 'input',
    block_id: FormIds.distributionBlock,
    // A change is dispatched too: the preview depends on the distribution's policy.
    dispatch_action: true,
    label: { type: 'plain_text', text: 'Distribution' },
    element: {
      type: 'static_select',
      action_id: FormIds.distribution,
      placeholder: { type: 'plain_text', text: 'Choose a distribution' },
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

function optionOf(distribution: DistributionConfig): PlainTextOption {
  const text = `${distribution.alias} (${distribution.id})`;
  return {
    text: {
      type: 'plain_text',
      text: text.length <= OPTION_TEXT ? text : `${text.slice(0, OPTION_TEXT - 1)}…`,
    },
    value: distribution.alias.slice(0, OPTION_VALUE),
  };
}

/**
 * The paths, one per line (spaces and commas separate them too; pasted URLs become their paths). Every
 * character typed is dispatched, so the preview follows the typing.
 * https://api.slack.com/reference/block-kit/composition-objects#dispatch_action_config
 */
function pathsInput(form: RequestForm): InputBlock {
  const initial = form.pathsText?.slice(0, PATHS_MAX_LENGTH);
  return {
    type: 'input',
    block_id: FormIds.pathsBlock,
    dispatch_action: true,
    label: { type: 'plain_text', text: 'Paths' },
    hint: { type: 'plain_text', text: 'One per line, starting with /. `*` only at the end (/assets/*).' },
    element: {
      type: 'plain_text_input',
      action_id: FormIds.paths,
      multiline: true,
      max_length: PATHS_MAX_LENGTH,
      dispatch_action_config: { trigger_actions_on: ['on_character_entered'] },
      placeholder: { type: 'plain_text', text: '/index.html\n/assets/*' },
      ...(initial ? { initial_value: initial } : {}),
    },
  };
}

function reasonInput(reason: string | undefined): InputBlock {
  return {
    type: 'input',
    block_id: FormIds.reasonBlock,
    optional: true,
    label: { type: 'plain_text', text: 'Reason' },
    element: {
      type: 'plain_text_input',
      action_id: FormIds.reason,
      max_length: MAX_REASON_LENGTH,
      placeholder: { type: 'plain_text', text: 'For the audit trail, e.g. release 4.2' },
      ...(reason ? { initial_value: reason.slice(0, MAX_REASON_LENGTH) } : {}),
    },
  };
}

function leftOutNote(leftOut: number): SectionBlock {
  return section(
    `:warning: ${count(leftOut, 'more link')} in the message did not fit in the field; request them separately.`,
  );
}

/** The preview: problems in the words `/invalidate` uses, or the count, the cost and the approval needed. */
function previewBlock(preview: FormPreview | undefined): SectionBlock {
  return { ...section(previewText(preview)), block_id: FormIds.previewBlock };
}

export function previewText(preview: FormPreview | undefined): string {
  if (preview === undefined) return '_Choose a distribution and type paths to see the cost and approval._';
  switch (preview.kind) {
    case 'empty':
      return '_Type paths to see the cost and approval._';
    case 'refused':
      return `:warning: ${commandRefusalText(preview.refusal)}`;
    case 'ready':
      return [costLine(preview), approvalLine(preview)].join('\n');
    default: {
      const unreachable: never = preview;
      return String(unreachable);
    }
  }
}

function costLine({ cost }: Extract<FormPreview, { kind: 'ready' }>): string {
  return `${costWords(cost)} (a preview: the month's figure is taken when you send it)`;
}

function approvalLine({ approval }: Extract<FormPreview, { kind: 'ready' }>): string {
  if (!approval.required) return ':unlock: No approval needed: no rule of this distribution applies.';
  return `:lock: Needs approval: ${approval.rules.map(ruleWords).join('; ')}.`;
}

/** Characters of an error under a block; Slack shows it as plain text under the field. */
const FIELD_ERROR_CHARS = 1000;

/** An error shown under a block of the form (`response_action: 'errors'`), cut to a readable length. */
export function fieldError(text: string): string {
  return text.length <= FIELD_ERROR_CHARS ? text : `${text.slice(0, FIELD_ERROR_CHARS - 1)}…`;
}

/** The paths found in a message, one per line, as many as fit the field; `leftOut` counts the rest. */
export function prefilledPaths(paths: readonly string[]): { text: string; leftOut: number } {
  const lines: string[] = [];
  let length = 0;
  for (const path of paths) {
    const added = (lines.length === 0 ? 0 : 1) + path.length;
    if (length + added > PATHS_MAX_LENGTH) break;
    lines.push(path);
    length += added;
  }
  return { text: lines.join('\n'), leftOut: paths.length - lines.length };
}

/**
 * The form as it stands in Slack with a new preview: only the preview block is replaced, so the options
 * listed when it opened stay (no membership lookups per keystroke) and the inputs keep what was typed.
 */
export function withPreview(
  view: { blocks: readonly (KnownBlock | Block)[]; private_metadata: string },
  preview: FormPreview | undefined,
): ModalView {
  const blocks = view.blocks.map((block) =>
    block.block_id === FormIds.previewBlock ? previewBlock(preview) : block,
  );
  return {
    type: 'modal',
    callback_id: REQUEST_FORM,
    private_metadata: view.private_metadata,
    title: { type: 'plain_text', text: 'Invalidate paths' },
    submit: { type: 'plain_text', text: 'Request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/** Which field a refusal of a sent form belongs under, and its words: those `/invalidate` gives. */
export function formRefusalError(refusal: FormRefusal): { block: string; text: string } {
  const on = (block: string, text: string) => ({ block, text: fieldError(text) });
  switch (refusal.code) {
    case 'unknown_distribution':
    case 'channel_not_allowed':
      return on(FormIds.distributionBlock, commandRefusalText(refusal));
    case 'not_a_requester':
      return on(FormIds.distributionBlock, openRefusalText(refusal));
    case 'over_budget':
      return on(FormIds.pathsBlock, openRefusalText(refusal));
    case 'no_paths':
      return on(FormIds.pathsBlock, 'Type at least one path, e.g. /index.html.');
    case 'bad_command':
    case 'invalid_paths':
    case 'too_many_paths':
    case 'too_large':
    case 'unknown_host':
    case 'url_of_other_distribution':
    case 'several_distributions':
    case 'cache_tags_not_enabled':
    case 'cache_tags_unreadable':
      return on(FormIds.pathsBlock, commandRefusalText(refusal));
    default: {
      const unreachable: never = refusal;
      return on(FormIds.pathsBlock, String(unreachable));
    }
  }
}

import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { canDropHashed, isHashedName } from '../../core/cheaper.js';
import { formatUsd } from '../../core/cost.js';
import type { Choice, InvalidationRequest, RequestIn } from '../../core/request.js';
import { elapsedMs, formatDuration } from '../../core/schedule.js';
import { ActionIds, actorWords, button, code, context, count, section } from './blocks.js';

/**
 * The part of a card that offers its requester cheaper forms (core/cheaper.ts): what each saves, and a button
 * for each; while the request waits for that choice, Submit as is, Cancel, and the countdown. Shown while a
 * choice can still change the request: before submission, and never for a pipeline's request (nobody clicks).
 */

export const OfferActionIds = {
  /** one per offered wildcard: action ids are unique within a block, so each carries its place */
  useWildcard: (index: number) => `invalidator.use_wildcard.${index}`,
  dropHashed: 'invalidator.drop_hashed',
  submitAsIs: 'invalidator.submit_as_is',
} as const;
/** Matches every Use … button's action id. */
export const USE_WILDCARD_ACTION = /^invalidator\.use_wildcard\.\d+$/;

/** How many hashed file names the card quotes; the modal of all paths shows the rest. */
const HASHED_SHOWN = 3;
/** How much of a wildcard a button's label quotes: Slack cuts a button's text at 75 characters. */
const LABEL_CHARS = 60;

/** The blocks, or none when the request offers nothing (any more) or can no longer change. */
export function offerBlocks(request: InvalidationRequest): KnownBlock[] {
  const offers = request.offers;
  if (!offers || request.source || !choosable(request)) return [];
  const lines = offers.wildcards.map((offer) => {
    const saving =
      offer.savesUsd > 0
        ? `, saves ${formatUsd(offer.savesUsd)} this month`
        : `, ${(offer.replaces - 1).toLocaleString('en-US')} fewer paths`;
    const approval = offer.needsApproval ? ' (then it needs approval)' : '';
    return `• ${code(offer.wildcard, 200)}: 1 path instead of ${offer.replaces.toLocaleString('en-US')}${saving}${approval}`;
  });
  const hashed = request.paths.filter(isHashedName);
  if (hashed.length > 0) lines.push(hashedLine(request, hashed));
  const blocks: KnownBlock[] = [
    section(`:bulb: *Cheaper forms of this request*\n${lines.join('\n')}`),
    context(whoChooses(request)),
  ];
  const buttons = offerButtons(request, offers.wildcards, hashed.length);
  // Waiting for approval, the card's decision buttons carry Cancel already. The card is first drawn while
  // the request is still `new`: one that will wait for the choice shows its buttons from the start.
  if (waitsForChoice(request))
    buttons.push(
      button(OfferActionIds.submitAsIs, 'Submit as is', request.id, 'primary'),
      button(ActionIds.cancel, 'Cancel request', request.id),
    );
  if (buttons.length > 0) blocks.push(actions(buttons));
  return blocks;
}

/** Whether the request waits (or, still new, will wait) for its requester's choice before it goes. */
function waitsForChoice(request: InvalidationRequest): boolean {
  if (request.status === 'awaiting_choice') return true;
  return request.status === 'new' && request.choiceWaitMs !== undefined && !request.approval.required;
}

/** Whether a choice can still change the request: it has not gone to CloudFront, nor ended. */
function choosable(request: InvalidationRequest): boolean {
  switch (request.status) {
    case 'awaiting_choice':
    case 'pending_approval':
      return true;
    case 'new':
      return request.choiceWaitMs !== undefined || request.approval.required;
    default:
      return false;
  }
}

function hashedLine(request: InvalidationRequest, hashed: readonly string[]): string {
  const names = hashed.slice(0, HASHED_SHOWN).map((path) => code(path, 200));
  const more =
    hashed.length > HASHED_SHOWN ? ` and ${(hashed.length - HASHED_SHOWN).toLocaleString('en-US')} more` : '';
  const one = hashed.length === 1;
  const files = `${count(hashed.length, 'file')} ${one ? 'carries' : 'carry'} a content hash in ${one ? 'its name' : 'their names'} (${names.join(', ')}${more})`;
  const why = 'a deploy that changes such a file writes a new name, so the old one never needs invalidating';
  const all =
    hashed.length === request.paths.length
      ? ': nothing in this request needs invalidating, so cancel it'
      : '';
  return `• ${files}: ${why}${all}.`;
}

/** Who may choose, and, while the request waits for it, when it goes as it is. */
function whoChooses(request: InvalidationRequest): string {
  const who = `Only ${actorWords(request.requester)} can choose.`;
  if (request.status === 'awaiting_choice') {
    const left = Math.max(0, elapsedMs(request.countdownFrom, request.choiceUntil));
    return `${who} Without a choice it goes to CloudFront as it is ${slackTime(request.choiceUntil)}, in ${formatDuration(roundedToFive(left))}.`;
  }
  if (request.status === 'new') return `${who} It waits for that choice before it goes to CloudFront.`;
  return `${who} A choice changes what the approvers are asked to approve; they see the card again.`;
}

function offerButtons(
  request: RequestIn<InvalidationRequest['status']>,
  wildcards: NonNullable<InvalidationRequest['offers']>['wildcards'],
  hashed: number,
): Button[] {
  const buttons = wildcards.map((offer, index) =>
    button(
      OfferActionIds.useWildcard(index),
      `Use ${label(offer.wildcard)}`,
      choiceValue(request.id, { kind: 'wildcard', wildcard: offer.wildcard }),
    ),
  );
  if (canDropHashed({ wildcards: [], hashed: Array(hashed) }, request.paths.length))
    buttons.push(
      button(
        OfferActionIds.dropHashed,
        'Drop hashed files',
        choiceValue(request.id, { kind: 'drop_hashed' }),
      ),
    );
  return buttons;
}

/** A choice button's value: the request and what is chosen, read back by `parseChoiceValue`. */
export function choiceValue(requestId: string, choice: Choice): string {
  return JSON.stringify(
    choice.kind === 'wildcard' ? { id: requestId, wildcard: choice.wildcard } : { id: requestId },
  );
}

/** The request and the choice a button carried; undefined for a value no card of this bot made. */
export function parseChoiceValue(
  value: string,
  actionId: string,
): { requestId: string; choice: Choice } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('id' in parsed) || typeof parsed.id !== 'string')
    return undefined;
  if (actionId === OfferActionIds.dropHashed)
    return { requestId: parsed.id, choice: { kind: 'drop_hashed' } };
  if (!('wildcard' in parsed) || typeof parsed.wildcard !== 'string') return undefined;
  return { requestId: parsed.id, choice: { kind: 'wildcard', wildcard: parsed.wildcard } };
}

function label(wildcard: string): string {
  return wildcard.length <= LABEL_CHARS ? wildcard : `…${wildcard.slice(-(LABEL_CHARS - 1))}`;
}

function roundedToFive(ms: number): number {
  return Math.round(ms / 5000) * 5000;
}

function slackTime(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^at {time_secs}|at ${iso.slice(11, 19)} UTC>`;
}

function actions(elements: Button[]): ActionsBlock {
  return { type: 'actions', block_id: 'choice', elements };
}

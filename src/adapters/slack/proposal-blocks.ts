import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { heldObjects, type Proposal, proposalHeadline } from '../../core/proposal.js';
import {
  button,
  code,
  context,
  costWords,
  count,
  escapeWithin,
  fitLines,
  PATHS_ON_CARD,
  ruleWords,
  type SlackMessage,
  section,
} from './blocks.js';

/**
 * The card of a deploy proposal (core/proposal.ts): what the deploy changed, the paths edges may hold, what
 * they would cost and need, and while it is open Invalidate these, Edit… and Dismiss. Drawn from the
 * proposal alone, like a request's card.
 */

export const ProposalActionIds = {
  accept: 'invalidator.proposal_accept',
  edit: 'invalidator.proposal_edit',
  dismiss: 'invalidator.proposal_dismiss',
} as const;

/** How much of a bucket name or path the card quotes (a bucket name is at most 63 characters). */
const QUOTE_CHARS = 200;
/** How many folded wildcards the card names. */
const FOLDED_ON_CARD = 5;

export function proposalCard(proposal: Proposal): SlackMessage {
  const { changed, question } = proposalHeadline(proposal);
  const bucket = code(proposal.bucket, QUOTE_CHARS);
  const headline = `:package: *Deploy to ${bucket} changed ${changed}.* ${question}`;
  const blocks: KnownBlock[] = [
    section(headline),
    context(
      `Distribution \`${escapeWithin(proposal.distribution.alias, QUOTE_CHARS)}\` (${proposal.distribution.id}) · last write ${slackTime(proposal.deployedAt)} · ${sourceWords(proposal)}`,
    ),
  ];
  if (proposal.paths.length > 0) {
    const lines = proposal.paths.slice(0, PATHS_ON_CARD * 2).map((path) => code(path, QUOTE_CHARS));
    blocks.push(
      section(
        `*${count(proposal.paths.length, 'path')}*\n${fitLines(lines, proposal.paths.length, 'more path')}`,
      ),
    );
  }
  const leftOut = leftOutWords(proposal);
  if (leftOut) blocks.push(context(leftOut));
  const folded = foldedWords(proposal);
  if (folded) blocks.push(context(folded));
  if (proposal.paths.length > 0) blocks.push(context(costWords(proposal.cost), approvalWords(proposal)));
  blocks.push(...stateBlocks(proposal));
  const text = `Deploy to ${proposal.bucket} changed ${changed}: ${stateText(proposal, question)}`;
  return { text, blocks };
}

function stateBlocks(proposal: Proposal): KnownBlock[] {
  switch (proposal.status) {
    case 'open':
      if (heldObjects(proposal) === 0 || proposal.paths.length === 0) return [dismissOnly(proposal)];
      return [buttons(proposal), context(`Expires ${slackTime(proposal.expiresAt)} if nobody acts.`)];
    case 'accepted':
      return [
        section(
          `:white_check_mark: <@${proposal.by}> made it request *${proposal.requestId}* ${slackTime(proposal.at)}.`,
        ),
      ];
    case 'dismissed':
      return [section(`:heavy_minus_sign: Dismissed by <@${proposal.by}> ${slackTime(proposal.at)}.`)];
    case 'expired':
      return [section(`:hourglass: Expired ${slackTime(proposal.at)}: nobody acted on it.`)];
    default: {
      const unreachable: never = proposal;
      return [section(String(unreachable))];
    }
  }
}

function stateText(proposal: Proposal, question: string): string {
  switch (proposal.status) {
    case 'open':
      return question;
    case 'accepted':
      return `made request ${proposal.requestId}`;
    case 'dismissed':
      return 'dismissed';
    case 'expired':
      return 'expired';
    default: {
      const unreachable: never = proposal;
      return String(unreachable);
    }
  }
}

function buttons(proposal: Proposal): ActionsBlock {
  const elements: Button[] = [
    button(ProposalActionIds.accept, 'Invalidate these', proposal.id, 'primary'),
    button(ProposalActionIds.edit, 'Edit…', proposal.id),
    button(ProposalActionIds.dismiss, 'Dismiss', proposal.id),
  ];
  return { type: 'actions', block_id: 'proposal', elements };
}

function dismissOnly(proposal: Proposal): ActionsBlock {
  return {
    type: 'actions',
    block_id: 'proposal',
    elements: [button(ProposalActionIds.dismiss, 'Dismiss', proposal.id)],
  };
}

function approvalWords(proposal: Proposal): string {
  if (proposal.approvalRules.length === 0) return ':unlock: No approval needed as the policy stands.';
  return `:lock: Will need approval: ${proposal.approvalRules.map(ruleWords).join('; ')}.`;
}

function leftOutWords(proposal: Proposal): string | undefined {
  const { hashed, created } = proposal.leftOut;
  const parts = [
    hashed > 0 ? `${count(hashed, 'content-hashed name')} (a new name: no edge holds it)` : '',
    created > 0 ? `${count(created, 'new object')} (no edge holds a cached error for it)` : '',
  ].filter(Boolean);
  return parts.length === 0 ? undefined : `Left out: ${parts.join('; ')}.`;
}

/** Wildcards standing for more paths than one request carries: what they cost and purge is not the same. */
function foldedWords(proposal: Proposal): string | undefined {
  const folded = proposal.folded ?? [];
  if (folded.length === 0) return undefined;
  const tooMany = ':warning: The deploy changed more paths than one request can carry, so';
  const after =
    'A wildcard purges everything under it from the edges; use Edit… to propose something narrower.';
  if (folded.includes('/*')) return `${tooMany} the whole distribution is proposed: \`/*\`. ${after}`;
  const shown = folded.slice(0, FOLDED_ON_CARD).map((wildcard) => code(wildcard, QUOTE_CHARS));
  const more = folded.length > FOLDED_ON_CARD ? ` and ${folded.length - FOLDED_ON_CARD} more` : '';
  return `${tooMany} the folders with the most of them are proposed as wildcards: ${shown.join(', ')}${more}. ${after}`;
}

function sourceWords(proposal: Proposal): string {
  switch (proposal.source) {
    case 'events':
      return 'from S3 events';
    case 'listing':
      return 'from a listing of the bucket';
    case 'pipeline':
      return 'as the pipeline reported it';
    default: {
      const unreachable: never = proposal.source;
      return String(unreachable);
    }
  }
}

/** A time Slack draws in the viewer's zone; the fallback says UTC. */
function slackTime(at: string): string {
  const seconds = Math.floor(Date.parse(at) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${at.replace('T', ' ').slice(0, 16)} UTC>`;
}

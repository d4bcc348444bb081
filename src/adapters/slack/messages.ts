import type { BudgetOverrun } from '../../core/budgets.js';
import type { CommandError } from '../../core/command.js';
import { formatUsd } from '../../core/cost.js';
import type { PathProblem } from '../../core/paths.js';
import type { InvalidationRequest } from '../../core/request.js';
import type { CancelRefusal } from '../../usecases/cancel.js';
import type { ChoiceRefusal } from '../../usecases/choose.js';
import type { DecisionRefusal } from '../../usecases/decide.js';
import type { ExportRefusal } from '../../usecases/month-export.js';
import type { ProposalActionRefusal } from '../../usecases/proposals.js';
import type { CommandRefusal, OpenRefusal, Suggestion } from '../../usecases/request-invalidation.js';
import {
  actorWords,
  approverWords,
  code as codeSpan,
  count,
  escapeText,
  escapeWithin,
  fitLines,
  inCode as inCodeSpan,
  pipelineOf,
  pipelineWords,
  scheduleWords,
  slackDate,
} from './blocks.js';

/** How much of a typed word (a distribution, a request id) a refusal quotes back. */
const QUOTE_CHARS = 100;

/** The words typed after a mistyped sub-command are repeated in the corrected command only up to this. */
const REST_CHARS = 40;

/** What a request id looks like, shown wherever one was not found or not understood. */
const REQUEST_ID_EXAMPLE = 'INV-7K2M9QX4PA';

/** A typed word (a path, a distribution, an id) in a code span, cut to `max` (blocks.ts `code`). */
export function code(text: string, max = QUOTE_CHARS): string {
  return codeSpan(text, max);
}

const inCode = (text: string) => inCodeSpan(text, QUOTE_CHARS);

/** The one table that turns refusal codes into the words a person reads, each saying what to change. */
export function commandRefusalText(refusal: CommandRefusal): string {
  switch (refusal.code) {
    case 'bad_command':
      return badCommandText(refusal.error, refusal.meant);
    case 'unknown_distribution': {
      const known = refusal.known.map((d) => `${code(d.alias)} (${d.id})`).join(', ');
      const meant = refusal.suggestion ? ` Did you mean ${suggestionText(refusal.suggestion)}?` : '';
      return `I don't know the distribution ${code(refusal.target)}.${meant} Use one of: ${known}.`;
    }
    case 'channel_not_allowed': {
      const channels = (refusal.distribution.channels ?? []).map((id) => `<#${id}>`).join(', ');
      const via = refusal.host === undefined ? '' : `${code(refusal.host)} belongs to distribution `;
      return `${via}\`${refusal.distribution.alias}\`, which can only be invalidated from ${channels}. Run the command there.`;
    }
    case 'unknown_host':
      return unknownHostText(refusal);
    case 'url_of_other_distribution': {
      const { host, distribution, chosen } = refusal;
      return `${code(host)} belongs to distribution ${code(distribution.alias)}, not ${code(chosen.alias)}. Nothing was submitted. Send one command per distribution: its URLs to ${code(distribution.alias)}, the others to ${code(chosen.alias)}.`;
    }
    case 'several_distributions': {
      const which = refusal.hosts.map(
        ({ host, distribution }) => `${code(host)} → ${code(distribution.alias)}`,
      );
      return `These URLs belong to different distributions: ${[...new Set(which)].join(', ')}. Nothing was submitted. Send one command per distribution.`;
    }
    case 'cache_tags_not_enabled':
      return `${code(refusal.distribution.alias)} is not set up for cache tags: CloudFront keeps no tags for its objects, so a \`#tag\` would invalidate nothing (and CloudFront refuses it). Nothing was submitted. To use cache tags, set a cache tag header on the distribution in CloudFront (its CacheTagConfig HeaderName) and have the origin send the tags in that header; until then, invalidate by path.`;
    case 'cache_tags_unreadable': {
      const { alias } = refusal.distribution;
      const why = refusal.denied
        ? `the bot's AWS role may not read its configuration: grant it \`cloudfront:GetDistributionConfig\` on the distribution`
        : 'CloudFront did not answer just now: try again in a moment';
      return `I could not check whether ${code(alias)} is set up for cache tags, so the \`#tag\` items were refused and nothing was submitted: ${why}. Paths without a # need no such check.`;
    }
    case 'invalid_paths':
      return `Nothing was submitted. Fix these paths and run the command again:\n${pathProblems(refusal.problems)}`;
    case 'too_many_paths':
      return `That is ${refusal.count.toLocaleString('en-US')} paths; one request takes at most ${refusal.max.toLocaleString('en-US')}. Use a wildcard (e.g. \`/assets/*\`) or split the request.`;
    case 'too_large':
      return tooLargeText(refusal);
    default: {
      const unreachable: never = refusal;
      return String(unreachable);
    }
  }
}

/** A pasted URL whose host names no distribution that can be requested, and what to do instead. */
function unknownHostText(refusal: Extract<CommandRefusal, { code: 'unknown_host' }>): string {
  const host = code(refusal.host);
  const instead = 'or give the alias and the path instead of the URL (`/invalidate <alias> /path`).';
  if (refusal.distributionId !== undefined)
    return `${host} belongs to CloudFront distribution ${refusal.distributionId}, which is not configured here, so it cannot be requested. Nothing was submitted. Ask the platform team to add it to the config file.`;
  if (refusal.listing === 'unreadable')
    return `${host} is in no distribution's \`domains\`, and the CloudFront listing (the distributions' alternate domain names) could not be read just now. Nothing was submitted. Try again in a moment, ask the platform team to add the host to its distribution's \`domains\` in the config file, ${instead}`;
  return `${host} is not a domain of any distribution I know: not in the config's \`domains\`, nor an alternate domain name or *.cloudfront.net name in CloudFront. Nothing was submitted. Check the URL, ask the platform team to add the host to its distribution's \`domains\`, ${instead}`;
}

/** The alias, or the whole command corrected, repeating what followed the mistyped word when it is short. */
function suggestionText(suggestion: Suggestion): string {
  if (suggestion.kind === 'distribution') return code(suggestion.alias);
  const { command, rest } = suggestion;
  if (rest === '') return `\`/invalidate ${command}\``;
  return `\`/invalidate ${command} ${rest.length <= REST_CHARS ? inCode(rest) : '…'}\``;
}

/** Names the limit, the figure and how to split: a person can act on it without knowing DynamoDB. */
function tooLargeText(refusal: Extract<CommandRefusal, { code: 'too_large' }>): string {
  const kb = (bytes: number) => `${Math.ceil(bytes / 1024).toLocaleString('en-US')} KB`;
  const number = (n: number) => n.toLocaleString('en-US');
  const { requests, pathsEach } = refusal.split;
  const why = `That request is too large to record: its ${number(refusal.paths)} paths and their audit trail could take ${kb(refusal.bytes)}, past the ${kb(refusal.max)} one request may take (DynamoDB's item limit, counted in bytes once encoded). Nothing was submitted.`;
  const repeated =
    refusal.repeated > 0
      ? ` Leave out the ${number(refusal.repeated)} items that repeat a path or are covered by a wildcard: they are recorded too.`
      : '';
  if (requests <= 1) return `${why}${repeated}`;
  return `${why} Send the paths in ${number(requests)} requests of at most ${number(pathsEach)} paths each, or use a wildcard (e.g. \`/assets/*\`).${repeated}`;
}

function badCommandText(error: CommandError, meant: string | undefined): string {
  switch (error.code) {
    case 'usage':
      return `Usage: \`${error.expected}\`. Request ids are on the cards (e.g. \`${REQUEST_ID_EXAMPLE}\`); months look like \`2026-11\`.`;
    case 'bad_request_id':
      return `${code(error.typed)} is not a request id. Ids look like \`${REQUEST_ID_EXAMPLE}\`: \`INV-\` and 10 letters or digits, shown in the card's header. Try \`/invalidate list mine\` to find yours.`;
    case 'empty_reason':
      return '`--reason` needs some text after it, e.g. `--reason release 4.2`.';
    case 'reason_too_long':
      return `Shorten the reason to at most ${error.max.toLocaleString('en-US')} characters (it is ${error.length.toLocaleString('en-US')}): a sentence or two for the audit trail.`;
    case 'no_paths':
      return noPathsText(error.target);
    case 'bad_export_word': {
      const didYouMean = meant === undefined ? '' : ` Did you mean ${code(meant)}?`;
      return `${code(error.typed)} is neither a month (e.g. \`2026-11\`) nor a format (\`csv\` or \`json\`).${didYouMean} Usage: \`${error.expected}\`.`;
    }
    default: {
      const unreachable: never = error;
      return String(unreachable);
    }
  }
}

function noPathsText(target: string): string {
  const quoted = inCode(target);
  return `Name at least one path after \`${quoted || '<distribution>'}\`, e.g. \`/invalidate ${quoted || 'web'} /index.html\`. Type \`/invalidate help\` for more.`;
}

/** The first ten problems, as many as fit in one Slack section, then how many more there are. */
function pathProblems(problems: readonly PathProblem[]): string {
  const lines = problems.slice(0, 10).map((p) => `• ${code(p.input)}: ${problemText(p)}`);
  return fitLines(lines, problems.length, 'more problem', 2_800);
}

/**
 * The core words a problem as plain text; here what it quotes (the path corrected, a `*`) goes in code
 * spans, so a typed `*` or backtick cannot turn the rest of the line bold or into code.
 */
export function problemText(problem: PathProblem): string {
  switch (problem.code) {
    case 'missing_leading_slash':
      return `Add a leading slash: ${code(`/${problem.input}`)}`;
    case 'wildcard_not_last': {
      const upToStar = problem.input.slice(0, problem.input.indexOf('*') + 1);
      return `Put \`*\` only at the end of the path, for example ${code(endOf(upToStar))}`;
    }
    case 'invalid_cache_tag':
      // Fixed words and `U+…` names only, never typed text: marking its `*` cannot break a span.
      return escapeText(problem.message).replaceAll('*', '`*`');
    case 'empty':
    case 'control_character':
    case 'too_long':
      return escapeText(problem.message);
    default: {
      const unreachable: never = problem.code;
      return String(unreachable);
    }
  }
}

/** Characters of a long path kept when only its end matters (where the `*` goes). */
const PATH_END_CHARS = 60;

/** The last characters of `text`, after `…` when it is longer; never starting inside a surrogate pair. */
function endOf(text: string): string {
  if (text.length <= PATH_END_CHARS) return text;
  const start = text.length - PATH_END_CHARS;
  const low = text.charCodeAt(start);
  return `…${text.slice(low >= 0xdc00 && low <= 0xdfff ? start + 1 : start)}`;
}

export function openRefusalText(refusal: OpenRefusal): string {
  if (refusal.code === 'not_a_requester') {
    const who = approverWords(refusal.distribution.requesters ?? { users: [] });
    const unresolved = refusal.unresolved
      ? ' (its user group could not be resolved just now, so only listed users can)'
      : '';
    const via =
      refusal.host === undefined
        ? ''
        : `${code(refusal.host)} belongs to \`${refusal.distribution.alias}\`. `;
    return `${via}Only ${who} may request invalidations of \`${refusal.distribution.alias}\`${unresolved}. Ask one of them. Nothing was submitted.`;
  }
  if (refusal.code === 'over_budget') return overBudgetText(refusal.overrun);
  return cannotPostText(refusal);
}

/**
 * A request a budget with `onExceed: refuse` had no room for, with its figures: "This would bring web's
 * month to $12.40, past its budget of $12.00. Used so far: $11.95 of $12.00 (2,390 of 2,400 paths). …"
 */
export function overBudgetText(overrun: BudgetOverrun): string {
  const whose = overrun.distribution === undefined ? "the account's" : `${overrun.distribution}'s`;
  const figure = (value: number) => budgetFigure(overrun.unit, value);
  const paths = overrun.paths
    ? ` (${overrun.paths.used.toLocaleString('en-US')} of ${count(overrun.paths.limit, 'path')})`
    : '';
  const key = `${overrun.distribution === undefined ? '' : `distributions.${overrun.distribution}.`}budget.${overrun.unit === 'usd' ? 'monthlyUsd' : 'monthlyPaths'}`;
  return `This would bring ${whose} month to ${figure(overrun.usedAfter)}, past its budget of ${figure(overrun.limit)}. Used so far: ${usedOf(overrun.unit, overrun.usedBefore, overrun.limit)}${paths}. Ask for fewer paths, or ask the platform team to raise \`${key}\`. Nothing was submitted.`;
}

/** How much of a budget is used: "$11.95 of $12.00" or "2,390 of 2,400 paths". */
export function usedOf(unit: 'paths' | 'usd', used: number, limit: number): string {
  if (unit === 'usd') return `${formatUsd(used)} of ${formatUsd(limit)}`;
  return `${used.toLocaleString('en-US')} of ${count(limit, 'path')}`;
}

/** A budget's figure as people read it: "$12.40" or "2,400 paths". */
export function budgetFigure(unit: 'paths' | 'usd', value: number): string {
  return unit === 'usd' ? formatUsd(value) : count(value, 'path');
}

function cannotPostText(refusal: Extract<OpenRefusal, { code: 'cannot_post' }>): string {
  switch (refusal.error) {
    case 'not_in_channel':
      return `I'm not a member of this channel, so I couldn't post the request card. Invite me with \`/invite @Invalidator\` and run the command again. Request ${refusal.requestId} was recorded as not posted; nothing was submitted.`;
    case 'channel_not_found':
      return `I can't post in this conversation (a private channel or DM I'm not in). Invite me with \`/invite @Invalidator\`, or run the command in a channel I'm in. Nothing was submitted.`;
    case 'is_archived':
      return 'This channel is archived; run the command in another channel. Nothing was submitted.';
    case 'will_retry':
      return `Request ${refusal.requestId} is recorded, but Slack did not accept its card just now. I'll post it here shortly; nothing is submitted before it appears.`;
    default: {
      const unreachable: never = refusal.error;
      return String(unreachable);
    }
  }
}

export function decisionRefusalText(refusal: DecisionRefusal): string {
  switch (refusal.code) {
    case 'not_found':
      return `I have no record of request ${escapeWithin(refusal.requestId, QUOTE_CHARS)}.`;
    case 'own_request':
      return 'You cannot approve or deny your own request: ask one of the approvers named on the card.';
    case 'not_an_approver':
      return `Only the approvers of this distribution can decide: ${approverWords(refusal.approvers)}. Nothing changed.`;
    case 'approvers_unresolved':
      return unconfirmedText(refusal);
    case 'on_call_unresolved':
      return onCallUnreadText(refusal);
    case 'distribution_removed':
      return `\`${refusal.request.distribution.alias}\` (${refusal.request.distribution.id}) is no longer in my configuration, so nobody can approve or deny ${refusal.request.id}; it expires without a decision. Nothing changed.`;
    case 'already_decided':
      return alreadyDecidedText(refusal.request);
    case 'paths_changed':
      return `The requester changed the paths of ${refusal.request.id} after the card you clicked was drawn: look at the card again, then decide. Nothing changed.`;
    default: {
      const unreachable: never = refusal;
      return String(unreachable);
    }
  }
}

/** Why a click on a cheaper form or on Submit as is changed nothing. */
export function choiceRefusalText(refusal: ChoiceRefusal): string {
  switch (refusal.code) {
    case 'not_found':
      return noRecordText(refusal.requestId);
    case 'not_requester':
      return `Only ${actorWords(refusal.request.requester)} can choose how ${refusal.request.id} goes to CloudFront. Nothing changed.`;
    case 'already_decided': {
      const { request } = refusal;
      if (request.status === 'cancelled' || request.status === 'expired') return alreadyDecidedText(request);
      return `${request.id} no longer waits for your choice (it is ${request.status.replaceAll('_', ' ')}). Nothing changed.`;
    }
    case 'not_offered':
      return `The card of ${refusal.request.id} no longer offers that: look at it again. Nothing changed.`;
    case 'distribution_removed':
      return `\`${refusal.request.distribution.alias}\` (${refusal.request.distribution.id}) is no longer in my configuration, so ${refusal.request.id} cannot change. Nothing changed.`;
    default: {
      const unreachable: never = refusal;
      return String(unreachable);
    }
  }
}

/**
 * Slack gave no members at the click, so nothing is granted on an older answer: a retry may help when it
 * did not answer; when it answered an error (a free plan, a deleted group), only listed approvers can decide.
 */
function unconfirmedText(refusal: Extract<DecisionRefusal, { code: 'approvers_unresolved' }>): string {
  const { users } = refusal.approvers;
  if (refusal.reason !== 'unreachable') {
    return `The approvers' user group could not be resolved (Slack answered \`${refusal.reason}\`), so only the approvers listed by name can decide: ${approverWords({ users })}. Nothing changed.`;
  }
  const listed = users.length ? ` Meanwhile these approvers can decide: ${approverWords({ users })}.` : '';
  return `I could not confirm with Slack just now that you are in the approvers' user group (Slack did not answer), so nothing was decided. Try again in a moment.${listed}`;
}

/** The schedule's service did not say who is on call at the click, so being on call grants nothing now. */
function onCallUnreadText(refusal: Extract<DecisionRefusal, { code: 'on_call_unresolved' }>): string {
  const unread = refusal.unread.map(
    ({ schedule, reason }) => `${scheduleWords(schedule)} (${escapeText(reason)})`,
  );
  const { usergroup, users } = refusal.approvers;
  const others = approverWords({ ...(usergroup ? { usergroup } : {}), users });
  const meanwhile =
    usergroup !== undefined || users.length > 0 ? ` Meanwhile these approvers can decide: ${others}.` : '';
  return `I could not read who is on call in ${unread.join(' or ')} just now, so being on call cannot be confirmed and nothing was decided. Try again in a moment.${meanwhile}`;
}

/**
 * Who settled the request first, and when, in the reader's own time zone and clock (Slack's date
 * formatting, as on the card), since the decision may be from another day.
 */
function alreadyDecidedText(request: InvalidationRequest): string {
  if (request.status === 'cancelled') {
    return `${actorWords(request.cancelledBy)} already cancelled ${request.id} ${slackDate(request.cancelledAt)}. Nothing changed.`;
  }
  if (request.status === 'expired') {
    return `${request.id} expired ${slackDate(request.expiredAt)} without a decision; nothing was submitted. Ask the requester to run the command again if it is still needed.`;
  }
  const decision = 'decision' in request ? request.decision : undefined;
  if (decision && decision.by !== 'policy') {
    const verb = decision.outcome === 'approved' ? 'approved' : 'denied';
    return `Too late: ${actorWords(decision.by)} already ${verb} ${request.id} ${slackDate(decision.at)}. Nothing changed.`;
  }
  return `${request.id} is no longer waiting for a decision (it is ${request.status.replace('_', ' ')}). Nothing changed.`;
}

export function cancelRefusalText(refusal: CancelRefusal): string {
  switch (refusal.code) {
    case 'not_found':
      return noRecordText(refusal.requestId);
    case 'not_requester':
      return notRequesterText(refusal.request);
    case 'already_decided':
      return alreadyDecidedText(refusal.request);
    default: {
      const unreachable: never = refusal;
      return String(unreachable);
    }
  }
}

/** Only the requester cancels; a pipeline's request is withdrawn by the pipeline itself, through the API. */
function notRequesterText(request: InvalidationRequest): string {
  const pipeline = pipelineOf(request.requester);
  if (pipeline !== undefined)
    return `${request.id} was requested by ${pipelineWords(pipeline)}: only the pipeline can cancel it. Approvers can deny it instead.`;
  return `Only <@${request.requester}>, who made ${request.id}, can cancel it. Approvers can deny it instead.`;
}

/** A well-formed id that names no request this person may see: what to check, and where to find theirs. */
export function noRecordText(requestId: string): string {
  return `I have no record of request ${escapeWithin(requestId, QUOTE_CHARS)}. Check the id against the card's header (e.g. \`${REQUEST_ID_EXAMPLE}\`), or find yours with \`/invalidate list mine\`.`;
}

export const UNRECORDED_TEXT =
  'I could not record your request because the database did not answer. Nothing was submitted; please try again in a minute.';

/** The acknowledgement of a recorded request whose card the worker posts (on Lambda). */
export function recordedText(requestId: string): string {
  return `${requestId} recorded; its card will appear here.`;
}

/** The acknowledgement of `/invalidate export`: the file follows in a DM. */
export function preparingExportText(month: string): string {
  return `Preparing the export of ${month}… I will send it to you in a direct message.`;
}

/** Who may export from Slack, and where to go otherwise. */
export function exportRefusalText(refusal: ExportRefusal): string {
  const why = refusal.unresolved
    ? ' (I could not read a user group from Slack to check yours; try again in a minute)'
    : '';
  return `Only auditors (config \`auditors\`) and approvers can export${why}. Ask whoever runs Invalidator to add you to \`auditors\`, or to run \`npm run audit\` for you.`;
}

/** On Lambda the Slack handler must answer within 3 seconds and has no worker step for exports yet. */
export const EXPORT_ON_LAMBDA_TEXT =
  'Exports from Slack are made by the server runtime only; on this deployment run `npm run audit -- --format csv` (see `npm run audit -- --help`) with access to the table.';

/** What the DM says over the files: the month, the rows in each, and what an approver's export leaves out. */
export function exportSentText(
  month: string,
  format: string,
  counts: ReadonlyArray<{ kind: string; rows: number }>,
  onlyDistributions: readonly string[] | undefined,
): string {
  const figures = counts.map(({ kind, rows }) => `${rows.toLocaleString('en-US')} ${kind}`).join(', ');
  const scope =
    onlyDistributions === undefined
      ? 'Every distribution, with the authorization refusals.'
      : `Only the distributions you approve: ${onlyDistributions.map((alias) => code(alias)).join(', ')}; the refusals are for auditors.`;
  return `The audit export of ${month} (${format.toUpperCase()}): ${figures}. ${scope}`;
}

/** Instead of empty files. */
export function emptyExportText(month: string, onlyDistributions: readonly string[] | undefined): string {
  const where =
    onlyDistributions === undefined ? '' : ` on ${onlyDistributions.map((alias) => code(alias)).join(', ')}`;
  return `Nothing was recorded${where} in ${month}: no events, requests, refusals or proposals, so there is no file to send.`;
}

/** The export could not be sent; nothing else will come. */
export function exportFailedText(month: string, slackError: string | undefined): string {
  const why = slackError ? ` (Slack answered \`${slackError}\`)` : '';
  return `I could not send you the export of ${month}${why}. Try again in a few minutes; \`npm run audit\` makes the same file from the command line.`;
}

/** Why a proposal's button did nothing, and what to do instead. */
export function proposalRefusalText(refusal: ProposalActionRefusal): string {
  switch (refusal.code) {
    case 'proposal_not_found':
      return 'I have no record of that proposal; nothing was done.';
    case 'not_open':
      return `That proposal was ${refusal.status} already; nothing was done.`;
    case 'proposal_expired':
      return 'That proposal has expired; nothing was done. Use `/invalidate` to request the paths you still need.';
    case 'distribution_gone':
      return `\`${refusal.alias}\` is no longer configured, so nothing was done.`;
    case 'made_already':
      return `${refusal.requestId} was made of this proposal already; its card is in the channel.`;
    case 'too_many_paths':
      return `This proposal has ${refusal.count.toLocaleString('en-US')} paths; one request takes at most ${refusal.max.toLocaleString('en-US')}. Use Edit… to cut them down or use a wildcard.`;
    case 'invalid_paths':
    case 'too_large':
      return `${commandRefusalText(refusal)} Use Edit… to change the paths.`;
    case 'not_a_requester':
    case 'over_budget':
      return openRefusalText(refusal);
    default: {
      const unreachable: never = refusal;
      return String(unreachable);
    }
  }
}

/** The answer to Invalidate these: the request made, and where its card is. */
export function proposalAcceptedText(requestId: string, cards: 'caller' | 'worker'): string {
  return cards === 'worker'
    ? `${requestId} made of this proposal; its card will appear in the channel.`
    : `${requestId} made of this proposal; its card is in the channel.`;
}

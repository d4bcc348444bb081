import { formatUsd } from '../../core/cost.js';
import type {
  AuditEvent,
  ClickRefusalCode,
  InvalidationRequest,
  NoticeKind,
  QueueReason,
  RefusedAction,
} from '../../core/request.js';
import { formatDuration } from '../../core/schedule.js';
import { code, count, escapeWithin, pipelineOf, pipelineWords, waitWords } from './blocks.js';
import { budgetFigure } from './messages.js';

/** How much of one typed or stored value (a reason, a failure message, a code) a sentence quotes. */
const DETAIL_CHARS = 200;
/** How many invalidation ids a sentence names before it counts the rest. */
const IDS_NAMED = 3;

type Details = AuditEvent['details'];

/**
 * The audit trail of `/invalidate status` as sentences, one per event, in order: "14:02 <@U2> approved".
 * A later submission names only the invalidations it added: its event lists every one sent so far.
 */
export function auditSentences(events: readonly AuditEvent[], request: InvalidationRequest): string[] {
  let submittedBefore: readonly string[] = [];
  return events.map((event) => {
    const sentence = auditSentence(event, request, submittedBefore);
    if (event.type === 'submitted') submittedBefore = listOf(event.details, 'invalidationIds');
    return sentence;
  });
}

/**
 * One event as a short sentence led by its time in the viewer's own time zone. Typed text is escaped and
 * clipped, codes and ids go in code spans, people stay mentions; the raw fields are in the audit export.
 */
export function auditSentence(
  event: AuditEvent,
  request: InvalidationRequest,
  submittedBefore: readonly string[] = [],
): string {
  return `${auditTime(event, request)} ${happened(event, request, submittedBefore)}`;
}

/**
 * Slack draws the time in the viewer's time zone (`<!date^…>`); the fallback, for clients that cannot,
 * says UTC. The request's own event carries the date ("today", "yesterday", "May 4"), and so does any
 * event on a later day than the request: the rest of a trail usually happens within minutes, and a bare
 * time reads at a glance. (A day is compared in UTC, which is what the bot knows; near the viewer's
 * midnight a line may lack a date, but the lines are in order under a dated one.)
 * https://api.slack.com/reference/surfaces/formatting#date-formatting
 */
function auditTime(event: AuditEvent, request: InvalidationRequest): string {
  const seconds = Math.floor(Date.parse(event.at) / 1000);
  const dated = event.type === 'requested' || event.at.slice(0, 10) !== request.createdAt.slice(0, 10);
  const utc = dated ? event.at.replace('T', ' ').slice(0, 16) : event.at.slice(11, 16);
  return `<!date^${seconds}^${dated ? '{date_short_pretty} {time}' : '{time}'}|${utc} UTC>`;
}

function happened(
  event: AuditEvent,
  request: InvalidationRequest,
  submittedBefore: readonly string[],
): string {
  const { details } = event;
  switch (event.type) {
    case 'requested':
      return requestedSentence(event, request);
    case 'changed':
      return changedSentence(event);
    case 'approved':
      return approvedSentence(event);
    case 'denied':
      return `${actorOf(event)} denied: ${typed(details, 'reason', '_no reason given_')}`;
    case 'undeliverable':
      return `the card could not be posted: Slack answered ${code(textOf(details, 'code') ?? '?', DETAIL_CHARS)}`;
    case 'expired':
      return `expired: nobody decided ${request.status === 'expired' && request.timeoutMs ? `within ${waitWords(request.timeoutMs)}` : 'in time'}`;
    case 'cancelled':
      return `${actorOf(event)} cancelled the request`;
    case 'queued':
      return `queued: ${wordsFor(QUEUE_WORDS, textOf(details, 'reason'))}`;
    case 'submitted':
      return submittedSentence(details, request, submittedBefore);
    case 'completed': {
      const ms = numberOf(details, 'durationMs');
      return ms === undefined ? 'completed' : `completed in ${formatDuration(ms)}`;
    }
    case 'failed':
      return `failed: ${typed(details, 'message', '_no message_')} (${code(textOf(details, 'code') ?? '?', DETAIL_CHARS)})`;
    case 'reminder_sent':
      return 'reminded the approvers in the thread';
    case 'notice_sent':
      return noticeSentence(textOf(details, 'kind'), request);
    case 'refused':
      return `${actorOf(event)} tried to ${wordsFor(ACTION_WORDS, textOf(details, 'action'))}: ${wordsFor(REFUSAL_WORDS, textOf(details, 'refusal'))}`;
    default: {
      const unknown: never = event.type;
      return `recorded ${code(String(unknown), DETAIL_CHARS)}`;
    }
  }
}

/** "<@U1> chose `/assets/*`: 240 paths became 1, sparing $1.19; now needs approval". */
function changedSentence(event: AuditEvent): string {
  const { details } = event;
  const before = numberOf(details, 'pathsBefore');
  const after = numberOf(details, 'pathsAfter');
  const wildcard = textOf(details, 'wildcard');
  const what =
    textOf(details, 'choice') === 'drop_hashed'
      ? 'dropped the files with a content hash in their names'
      : `chose ${code(wildcard ?? '?', DETAIL_CHARS)}`;
  const paths =
    before === undefined || after === undefined
      ? ''
      : `: ${count(before, 'path')} became ${after.toLocaleString('en-US')}`;
  const saved = numberOf(details, 'savedUsd') ?? 0;
  const sparing = saved > 0 ? `, sparing ${formatUsd(saved)}` : '';
  const needs = details.approvalRequired === true ? '; it needs approval' : '';
  return `${actorOf(event)} ${what}${paths}${sparing}${needs}`;
}

/** "<@U1> asked for 2 paths on `web` (costing $0.01): release 4.2". The alias is the one of that day. */
function requestedSentence(event: AuditEvent, request: InvalidationRequest): string {
  const { details } = event;
  const paths = numberOf(details, 'paths') ?? request.paths.length;
  const alias = textOf(details, 'distribution') ?? request.distribution.alias;
  const cost = numberOf(details, 'costUsd') ?? 0;
  const costing = cost > 0 ? ` (costing ${formatUsd(cost)})` : '';
  const reason = textOf(details, 'reason');
  const why = reason === undefined ? '' : `: ${escapeWithin(reason, DETAIL_CHARS)}`;
  return `${actorOf(event)} asked for ${count(paths, 'path')} on ${code(alias, DETAIL_CHARS)}${costing}${why}`;
}

/** The budgets an approval overrode, with their figures: the account's, and a distribution's own. */
function budgetOverrides(details: AuditEvent['details']): string[] {
  const used = numberOf(details, 'usedAfter');
  const budgetPaths = numberOf(details, 'budgetPaths');
  const limit = numberOf(details, 'budgetLimit');
  const ownUsed = numberOf(details, 'distributionUsedAfter');
  const ownLimit = numberOf(details, 'distributionBudgetLimit');
  const unitOf = (key: string) => (details[key] === 'usd' ? 'usd' : 'paths');
  const words: string[] = [];
  if (used !== undefined && budgetPaths !== undefined)
    words.push(`the monthly budget (${used.toLocaleString('en-US')} of ${count(budgetPaths, 'path')})`);
  else if (used !== undefined && limit !== undefined) {
    const unit = unitOf('budgetUnit');
    words.push(`the monthly budget (${budgetFigure(unit, used)} of ${budgetFigure(unit, limit)})`);
  }
  if (ownUsed !== undefined && ownLimit !== undefined) {
    const unit = unitOf('distributionBudgetUnit');
    const alias = typeof details.budgetDistribution === 'string' ? details.budgetDistribution : '';
    words.push(
      `the monthly budget of \`${alias}\` (${budgetFigure(unit, ownUsed)} of ${budgetFigure(unit, ownLimit)})`,
    );
  }
  return words.length > 0 ? words : ['the monthly budget'];
}

/** By a person, with what they overrode knowingly; or by the policy, when none was needed. */
function approvedSentence(event: AuditEvent): string {
  const { details } = event;
  if (details.choiceTimedOut === true)
    return 'went as it was: nobody chose a cheaper form in time, and no approval was needed';
  if (details.asIs === true) return `${actorOf(event)} submitted it as it was: no approval needed`;
  if (event.actor === 'policy' || event.actor === undefined)
    return 'approved automatically: no approval needed';
  const overrides: string[] = [];
  if (details.overBudget === true) overrides.push(...budgetOverrides(details));
  if (details.overRequesterLimit === true) overrides.push("the requester's hourly limit");
  const overriding = overrides.length > 0 ? `, overriding ${overrides.join(' and ')}` : '';
  return `${actorOf(event)} approved${overriding}`;
}

/**
 * "submitted as `I2J0ABC`, 2 paths". A request too large for CloudFront's room goes in several
 * submissions: each event lists every invalidation sent so far, so a later one names only those it added.
 */
function submittedSentence(
  details: Details,
  request: InvalidationRequest,
  submittedBefore: readonly string[],
): string {
  const ids = listOf(details, 'invalidationIds');
  const added = ids.filter((id) => !submittedBefore.includes(id));
  const paths = numberOf(details, 'paths');
  const total = request.paths.length;
  if (submittedBefore.length === 0) {
    const rest =
      paths !== undefined && paths < total
        ? `${paths.toLocaleString('en-US')} of ${count(total, 'path')}; the rest wait for room at CloudFront`
        : count(paths ?? total, 'path');
    return `submitted as ${idWords(added)}, ${rest}`;
  }
  const sofar =
    paths !== undefined && paths < total
      ? `${paths.toLocaleString('en-US')} of ${count(total, 'path')} so far`
      : `all ${count(total, 'path')} now`;
  return `submitted ${idWords(added)} too: ${sofar}`;
}

/** The first few ids in code spans, then how many more. */
function idWords(ids: readonly string[]): string {
  if (ids.length === 0) return 'no invalidation';
  const named = ids.slice(0, IDS_NAMED).map((id) => code(id, DETAIL_CHARS));
  const more = ids.length - named.length;
  return more > 0 ? `${named.join(', ')} and ${more.toLocaleString('en-US')} more` : named.join(', ');
}

const NOTICE_KINDS: readonly NoticeKind[] = [
  'completed',
  'failed',
  'denied',
  'expired',
  'cancelled',
  'reminder',
  'slow',
];

function isNoticeKind(kind: string | undefined): kind is NoticeKind {
  return NOTICE_KINDS.some((known) => known === kind);
}

/**
 * "told <@U1> in the thread that it completed": the requester is the one each of these notices is for. A
 * pipeline is not told anything in Slack: the notice is posted for the channel to read.
 */
function noticeSentence(kind: string | undefined, request: InvalidationRequest): string {
  if (!isNoticeKind(kind)) return `posted a ${code(kind ?? '?', DETAIL_CHARS)} notice in the thread`;
  const told =
    pipelineOf(request.requester) === undefined
      ? `told ${mention(request.requester)} in the thread that it`
      : 'posted in the thread that it';
  switch (kind) {
    case 'completed':
      return `${told} completed`;
    case 'failed':
      return `${told} failed`;
    case 'denied':
      return `${told} was denied`;
    case 'expired':
      return `${told} expired`;
    case 'cancelled':
      return `${told} was cancelled`;
    case 'slow':
      return `${told} was still in progress`;
    case 'reminder':
      return 'reminded the approvers in the thread';
    default: {
      const unknown: never = kind;
      return code(unknown, DETAIL_CHARS);
    }
  }
}

const QUEUE_WORDS: Record<QueueReason['code'], string> = {
  capacity: "CloudFront's in-progress limit on this distribution was reached",
  behind_older: 'behind older requests waiting for room on this distribution',
  too_many_in_progress: 'CloudFront answered that too many invalidations were in progress',
};

/** Every action a click can be refused for, in the words of "tried to …". */
const ACTION_WORDS: Record<RefusedAction, string> = {
  approve: 'approve',
  deny: 'deny',
  cancel: 'cancel',
  choose: 'choose a cheaper form',
};

const REFUSAL_WORDS: Record<ClickRefusalCode, string> = {
  own_request: 'it was their own request',
  not_an_approver: 'not an approver',
  approvers_unresolved: "Slack could not confirm the approvers' group",
  on_call_unresolved: "the approvers' on-call schedule could not be read",
  not_requester: 'only the requester can do that',
  distribution_removed: 'the distribution is no longer configured',
};

/** The words for a stored code; a code these tables do not know (yet) is quoted as it is. */
function wordsFor(words: Record<string, string>, key: string | undefined): string {
  const known = Object.entries(words).find(([code]) => code === key);
  return known ? known[1] : code(key ?? '?', DETAIL_CHARS);
}

/**
 * Who acted: a person as a mention, a pipeline by name ("pipeline `web-deploy` asked for …"); any other
 * stored id that is not a Slack id is quoted, not mentioned.
 */
function actorOf(event: AuditEvent): string {
  return event.actor === undefined ? 'someone' : mention(event.actor);
}

function mention(user: string): string {
  const pipeline = pipelineOf(user);
  if (pipeline !== undefined) return pipelineWords(pipeline);
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : code(user, DETAIL_CHARS);
}

/** Typed text (a reason, a message): escaped and clipped, never a mention or a link. */
function typed(details: Details, key: string, missing: string): string {
  const value = textOf(details, key);
  return value === undefined || value === '' ? missing : escapeWithin(value, DETAIL_CHARS);
}

function textOf(details: Details, key: string): string | undefined {
  const value = details[key];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function numberOf(details: Details, key: string): number | undefined {
  const value = details[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function listOf(details: Details, key: string): string[] {
  const value = details[key];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

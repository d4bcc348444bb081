import type {
  ActionsBlock,
  Button,
  ColorScheme,
  Confirmable,
  ConfirmationDialog,
  ContextBlock,
  KnownBlock,
  ModalView,
  MrkdwnElement,
  SectionBlock,
} from '@slack/types';
import type { PolicyConfig } from '../../config.js';
import type { OverBudgetRule } from '../../core/budgets.js';
import { BUDGET_WARNING_FRACTION, budgetShare, type CostPreview, formatUsd } from '../../core/cost.js';
import { isHighSurrogate } from '../../core/paths.js';
import {
  type ApprovalRule,
  type Approvers,
  type OnCallSchedule,
  onCallSchedules,
} from '../../core/policy.js';
import {
  approvalTimeoutMs,
  type Batch,
  batchDistribution,
  type Distribution,
  distributionIds,
  type InvalidationRequest,
  type NoticeKind,
  type PipelineSource,
  pipelineRequester,
} from '../../core/request.js';
import { elapsedMs, formatDuration } from '../../core/schedule.js';
import { textBar } from '../../core/usage.js';
import { offerBlocks } from './offer-blocks.js';

/**
 * A message as the bot posts it: the notification fallback `text` and its Block Kit. Cards are drawn from
 * the request's state alone: the same request always draws the same card.
 */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export const ActionIds = {
  approve: 'invalidator.approve',
  deny: 'invalidator.deny',
  cancel: 'invalidator.cancel',
  showPaths: 'invalidator.show_paths',
} as const;
export const DENY_MODAL = 'invalidator.deny_reason';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason_input';

// Slack limits: 3,000 characters in a section's text and in any text object (context elements too),
// 50 blocks per message.
// https://api.slack.com/reference/block-kit/blocks#section
// https://api.slack.com/reference/block-kit/composition-objects#text
const SECTION_LIMIT = 3000;
/** A card lists the first few paths; the rest are one click away (`pathsModal`), so the card stays short. */
export const PATHS_ON_CARD = 5;
/** Slack's limit on blocks in a modal. https://api.slack.com/reference/surfaces/views */
const MODAL_BLOCKS = 100;
/** Room left under a section's limit for the line that says how many items were left out. */
const LIST_BUDGET = SECTION_LIMIT - 100;
/** How much of one path, id or user-typed text a card quotes; the rest is counted. */
const QUOTE_CHARS = 200;
const REASON_CHARS = 2000;
const MESSAGE_CHARS = 1000;
const IDS_SHOWN = 10;
/** How much of a pipeline's name, its run's name and a commit that is not a SHA a card quotes. */
const PIPELINE_CHARS = 100;
const RUN_CHARS = 80;
const COMMIT_CHARS = 40;
/** Longest CI run URL the card links; a longer one is left out rather than shown broken. */
const URL_CHARS = 500;

/**
 * Every mrkdwn text object is verbatim: Slack then does not turn bare URLs, `#channel` names or `@here`
 * in what people typed (reasons, deny reasons, paths) into links or mentions. The bot's own mentions and
 * dates are explicit (`<@U…>`, `<!subteam^…>`, `<!date^…>`) and still render; typed text is escaped
 * besides (`escapeText`), so a typed `<!here>` stays text.
 * https://api.slack.com/reference/block-kit/composition-objects#text
 */
export const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
export const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(clip(text)) });
export const context = (...texts: string[]): ContextBlock => ({
  type: 'context',
  elements: texts.map((text) => mrkdwn(clip(text))),
});

/**
 * Who is on call in a schedule as the card or reminder is drawn: Slack users, or undefined when the
 * schedule could not be read. A snapshot for showing; a decision asks the schedule again.
 */
export interface OnCallNow {
  schedule: OnCallSchedule;
  users: string[] | undefined;
}

export function requestCard(request: InvalidationRequest, onCall?: readonly OnCallNow[]): SlackMessage {
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: `${statusEmoji(request)} Invalidation ${request.id}` },
    },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Requested by*\n${requesterWords(request)}`),
        mrkdwn(`*Distribution*\n${distributionWords(request.distribution)}`),
        mrkdwn(`*Paths*\n${count(request.paths.length, 'path')}`),
        mrkdwn(`*Status*\n${statusLine(request)}`),
      ],
    },
    ...(request.source ? [context(sourceLine(request.source))] : []),
    pathSection(request),
    context(costLine(request)),
  ];
  if (request.reason) blocks.push(context(`*Reason:* ${escapeWithin(request.reason, REASON_CHARS)}`));
  const notes = notesLine(request);
  if (notes) blocks.push(context(notes));
  blocks.push(context(approvalLine(request, onCall)));
  const outcome = outcomeLine(request);
  if (outcome) blocks.push(section(outcome));
  blocks.push(...offerBlocks(request));
  if (awaitsDecision(request)) blocks.push(decisionButtons(request));
  const text = `Invalidation ${request.id} of ${count(request.paths.length, 'path')} on ${request.distribution.alias}: ${statusLine(request)}`;
  return { text, blocks };
}

const PIPELINE_PREFIX = pipelineRequester('');

/** "`web` (E1…)", "`web` (E1…, E2…)" for several, "`shop` (E1…, tenant dt_…)" for a tenant. */
function distributionWords(distribution: Distribution): string {
  const tenant = distribution.tenant === undefined ? '' : `, tenant ${distribution.tenant}`;
  return `\`${distribution.alias}\` (${distributionIds(distribution).join(', ')}${tenant})`;
}

/** One line per distribution of a request on several: its invalidation ids, and whether they are done. */
function eachDistribution(request: InvalidationRequest, batches: readonly Batch[]): string[] {
  return distributionIds(request.distribution).map((distributionId) => {
    const there = batches.filter((batch) => batchDistribution(request, batch) === distributionId);
    const ids = there.map((batch) => `\`${batch.invalidationId ?? '?'}\``).join(', ');
    const state = there.every((batch) => batch.completed)
      ? ':white_check_mark: completed'
      : there.some((batch) => batch.invalidationId === undefined)
        ? ':hourglass: waiting for room at CloudFront'
        : ':hourglass_flowing_sand: in progress';
    return `• ${distributionId}: ${ids} ${state}`;
  });
}

/** The pipeline's name when `id` is a pipeline's requester of record (`pipeline:<name>`), else undefined. */
export function pipelineOf(id: string): string | undefined {
  return id.startsWith(PIPELINE_PREFIX) ? id.slice(PIPELINE_PREFIX.length) : undefined;
}

/** "pipeline `web-deploy`": the name is the pipeline's config key, quoted as any stored word is. */
export function pipelineWords(pipeline: string): string {
  return `pipeline ${code(pipeline, PIPELINE_CHARS)}`;
}

/**
 * Who made or ended a request, as the bot writes it: a person as a mention (`<@U…>`), a pipeline by name.
 * A pipeline has no Slack account: `<@pipeline:web-deploy>` would draw as a broken mention.
 */
export function actorWords(id: string): string {
  const pipeline = pipelineOf(id);
  return pipeline === undefined ? `<@${id}>` : pipelineWords(pipeline);
}

/** The requester of record in words: a mention, or "pipeline `web-deploy`". */
export function requesterWords(request: Pick<InvalidationRequest, 'requester'>): string {
  return actorWords(request.requester);
}

/**
 * "Requested by pipeline `web-deploy` · run `Deploy web #42` · <…|CI run> · commit `0123abcd4567`". All of it
 * is the pipeline's own word, untrusted: quoted in code spans, and the URL linked only when it is plainly one.
 */
export function sourceLine(source: PipelineSource): string {
  const parts = [`:robot_face: Requested by ${pipelineWords(source.pipeline)}`];
  if (source.run) parts.push(`run ${code(source.run, RUN_CHARS)}`);
  const link = source.url === undefined ? undefined : safeLink(source.url);
  if (link) parts.push(`<${link}|CI run>`);
  if (source.commit) parts.push(`commit ${commitWords(source.commit)}`);
  return parts.join(' · ');
}

/**
 * `url` when it can stand as the target of a Slack link (`<url|text>`): absolute http(s), no whitespace or
 * control characters, none of `|<>` (which would end the link or start another token) nor a backtick (which
 * could pair with the commit's code span), of a sane length. A real CI URL percent-encodes all of these.
 * Anything else is left out: a raw, broken link helps nobody, and `javascript:` and the like never link.
 * https://api.slack.com/reference/surfaces/formatting#linking-urls
 */
export function safeLink(url: string): string | undefined {
  if (url.length > URL_CHARS) return undefined;
  return /^https?:\/\/[^\s|<>`\p{Cc}]+$/iu.test(url) ? url : undefined;
}

/** A commit as a reader knows it: a SHA shortened to 12 hex digits, anything else quoted and clipped. */
export function commitWords(commit: string): string {
  return /^[0-9a-f]{7,64}$/i.test(commit) ? `\`${commit.slice(0, 12)}\`` : code(commit, COMMIT_CHARS);
}

/** Whether the card shows the decision buttons, and the instructions that go with them. */
export function awaitsDecision(request: InvalidationRequest): boolean {
  return request.status === 'pending_approval' || (request.status === 'new' && request.approval.required);
}

function decisionButtons(request: InvalidationRequest): ActionsBlock {
  return {
    type: 'actions',
    block_id: 'decision',
    elements: [...approveDenyButtons(request), requestButton(request, ActionIds.cancel, 'Cancel request')],
  };
}

/**
 * Approve and Deny for a request, wherever it is decided (its card, the App Home): the same action ids and
 * value (the request id), and the same confirm dialog on Approve.
 */
export function approveDenyButtons(request: InvalidationRequest): [Button, Button] {
  // Purging the whole distribution deserves a second look: Slack shows a confirm dialog before the click
  // counts. Only on Approve: denying is the safe action, and its reason form is enough of a step.
  // https://api.slack.com/reference/block-kit/composition-objects#confirm
  const wholeDistribution = request.paths.includes('/*');
  const purgeConfirm: Confirmable = wholeDistribution
    ? {
        confirm: {
          title: { type: 'plain_text', text: 'Approve /* ?' },
          text: mrkdwn(
            `This purges *everything* cached for \`${request.distribution.alias}\`; every edge goes back to the origin.`,
          ),
          confirm: { type: 'plain_text', text: 'Approve' },
          deny: { type: 'plain_text', text: 'Back' },
        },
      }
    : {};
  // Approving past the budget overrides it: that confirmation replaces the one above, and says both.
  const over = overBudgetRule(request);
  const overrideConfirm: Confirmable = over
    ? { confirm: budgetConfirm(request, over, wholeDistribution) }
    : {};
  return [
    {
      ...requestButton(request, ActionIds.approve, 'Approve', 'primary'),
      value: decisionValue(request),
      ...purgeConfirm,
      ...overrideConfirm,
    },
    requestButton(request, ActionIds.deny, 'Deny', 'danger'),
  ];
}

/**
 * Approve's value: the request id, and, once its requester changed its paths (a cheaper form), which change
 * the card shows (`INV-…@2`). An approval clicked on a card drawn before the last change is refused
 * (`parseDecisionValue`, `decideRequest`): nobody approves paths they did not see.
 */
export function decisionValue(request: InvalidationRequest): string {
  return request.revision ? `${request.id}@${request.revision}` : request.id;
}

/** The request id and the revision of the paths a decision button was drawn with (0: as first requested). */
export function parseDecisionValue(value: string): { requestId: string; revision: number } {
  const at = value.lastIndexOf('@');
  const revision = at === -1 ? Number.NaN : Number(value.slice(at + 1));
  if (at === -1 || !Number.isSafeInteger(revision) || revision < 0) return { requestId: value, revision: 0 };
  return { requestId: value.slice(0, at), revision };
}

function requestButton(
  request: InvalidationRequest,
  actionId: string,
  text: string,
  style?: ColorScheme,
): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    ...(style ? { style } : {}),
    value: request.id,
  };
}

/** An approval past the budget is an override: Slack asks the approver to confirm it, figures in hand. */
function budgetConfirm(
  request: InvalidationRequest,
  over: OverBudgetRule,
  wholeDistribution: boolean,
): ConfirmationDialog {
  const purge = wholeDistribution
    ? ` It also purges *everything* cached for \`${request.distribution.alias}\`.`
    : '';
  return {
    title: { type: 'plain_text', text: 'Override the budget?' },
    text: mrkdwn(
      `Approving overrides ${budgetName(over)}: ${budgetWhose(over)} month goes to ${budgetAmount(over, over.usedAfter)}, past the budget of ${budgetAmount(over, over.budget)}. The override is recorded with your approval.${purge}`,
    ),
    confirm: { type: 'plain_text', text: 'Approve' },
    deny: { type: 'plain_text', text: 'Back' },
  };
}

export function statusLine(request: InvalidationRequest): string {
  switch (request.status) {
    case 'new':
      // The card is posted while the request is still new: show what happens next.
      if (request.approval.required) return 'Waiting for approval';
      return request.choiceWaitMs === undefined
        ? 'Approved, submitting to CloudFront'
        : "Waiting for the requester's choice";
    case 'awaiting_choice':
      return `Waiting for the requester's choice, goes as it is ${slackTime(request.choiceUntil)}`;
    case 'pending_approval':
      return `Waiting for approval, expires ${slackTime(request.expiresAt)}, in ${shortWait(approvalTimeoutMs(request))}`;
    case 'approved':
      return 'Approved, submitting to CloudFront';
    case 'queued':
      return `Queued: ${queueWords(request.queue)}`;
    case 'in_progress':
      return 'In progress at CloudFront';
    case 'completed':
      return `Completed in ${formatDuration(elapsedMs(request.submittedAt, request.completedAt))}`;
    case 'denied':
      return 'Denied';
    case 'failed':
      return 'Failed';
    case 'undeliverable':
      return 'Not posted: the bot cannot post in this channel';
    case 'expired':
      return 'Expired without a decision';
    case 'cancelled':
      return 'Cancelled by the requester';
    default: {
      const unreachable: never = request;
      return String(unreachable);
    }
  }
}

/** A wait as a card gives it: "30 min", or seconds below a minute. */
function shortWait(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000).toLocaleString('en-US')} min` : formatDuration(ms);
}

export function statusEmoji(request: InvalidationRequest): string {
  if (request.status === 'new') {
    if (request.approval.required) return '⏳';
    return request.choiceWaitMs === undefined ? '🚀' : '💡';
  }
  const emoji: Record<InvalidationRequest['status'], string> = {
    new: '🚀',
    awaiting_choice: '💡',
    pending_approval: '⏳',
    approved: '🚀',
    queued: '🕒',
    in_progress: '🔄',
    completed: '✅',
    denied: '⛔',
    failed: '❌',
    undeliverable: '⚠️',
    expired: '⌛',
    cancelled: '🚫',
  };
  return emoji[request.status];
}

function outcomeLine(request: InvalidationRequest): string | undefined {
  const decision = 'decision' in request ? request.decision : undefined;
  const lines: string[] = [];
  if (decision?.outcome === 'approved' && decision.by !== 'policy') {
    const override = overBudgetRule(request) ? ', overriding the monthly budget' : '';
    lines.push(`:white_check_mark: Approved by <@${decision.by}> ${slackDate(decision.at)}${override}`);
  }
  if (decision?.outcome === 'denied') {
    const reason = escapeWithin(decision.reason ?? '', MESSAGE_CHARS);
    lines.push(`:no_entry: Denied by <@${decision.by}> ${slackDate(decision.at)}: ${reason}`);
  }
  if ('batches' in request && distributionIds(request.distribution).length > 1) {
    lines.push(`CloudFront invalidations, submitted ${slackDate(request.submittedAt)}:`);
    lines.push(...eachDistribution(request, request.batches));
  } else if ('batches' in request) {
    const shown = request.batches.slice(0, IDS_SHOWN).map((batch) => `\`${batch.invalidationId ?? '?'}\``);
    const hidden = request.batches.length - shown.length;
    const ids = `${shown.join(', ')}${hidden > 0 ? ` and ${hidden.toLocaleString('en-US')} more` : ''}`;
    lines.push(`CloudFront invalidation ${ids}, submitted ${slackDate(request.submittedAt)}`);
  }
  if (request.status === 'failed')
    lines.push(`:x: *${request.failure.code}*: ${escapeWithin(request.failure.message, MESSAGE_CHARS)}`);
  if (request.status === 'expired')
    lines.push(`:hourglass: Expired ${slackDate(request.expiredAt)}: nothing was submitted.`);
  if (request.status === 'cancelled')
    lines.push(
      `:no_entry_sign: Cancelled by ${actorWords(request.cancelledBy)} ${slackDate(request.cancelledAt)}: nothing was submitted.`,
    );
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** The first few paths, "…and 22 more paths", and a button that opens them all. */
function pathSection(request: InvalidationRequest): SectionBlock {
  const { paths } = request;
  const lines = paths.slice(0, PATHS_ON_CARD).map((path) => code(path, QUOTE_CHARS));
  const block = section(fitLines(lines, paths.length, 'more path'));
  if (paths.length <= PATHS_ON_CARD) return block;
  const button: Button = {
    type: 'button',
    action_id: ActionIds.showPaths,
    text: { type: 'plain_text', text: 'Show all paths' },
    value: request.id,
  };
  return { ...block, accessory: button };
}

/** The modal "Show all paths" opens at once, while the request is read. */
export function loadingPathsModal(requestId: string): ModalView {
  return noticeModal('All paths', `Reading the paths of ${escapeWithin(requestId, 40)}…`);
}

/**
 * Every path of a request, one per line in sections that fill up to Slack's limits: a request holds at most
 * a few hundred kilobytes of paths, so the longest lists end by saying how many are left and where they are.
 */
export function pathsModal(request: InvalidationRequest): ModalView & { blocks: KnownBlock[] } {
  const head = section(
    `*${request.id}* on \`${request.distribution.alias}\` (${request.distribution.id}): ${count(request.paths.length, 'path')}`,
  );
  const blocks: KnownBlock[] = [head];
  let next = 0;
  // One block is kept for the line that counts what did not fit.
  while (next < request.paths.length && blocks.length < MODAL_BLOCKS - 1) {
    // Every path fits a section on its own (cut to it if need be), so each section holds at least one.
    const lines: string[] = [];
    let length = -1;
    for (; next < request.paths.length; next += 1) {
      const line = code(request.paths[next] ?? '', SECTION_LIMIT - 2);
      if (length + 1 + line.length > SECTION_LIMIT) break;
      lines.push(line);
      length += 1 + line.length;
    }
    blocks.push(section(lines.join('\n')));
  }
  const left = request.paths.length - next;
  if (left > 0)
    blocks.push(
      context(
        `…and ${count(left, 'more path')}: too many for one Slack window. The audit export lists every path (\`npm run audit\`).`,
      ),
    );
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'All paths' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
  };
}

/** The modal for a click on "Show all paths" that cannot show them, saying why. */
export function pathsUnavailableModal(text: string): ModalView {
  return noticeModal('All paths', text);
}

/**
 * As many of `lines` as fit in `budget` characters, one per line, then how many of `total` items were
 * left out: whatever is cut, the count stays inside Slack's limit.
 */
export function fitLines(
  lines: readonly string[],
  total: number,
  noun: string,
  budget = LIST_BUDGET,
): string {
  const shown: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (length + line.length + 1 > budget) break;
    shown.push(line);
    length += line.length + 1;
  }
  const hidden = total - shown.length;
  if (hidden <= 0) return shown.join('\n');
  return [...shown, `_…and ${count(hidden, noun)}_`].join('\n');
}

/** ":moneybag: 12 paths, 990 of 1,000 free used this month → 2 billable, $0.01" */
export function costWords(cost: CostPreview): string {
  const freeUsed = Math.min(cost.usedBefore, cost.freePerMonth);
  const used = `${freeUsed.toLocaleString('en-US')} of ${cost.freePerMonth.toLocaleString('en-US')} free used this month`;
  const billable =
    cost.billable === 0
      ? 'no charge'
      : `${cost.billable.toLocaleString('en-US')} billable, ${formatUsd(cost.costUsd)}`;
  return `:moneybag: ${count(cost.paths, 'path')}, ${used} → ${billable}`;
}

/** The cost (costWords), and a budget warning from 80%. */
function costLine(request: InvalidationRequest): string {
  const { cost } = request;
  const line = costWords(cost);
  const share = budgetShare(cost);
  if (share === undefined || share < BUDGET_WARNING_FRACTION) return line;
  const budget = cost.budgetPaths?.toLocaleString('en-US') ?? '';
  return `${line}\n:warning: This takes the month to ${textBar(share)} of the budget of ${budget} paths.`;
}

function approvalLine(request: InvalidationRequest, onCall: readonly OnCallNow[] | undefined): string {
  const { approval } = request;
  if (!approval.required) return ':unlock: No approval needed: no rule of this distribution applies.';
  const why = approval.rules.map(ruleWords).join('; ');
  // Once decided (or ended undecided), who may approve or cancel no longer applies: the outcome says what happened.
  if (!awaitsDecision(request)) return `:lock: Needed approval: ${why}.`;
  const over = overBudgetRule(request);
  const override = over
    ? ` :warning: Approving overrides ${budgetName(over)} of ${budgetAmount(over, over.budget)}.`
    : '';
  return `:lock: Needs approval: ${why}.${override} ${whoMayApprove(approval, onCall)} ${whoElse(request)}`;
}

/**
 * What the requester may do. A pipeline never clicks, so self-approval says nothing about its requests:
 * any approver decides, and only the pipeline (through the API) can withdraw it.
 */
function whoElse(request: InvalidationRequest): string {
  if (pipelineOf(request.requester) !== undefined)
    return 'Any approver may decide; only the pipeline can cancel.';
  const self = request.approval.selfApproval
    ? 'Self-approval is allowed on this distribution: the requester may approve too.'
    : 'The requester cannot approve their own request.';
  return `${self} Only the requester can cancel.`;
}

function whoMayApprove(approval: InvalidationRequest['approval'], onCall?: readonly OnCallNow[]): string {
  const { approvers } = approval;
  if (!approval.groupUnresolved || approvers.usergroup === undefined)
    return `Approvers: ${approverWords(approvers, onCall)}.`;
  const others =
    approvers.users.length > 0
      ? `${approverWords({ users: approvers.users })} can approve`
      : 'nobody else is listed, so it can only expire or be cancelled (add `users` to the approvers in the config file)';
  return `The approvers' user group <!subteam^${approvers.usergroup}> could not be resolved; ${others}.`;
}

export function ruleWords(rule: ApprovalRule): string {
  switch (rule.rule) {
    case 'always':
      return 'this distribution always needs approval';
    case 'wildcard':
      return `wildcard paths (${sample(rule.paths, (path) => code(path, QUOTE_CHARS))}) can flood the origin with cache misses`;
    case 'root_wildcard':
      return '`/*` purges the whole distribution';
    case 'above_paths':
      return `${count(rule.count, 'path')} is more than the ${rule.limit.toLocaleString('en-US')} allowed without approval`;
    case 'above_usd':
      return `it adds ${formatUsd(rule.costUsd)} to the bill, more than the ${formatUsd(rule.limit)} allowed without approval`;
    case 'over_budget':
      if (rule.distribution === undefined && rule.unit === undefined)
        return `it takes this month to ${rule.usedAfter.toLocaleString('en-US')} paths, past the budget of ${rule.budget.toLocaleString('en-US')}`;
      return `it takes ${budgetWhose(rule)} month to ${budgetAmount(rule, rule.usedAfter)}, past its budget of ${budgetAmount(rule, rule.budget)}`;
    case 'requester_limit':
      return `the requester has made ${requesterHour(rule)} this hour with this one, past their limit of ${requesterLimitWords(rule)} an hour`;
    case 'past_free_allowance':
      return `it goes past this month's ${rule.free.toLocaleString('en-US')} free paths (${rule.usedBefore.toLocaleString('en-US')} used)`;
    default: {
      const unreachable: never = rule;
      return String(unreachable);
    }
  }
}

function requesterHour(rule: Extract<ApprovalRule, { rule: 'requester_limit' }>): string {
  return `${count(rule.requests, 'request')} of ${count(rule.paths, 'path')}`;
}

function requesterLimitWords(rule: Extract<ApprovalRule, { rule: 'requester_limit' }>): string {
  const limits = [
    ...(rule.requestsPerHour === undefined ? [] : [count(rule.requestsPerHour, 'request')]),
    ...(rule.pathsPerHour === undefined ? [] : [count(rule.pathsPerHour, 'path')]),
  ];
  return limits.join(' or ');
}

/** "the monthly budget", or "`web`'s monthly budget" for a distribution's own. */
function budgetName(rule: OverBudgetRule): string {
  return rule.distribution === undefined ? 'the monthly budget' : `\`${rule.distribution}\`'s monthly budget`;
}

/** Whose month a budget counts: "this" for the account's paths (as always worded), else whose. */
function budgetWhose(rule: OverBudgetRule): string {
  if (rule.distribution !== undefined) return `\`${rule.distribution}\`'s`;
  return rule.unit === undefined ? 'this' : "the account's";
}

/** A budget's figure: "$12.40" or "2,400 paths". */
function budgetAmount(rule: OverBudgetRule, value: number): string {
  return rule.unit === 'usd' ? formatUsd(value) : count(value, 'path');
}

/** The budget rule of a request that needs approval for it: approving it overrides the budget. */
function overBudgetRule(request: InvalidationRequest) {
  for (const rule of request.approval.rules) if (rule.rule === 'over_budget') return rule;
  return undefined;
}

/**
 * The approvers in words. With `onCall` (a snapshot), each schedule names who is on call in it, or says it
 * could not be read; without, it says whoever is on call there.
 */
export function approverWords(approvers: Approvers, onCall?: readonly OnCallNow[]): string {
  const who = [
    ...(approvers.usergroup ? [`<!subteam^${approvers.usergroup}>`] : []),
    ...approvers.users.map((user) => `<@${user}>`),
    ...onCallSchedules(approvers).map((schedule) => onCallWords(schedule, onCall)),
  ];
  return who.length > 0 ? who.join(', ') : 'nobody is configured (add approvers to the config file)';
}

/** "PagerDuty schedule `P1ABCDE`" */
export function scheduleWords(schedule: OnCallSchedule): string {
  const service = schedule.service === 'pagerduty' ? 'PagerDuty' : 'Opsgenie';
  return `${service} schedule ${code(schedule.schedule, QUOTE_CHARS)}`;
}

function onCallWords(schedule: OnCallSchedule, onCall: readonly OnCallNow[] | undefined): string {
  if (onCall === undefined) return `whoever is on call in ${scheduleWords(schedule)}`;
  const now = onCall.find(
    (entry) => entry.schedule.service === schedule.service && entry.schedule.schedule === schedule.schedule,
  );
  if (now?.users === undefined)
    return `on call in ${scheduleWords(schedule)} (it could not be read just now)`;
  if (now.users.length === 0) return `on call in ${scheduleWords(schedule)}: nobody matched in Slack`;
  return `on call in ${scheduleWords(schedule)}: ${now.users.map((user) => `<@${user}>`).join(', ')}`;
}

function notesLine(request: InvalidationRequest): string | undefined {
  const notes = request.notes;
  if (!notes) return undefined;
  const parts: string[] = [];
  if (notes.encoded.length > 0) {
    const encoded = sample(
      notes.encoded,
      (entry) => `${code(entry.input, QUOTE_CHARS)} → ${code(entry.path, QUOTE_CHARS)}`,
    );
    parts.push(`URL-encoded for CloudFront: ${encoded}`);
  }
  if (notes.duplicates.length > 0) parts.push(`${count(notes.duplicates.length, 'duplicate')} removed`);
  if (notes.covered.length > 0) {
    const first = notes.covered[0];
    const example = first ? ` (e.g. ${code(first.path, QUOTE_CHARS)} by ${code(first.by, QUOTE_CHARS)})` : '';
    parts.push(`${count(notes.covered.length, 'path')} already covered by a wildcard removed${example}`);
  }
  const queried = notes.queryKept?.[0];
  if (queried !== undefined) parts.push(queryKeptNote(queried, notes.queryKept?.length ?? 1));
  return parts.length > 0 ? `:pencil2: ${parts.join(' · ')}` : undefined;
}

/**
 * A query string invalidates one variant, and only where the distribution caches on query strings;
 * `<path>*` covers every variant.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html
 */
function queryKeptNote(first: string, total: number): string {
  const all = `${first.slice(0, first.indexOf('?'))}*`;
  const more = total > 1 ? ` (and ${count(total - 1, 'more path')})` : '';
  return `query string kept: ${code(first, QUOTE_CHARS)}${more} — it invalidates only that variant if the distribution caches on query strings; ${code(all, QUOTE_CHARS)} covers all`;
}

function queueWords(reason: Extract<InvalidationRequest, { status: 'queued' }>['queue']): string {
  switch (reason.code) {
    case 'capacity':
      return `CloudFront allows 3,000 paths and 15 wildcards in progress per distribution; ${reason.inFlightPaths.toLocaleString('en-US')} paths and ${reason.inFlightWildcards} wildcards are in progress now. It goes as soon as there is room.`;
    case 'behind_older':
      return 'other requests on this distribution are waiting for room at CloudFront, taken in turn by requester; it goes after those before it.';
    case 'too_many_in_progress':
      return 'CloudFront has too many invalidations in progress on this distribution (some may come from outside the bot). It is retried shortly.';
    default: {
      const unreachable: never = reason;
      return String(unreachable);
    }
  }
}

/** The thread message for each kind of notice; undefined when the request is not in a state to send it. */
export function noticeMessage(
  request: InvalidationRequest,
  kind: NoticeKind,
  onCall?: readonly OnCallNow[],
): SlackMessage | undefined {
  switch (kind) {
    case 'completed':
      return request.status === 'completed' ? completionReply(request) : undefined;
    case 'failed':
      return request.status === 'failed' ? failureReply(request) : undefined;
    case 'denied':
      return request.status === 'denied' ? denialReply(request) : undefined;
    case 'expired':
      return request.status === 'expired' ? expiryReply(request) : undefined;
    case 'cancelled':
      return request.status === 'cancelled' ? cancellationReply(request) : undefined;
    case 'reminder':
      return request.status === 'pending_approval' ? reminderReply(request, onCall) : undefined;
    case 'slow':
      return request.status === 'in_progress' ? slowReply(request) : undefined;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/**
 * The start of a notice to the requester: a person is mentioned first, which notifies them; a pipeline
 * cannot be notified in Slack, so the notice names it after what it is about and reads to the channel:
 * "<@U1> :x: Invalidation INV-1 on `web`" or ":x: Invalidation INV-1 on `web`, requested by pipeline `x`,".
 */
function noticeHead(request: InvalidationRequest, emoji: string, subject: string): string {
  const pipeline = pipelineOf(request.requester);
  return pipeline === undefined
    ? `<@${request.requester}> ${emoji} ${subject}`
    : `${emoji} ${subject}, requested by ${pipelineWords(pipeline)},`;
}

/** Where the notice of a request that never ran tells its requester to start again. */
function askAnew(request: InvalidationRequest): string {
  return pipelineOf(request.requester) === undefined
    ? 'run the command again to ask anew'
    : 'run the pipeline again to ask anew';
}

function slowReply(request: Extract<InvalidationRequest, { status: 'in_progress' }>): SlackMessage {
  const head =
    pipelineOf(request.requester) === undefined
      ? `:hourglass_flowing_sand: <@${request.requester}> ${request.id},`
      : noticeHead(request, ':hourglass_flowing_sand:', request.id);
  const text = `${head} submitted ${slackDate(request.submittedAt)}, is still in progress at CloudFront. That happens now and then; I keep checking and will reply here when it completes.`;
  return { text, blocks: [section(text)] };
}

export function completionReply(
  request: Extract<InvalidationRequest, { status: 'completed' }>,
): SlackMessage {
  const took = formatDuration(elapsedMs(request.submittedAt, request.completedAt));
  const subject = `Invalidation ${request.id} of ${count(request.paths.length, 'path')} on \`${request.distribution.alias}\``;
  const done = `${noticeHead(request, ':white_check_mark:', subject)} completed in ${took}. CloudFront edges now fetch fresh copies.`;
  const several = distributionIds(request.distribution).length > 1;
  const text = several ? [done, ...eachDistribution(request, request.batches)].join('\n') : done;
  return { text, blocks: [section(text)] };
}

export function failureReply(request: Extract<InvalidationRequest, { status: 'failed' }>): SlackMessage {
  const text = `${noticeHead(request, ':x:', onDistribution(request))} failed: ${escapeWithin(request.failure.message, MESSAGE_CHARS)} (${request.failure.code})`;
  return { text, blocks: [section(text)] };
}

export function denialReply(request: Extract<InvalidationRequest, { status: 'denied' }>): SlackMessage {
  const { decision } = request;
  const reason = escapeWithin(decision.reason ?? '', MESSAGE_CHARS);
  const text = `${noticeHead(request, ':no_entry:', onDistribution(request))} was denied by ${actorWords(decision.by)}. Nothing was submitted.\n*Reason:* ${reason}`;
  return { text, blocks: [section(text)] };
}

export function expiryReply(request: Extract<InvalidationRequest, { status: 'expired' }>): SlackMessage {
  const within = request.timeoutMs === undefined ? 'in time' : `within ${waitWords(request.timeoutMs)}`;
  const text = `${noticeHead(request, ':hourglass:', onDistribution(request))} expired: nobody decided ${within}. Nothing was submitted; ${askAnew(request)}.`;
  return { text, blocks: [section(text)] };
}

/** An approval timeout in the words it was configured in: whole minutes, or seconds below one. */
export function waitWords(ms: number): string {
  return ms >= 60_000 ? count(Math.round(ms / 60_000), 'minute') : formatDuration(ms);
}

export function cancellationReply(
  request: Extract<InvalidationRequest, { status: 'cancelled' }>,
): SlackMessage {
  // A person is told "by you"; a pipeline that withdrew its own request is named, as is anyone else.
  const own = request.cancelledBy === request.requester && pipelineOf(request.requester) === undefined;
  const by = own ? 'you' : actorWords(request.cancelledBy);
  const text = `${noticeHead(request, ':no_entry_sign:', onDistribution(request))} was cancelled by ${by}. Nothing was submitted.`;
  return { text, blocks: [section(text)] };
}

/** "Invalidation INV-1 on `web`": what most notices are about. */
function onDistribution(request: InvalidationRequest): string {
  return `Invalidation ${request.id} on \`${request.distribution.alias}\``;
}

export function denyModal(request: InvalidationRequest, channel: string): ModalView {
  return {
    type: 'modal',
    callback_id: DENY_MODAL,
    private_metadata: JSON.stringify({ requestId: request.id, channel }),
    title: { type: 'plain_text', text: 'Deny invalidation' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `Deny *${request.id}* by ${requesterWords(request)} on \`${request.distribution.alias}\` (${count(request.paths.length, 'path')})?`,
      ),
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: REASON_INPUT,
          multiline: true,
          max_length: 500,
          placeholder: { type: 'plain_text', text: 'Tell the requester why, and what to do instead' },
        },
      },
    ],
  };
}

export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title.slice(0, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [section(text)],
  };
}

export function helpMessage(policy: PolicyConfig): SlackMessage {
  const aliases = policy.distributions
    .map((d) => `• \`${d.alias}\` (${d.id}): approval ${modeWords(d.policy.mode)}`)
    .join('\n');
  const text = [
    '*Usage:* `/invalidate <distribution> <path> [<path>…] [--reason <text>]`',
    '`/invalidate cancel <request-id>` withdraws your own pending request; `/invalidate status <request-id>` shows one.',
    '`/invalidate list [<distribution>] [mine]` lists recent requests; `/invalidate usage [YYYY-MM]` shows paths and cost.',
    "`/invalidate export [YYYY-MM] [csv|json]` sends you the month's audit export in a direct message (auditors and approvers).",
    'Paths start with `/`, are separated by spaces, commas or new lines; `*` only at the end (`/images/*`).',
    'Or paste URLs (`/invalidate https://www.example.com/app.css`): the host picks the distribution; `#tag` items need a distribution set up for cache tags.',
    `Up to ${policy.maxPathsPerRequest.toLocaleString('en-US')} paths per request. Example: \`/invalidate ${policy.distributions[0]?.alias ?? 'web'} /index.html /assets/* --reason release 4.2\``,
    `*Distributions:*\n${aliases}`,
  ].join('\n');
  return { text, blocks: [section(text)] };
}

function modeWords(mode: 'always' | 'wildcard' | 'never'): string {
  return mode === 'wildcard' ? 'for wildcards' : mode;
}

export function reminderReply(
  request: Extract<InvalidationRequest, { status: 'pending_approval' }>,
  onCall?: readonly OnCallNow[],
): SlackMessage {
  const text = `:bell: ${approverWords(request.approval.approvers, onCall)}: ${request.id} by ${requesterWords(request)} is still waiting for a decision; it expires ${slackDate(request.expiresAt)}.`;
  return { text, blocks: [section(text)] };
}

/** The reminder sent to a person on call as a direct message, with a link to the card when Slack gave one. */
export function onCallReminder(
  request: Extract<InvalidationRequest, { status: 'pending_approval' }>,
  schedule: OnCallSchedule,
  permalink: string | undefined,
): SlackMessage {
  const card = permalink ? ` <${permalink}|Open the request card> to approve or deny it.` : '';
  return plain(
    `:bell: You are on call in ${scheduleWords(schedule)}, so you may decide on ${request.id} by ${requesterWords(request)} on \`${request.distribution.alias}\`: it is waiting for a decision and expires ${slackDate(request.expiresAt)}.${card}`,
  );
}

/** One section; the notification fallback is the same text, so it too stays within the section's limit. */
export function plain(text: string): SlackMessage {
  const shown = clip(text);
  return { text: shown, blocks: [section(shown)] };
}

/** Slack renders a timestamp in each reader's own time zone. https://api.slack.com/reference/surfaces/formatting#date-formatting */
/** The time of day `iso` is, in each viewer's own time zone ("at 14:32"). */
export function slackTime(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^at {time}|at ${iso.slice(11, 16)} UTC>`;
}

export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${iso.replace('T', ' ').slice(0, 16)} UTC>`;
}

export function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** Slack's three control characters in mrkdwn. https://api.slack.com/reference/surfaces/formatting#escaping */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `text` as a code span: escaped, within `max` characters. mrkdwn has no escape for a backtick inside a code
 * span, and only raw input can hold one (an encoded path has `%60`): it is shown as `ˋ` (U+02CB) so the
 * span neither ends early nor lets the rest format.
 */
export function code(text: string, max: number): string {
  return `\`${inCode(text, max)}\``;
}

/** `text` made safe to stand inside a code span (see `code`), for spans built of several parts. */
export function inCode(text: string, max: number): string {
  return escapeWithin(text, max).replaceAll('`', 'ˋ');
}

/** The first three, then how many more: "a, b, c and 4 more". */
function sample<T>(items: readonly T[], show: (item: T) => string): string {
  const shown = items.slice(0, 3).map(show).join(', ');
  return items.length > 3 ? `${shown} and ${(items.length - 3).toLocaleString('en-US')} more` : shown;
}

const moreCharacters = (n: number) => `… (${count(n, 'more character')})`;

/**
 * `text` escaped for mrkdwn in at most `max` characters: when it does not fit, as much as fits and how
 * many characters were left out. Cuts between characters, never inside a surrogate pair or an escape.
 */
export function escapeWithin(text: string, max: number): string {
  // Escaping only lengthens text, so text longer than `max` need not be escaped whole to know it does not fit.
  if (text.length <= max) {
    const escaped = escapeText(text);
    if (escaped.length <= max) return escaped;
  }
  const room = max - moreCharacters(text.length).length;
  let used = 0;
  let end = 0;
  for (const char of text) {
    const width = escapeText(char).length;
    if (used + width > room) break;
    used += width;
    end += char.length;
  }
  return `${escapeText(text.slice(0, end))}${moreCharacters(text.length - end)}`;
}

/** The last guard on a text object's limit, for text already built: cut, saying how much was left out. */
function clip(text: string): string {
  if (text.length <= SECTION_LIMIT) return text;
  let end = SECTION_LIMIT - moreCharacters(text.length).length;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${moreCharacters(text.length - end)}`;
}

/** A button of a card: its action id, its label, the value it carries, and `primary` for the one to press. */
export function button(actionId: string, text: string, value: string, style?: 'primary'): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    value,
    ...(style ? { style } : {}),
  };
}

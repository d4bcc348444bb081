import type { HomeView, KnownBlock } from '@slack/types';
import type { DistributionConfig, PolicyConfig } from '../../config.js';
import { accountLabel, HOME_ACCOUNT } from '../../core/accounts.js';
import { formatUsd } from '../../core/cost.js';
import type { RequestIn } from '../../core/request.js';
import { type AccountUsage, type OutsideUsage, textBar, type UsageSummary } from '../../core/usage.js';
import type { Access } from '../../core/visibility.js';
import type { BudgetBar } from '../../usecases/budget-report.js';
import type { LiveInvalidation, StoredRequest } from '../../usecases/ports.js';
import type { ReportedRequest, UsageReport } from '../../usecases/reports.js';
import type { WaitingDecisions } from '../../usecases/waiting-decisions.js';
import { auditSentences } from './audit-lines.js';
import {
  actorWords,
  approveDenyButtons,
  context,
  count,
  escapeWithin,
  fitLines,
  requesterWords,
  type SlackMessage,
  section,
  slackDate,
  statusEmoji,
  statusLine,
} from './blocks.js';
import { usedOf } from './messages.js';

export const LIST_MORE_ACTION = 'invalidator.list_more';
/** How much of a waiting request's reason the Home tab quotes; the rest is counted. */
const REASON_CHARS = 200;

/** Said wherever a restricted distribution's request is shown without its details. */
export const RESTRICTED_NOTE =
  ':lock: This distribution is restricted: its paths, reasons and requesters are shown only in its channels, or to its approvers and requesters.';

/**
 * `/invalidate status <id>`: the request, every audit event, and CloudFront's own status. With restricted
 * access, no requester, paths, reasons or audit trail: the status, the count and CloudFront's word only.
 */
export function statusMessage(
  stored: StoredRequest,
  live: readonly LiveInvalidation[],
  access: Access,
): SlackMessage {
  const { request, events } = stored;
  const who = access === 'full' ? `requested by ${requesterWords(request)}` : 'restricted';
  const head = `${statusEmoji(request)} *${request.id}* · \`${request.distribution.alias}\` (${request.distribution.id}) · ${count(request.paths.length, 'path')} · ${who}\n*Status:* ${statusLine(request)}`;
  // Refused clicks and retries can pile up events: those that fit are shown in order, the rest counted.
  const trail = fitLines(
    auditSentences(events, request).map((sentence) => `• ${sentence}`),
    events.length,
    'more event',
  );
  const cloudfront = fitLines(
    live.map((d) =>
      'unavailable' in d
        ? `\`${d.id}\`: CloudFront did not answer just now (${escapeWithin(d.unavailable, 60)}); the status above is as recorded, ask again in a minute`
        : `\`${d.id}\`: ${d.status} (created ${slackDate(d.createTime)})`,
    ),
    live.length,
    'more invalidation',
  );
  const blocks: KnownBlock[] =
    access === 'full'
      ? [section(head), section(`*Audit trail*\n${trail || '_no events_'}`)]
      : [section(head), context(RESTRICTED_NOTE)];
  if (cloudfront) blocks.push(section(`*CloudFront says*\n${cloudfront}`));
  return { text: `${request.id}: ${statusLine(request)}`, blocks };
}

/** A page of recent requests; "More" carries the cursor of the next page. */
export function listMessage(
  requests: readonly ReportedRequest[],
  title: string,
  more: string | undefined,
): SlackMessage {
  const lines = requests.map(listLine);
  const shown = fitLines(lines, lines.length, 'more request');
  const blocks: KnownBlock[] = [section(`*${title}*\n${shown || '_No requests yet._'}`)];
  if (requests.some((r) => r.access === 'restricted')) blocks.push(context(RESTRICTED_NOTE));
  if (more) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: LIST_MORE_ACTION,
          text: { type: 'plain_text', text: 'More' },
          value: more,
        },
      ],
    });
  }
  return { text: `${title}: ${requests.length} shown`, blocks };
}

/** One request in a list; the status line names no one and quotes nothing typed, so it stays. */
function listLine({ access, request: r }: ReportedRequest): string {
  const who = access === 'full' ? requesterWords(r) : ':lock: restricted';
  return `${statusEmoji(r)} *${r.id}* \`${r.distribution.alias}\` ${count(r.paths.length, 'path')} · ${who} · ${slackDate(r.createdAt)} · ${statusLine(r)}`;
}

/** One budget's bar: "Budget of `web` (USD): ▇▇▇▇▁▁▁▁▁▁ 41% · $4.95 of $12.00". */
function budgetBarLine(bar: BudgetBar): string {
  const whose = bar.distribution === undefined ? 'Budget' : `Budget of \`${bar.distribution}\``;
  const unit = bar.unit === 'usd' ? 'USD' : 'paths';
  const share = bar.limit === 0 ? 1 : bar.used / bar.limit;
  return `${whose} (${unit}): ${textBar(share)} · ${usedOf(bar.unit, bar.used, bar.limit)}`;
}

/**
 * One line per AWS account, each with its own free allowance (CloudFront's is per account):
 * "• `210987654321`: ▇▁▁▁▁▁▁▁▁▁ 12% · 120 of 1,000 free paths, 880 free left · $0.00".
 */
function accountLines(accounts: readonly AccountUsage[], policy: PolicyConfig): string[] {
  const free = policy.cost.freePathsPerMonth;
  return [
    `Per AWS account (each has ${free.toLocaleString('en-US')} free paths a month):`,
    ...accounts.map((account) => {
      const name = accountMention(policy, account.account);
      const used = `${account.paths.toLocaleString('en-US')} of ${free.toLocaleString('en-US')} free paths`;
      return `• ${name}: ${textBar(free === 0 ? 1 : account.paths / free)} · ${used}, ${account.freeRemaining.toLocaleString('en-US')} free left · ${formatUsd(account.costUsd)}`;
    }),
  ];
}

/** Said in `usage` when the bot may not list the account's distributions (reconciliation falls back). */
export const CONFIGURED_ONLY_NOTE =
  'Usage covers configured distributions only: the bot may not call cloudfront:ListDistributions (add it to its role to count every distribution).';

/** An AWS account as `usage` names it: its id in code, or the bot's own in words when its id is not configured. */
function accountMention(policy: PolicyConfig, account: string): string {
  const label = accountLabel(policy, account);
  return account === HOME_ACCOUNT && policy.accountId === undefined ? label : `\`${label}\``;
}

/** Said in `usage` when some AWS accounts could not be listed and the others were. */
export function unlistedAccountsNote(accounts: readonly string[], policy: PolicyConfig): string {
  const which = accounts.map((account) => accountMention(policy, account)).join(', ');
  return `Usage covers only the configured distributions of ${which}: the bot may not call cloudfront:ListDistributions there (\`npm run iam-policy -- --target\` prints the role's permissions).`;
}

/** How many distributions the "outside Invalidator" section names; the rest are counted. */
const OUTSIDE_SHOWN = 10;

/**
 * `/invalidate usage`: the month at a glance, with a bar of the free allowance used and one for each
 * budget the viewer may see. A summary without the account's listing (a plain UsageSummary) names
 * distributions by alias or id.
 */
export function usageMessage(
  summary: UsageSummary & Partial<Pick<UsageReport, 'configuredOnly' | 'unlistedAccounts' | 'domainNames'>>,
  policy: PolicyConfig,
  budgets: readonly BudgetBar[] = [],
): SlackMessage {
  const free = policy.cost.freePathsPerMonth;
  const lines = [
    `*Usage for ${summary.month}* (UTC, as AWS bills)`,
    ...(summary.byAccount
      ? accountLines(summary.byAccount, policy)
      : [
          `Free allowance: ${textBar(free === 0 ? 1 : summary.paths / free)} · ${summary.paths.toLocaleString('en-US')} of ${free.toLocaleString('en-US')} paths, ${summary.freeRemaining.toLocaleString('en-US')} free left`,
        ]),
    `Cost so far: *${formatUsd(summary.costUsd)}* · projected for the month: ${formatUsd(summary.projectedUsd)} (${summary.projectedPaths.toLocaleString('en-US')} paths)`,
  ];
  for (const bar of budgets) lines.push(budgetBarLine(bar));
  if (summary.externalPaths > 0)
    lines.push(`Made outside Invalidator: ${count(summary.externalPaths, 'path')}`);
  const byDistribution = summary.byDistribution
    .map((row) => `• \`${aliasOf(policy.distributions, row.distributionId)}\` ${count(row.paths, 'path')}`)
    .join('\n');
  const byRequester = summary.byRequester
    .map((row) =>
      'restricted' in row
        ? `• :lock: restricted distributions ${count(row.paths, 'path')}`
        : `• ${actorWords(row.requester)} ${count(row.paths, 'path')}`,
    )
    .join('\n');
  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  if (byDistribution) blocks.push(section(`*Top distributions*\n${byDistribution}`));
  if (byRequester) blocks.push(section(`*Top requesters*\n${byRequester}`));
  if (summary.outside.length > 0) {
    const outside = summary.outside
      .slice(0, OUTSIDE_SHOWN)
      .map((row) => outsideLine(row, policy, summary.domainNames ?? {}));
    const more = summary.outside.length - outside.length;
    if (more > 0) outside.push(`_…and ${count(more, 'more distribution')}_`);
    blocks.push(
      section(`*Made outside Invalidator* (the console, the CLI, other tools)\n${outside.join('\n')}`),
    );
  }
  if (summary.configuredOnly) blocks.push(context(CONFIGURED_ONLY_NOTE));
  if (summary.unlistedAccounts?.length)
    blocks.push(context(unlistedAccountsNote(summary.unlistedAccounts, policy)));
  blocks.push(
    context('Every submitted path counts, wildcards and cache tags as one; repeats are billed again.'),
  );
  return {
    text: `Usage for ${summary.month}: ${summary.paths} paths, ${formatUsd(summary.costUsd)}`,
    blocks,
  };
}

/** How many waiting requests the App Home lists, two blocks each: well within a Home tab's 100 blocks. */
export const WAITING_SHOWN = 15;

/**
 * The App Home tab: this month's usage, what waits for the viewer's decision (for approvers, and anyone
 * with something to decide), and the viewer's recent requests.
 */
export function homeView(
  summary: Parameters<typeof usageMessage>[0],
  policy: PolicyConfig,
  mine: readonly ReportedRequest[],
  waiting?: WaitingDecisions,
  budgets: readonly BudgetBar[] = [],
): HomeView {
  const usage = usageMessage(summary, policy, budgets);
  const recent = listMessage(mine, 'Your recent requests', undefined);
  const decisions =
    waiting && (waiting.approver || waiting.requests.length > 0)
      ? [...waitingBlocks(waiting), { type: 'divider' } as const]
      : [];
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Invalidator' } },
      ...usage.blocks,
      { type: 'divider' },
      ...decisions,
      ...recent.blocks,
      context('Type `/invalidate help` in any channel to start.'),
    ],
  };
}

/** "Waiting for you": one entry and its Approve and Deny per request, the soonest to expire first. */
function waitingBlocks({ requests, unconfirmed, onCallSnapshot }: WaitingDecisions): KnownBlock[] {
  const blocks = waitingList(requests, unconfirmed);
  if (onCallSnapshot) {
    blocks.push(
      context(
        'You are on call in an approvers’ schedule, as it read within the last minute; Approve and Deny ask the schedule again.',
      ),
    );
  }
  return blocks;
}

function waitingList(requests: WaitingDecisions['requests'], unconfirmed: readonly string[]): KnownBlock[] {
  if (requests.length === 0) {
    const blocks: KnownBlock[] = [section('*Waiting for you*\nNothing is waiting for your decision.')];
    if (unconfirmed.length > 0) blocks.push(context(unconfirmedNote(unconfirmed)));
    return blocks;
  }
  const blocks: KnownBlock[] = [section(`*Waiting for you* (${requests.length.toLocaleString('en-US')})`)];
  for (const request of requests.slice(0, WAITING_SHOWN)) {
    blocks.push(section(waitingEntry(request)), {
      type: 'actions',
      // Block ids are unique in a view; the buttons' action ids and values are the card's own.
      block_id: `home_decision:${request.id}`,
      elements: approveDenyButtons(request),
    });
  }
  const hidden = requests.length - WAITING_SHOWN;
  if (hidden > 0) {
    blocks.push(
      context(
        `…and ${count(hidden, 'more request')} waiting: decide one here and the next appears, or find their cards in their channels.`,
      ),
    );
  }
  if (unconfirmed.length > 0) blocks.push(context(unconfirmedNote(unconfirmed)));
  return blocks;
}

/** One waiting request: what, who asked, why, where its card is, and until when. */
function waitingEntry(request: RequestIn<'pending_approval'>): string {
  const head = `${statusEmoji(request)} *${request.id}* \`${request.distribution.alias}\` ${count(request.paths.length, 'path')} · ${requesterWords(request)} in <#${request.card.channel}> · expires ${slackDate(request.expiresAt)}`;
  return request.reason ? `${head}\n*Reason:* ${escapeWithin(request.reason, REASON_CHARS)}` : head;
}

function unconfirmedNote(aliases: readonly string[]): string {
  const names = aliases
    .slice(0, 10)
    .map((alias) => `\`${alias}\``)
    .join(', ');
  const more = aliases.length > 10 ? ` and ${(aliases.length - 10).toLocaleString('en-US')} more` : '';
  return `Slack did not say just now who approves ${names}${more}: requests there are not listed. The cards in their channels still work.`;
}

/** One distribution's invalidations made outside the bot: by alias if configured, else id and domain name. */
function outsideLine(row: OutsideUsage, policy: PolicyConfig, domainNames: Record<string, string>): string {
  const figures = `${count(row.invalidations, 'invalidation')}, ${count(row.paths, 'path')}`;
  if ('restricted' in row) return `• :lock: restricted distributions ${figures}`;
  const alias = policy.distributions.find((d) => d.id === row.distributionId)?.alias;
  if (alias !== undefined) return `• \`${alias}\` ${figures}`;
  const domain = domainNames[row.distributionId];
  return `• ${row.distributionId}${domain ? ` (${domain})` : ''} ${figures}`;
}

function aliasOf(distributions: readonly DistributionConfig[], id: string): string {
  return distributions.find((d) => d.id === id)?.alias ?? id;
}

import { monthCost, type Pricing } from './cost.js';
import type { AccessCheck } from './visibility.js';

/**
 * The bot's CallerReferences: its request ids (`INV-` and 10 characters), with `-<distribution id>` for a
 * request's further distributions (capacity.ts requestBatches), and `-N` for later batches.
 */
const BOT_REFERENCE = /^INV-[0-9A-Z]{10}(?:-E[0-9A-Z]+)?(?:-\d+)?$/;

export function isBotReference(callerReference: string): boolean {
  return BOT_REFERENCE.test(callerReference);
}

/** One submission as billed: a request's submitted paths, or an invalidation made outside the bot. */
export interface UsageRow {
  /** request id, or the CloudFront invalidation id of an external one */
  id: string;
  paths: number;
  distributionId: string;
  /** Slack user id; absent for external invalidations and where the viewer may not see who asked */
  requester?: string;
  external: boolean;
  /** on a restricted distribution the viewer may not see in detail: counted, but not by requester */
  restricted?: true;
  submittedAt: string;
  /**
   * the AWS account of an external invalidation on a distribution the config does not name, when it is
   * not the bot's own (core/accounts.ts); the others' account follows from the config
   */
  account?: string;
}

export interface UsageSummary {
  month: string;
  paths: number;
  externalPaths: number;
  freeRemaining: number;
  costUsd: number;
  /** the month's cost if usage goes on at the same daily rate */
  projectedUsd: number;
  projectedPaths: number;
  byDistribution: Array<{ distributionId: string; paths: number }>;
  byRequester: RequesterUsage[];
  /** invalidations made outside the bot, per distribution, most paths first */
  outside: OutsideUsage[];
  /**
   * with more than one AWS account: each one's paths, cost and free allowance left, in the order the config
   * names them (core/accounts.ts); the totals above are then their sums
   */
  byAccount?: AccountUsage[];
}

/** One AWS account's month: it has a free allowance of its own, so its own cost. */
export interface AccountUsage {
  /** the account's key (core/accounts.ts): its id, or HOME_ACCOUNT */
  account: string;
  paths: number;
  costUsd: number;
  freeRemaining: number;
  projectedUsd: number;
}

/** Which account each row bills in, and every account the config names (each shown, even unused). */
export interface UsageAccounts {
  accountOf(row: UsageRow): string;
  configured: readonly string[];
}

/**
 * Invalidations made outside the bot on one distribution; those of restricted distributions the viewer
 * may not see in detail are summed as one line, as their requests are.
 */
export type OutsideUsage =
  | { distributionId: string; invalidations: number; paths: number }
  | { restricted: true; invalidations: number; paths: number };

/** One line of the top requesters; requests the viewer may not see in detail are summed as one line. */
export type RequesterUsage = { requester: string; paths: number } | { restricted: true; paths: number };

/** The key of the restricted line among requester ids (Slack user ids are never empty). */
const RESTRICTED_KEY = '';

/**
 * Sums a month's usage rows. `now` places the projection: the month so far, scaled to its full length
 * (a past month is projected as what it was). Months are UTC calendar months, as AWS bills.
 */
export function summariseUsage(
  month: string,
  rows: readonly UsageRow[],
  pricing: Pricing,
  now: string,
  accounts?: UsageAccounts,
): UsageSummary {
  const paths = sum(rows.map((row) => row.paths));
  const externalPaths = sum(rows.filter((row) => row.external).map((row) => row.paths));
  const elapsed = monthElapsedFraction(month, now);
  const projectedPaths = Math.round(paths / elapsed);
  const byAccount =
    accounts && accounts.configured.length > 1 ? accountUsage(rows, accounts, pricing, elapsed) : undefined;
  return {
    month,
    paths,
    externalPaths,
    freeRemaining: byAccount
      ? sum(byAccount.map((a) => a.freeRemaining))
      : Math.max(0, pricing.freePathsPerMonth - paths),
    costUsd: byAccount ? usdSum(byAccount.map((a) => a.costUsd)) : monthCost(paths, pricing),
    projectedUsd: byAccount
      ? usdSum(byAccount.map((a) => a.projectedUsd))
      : monthCost(projectedPaths, pricing),
    projectedPaths,
    ...(byAccount ? { byAccount } : {}),
    byDistribution: top(rows, (row) => row.distributionId).map(([distributionId, n]) => ({
      distributionId,
      paths: n,
    })),
    byRequester: top(
      rows.filter((row) => !row.external && (row.requester !== undefined || row.restricted)),
      (row) => (row.restricted ? RESTRICTED_KEY : (row.requester ?? RESTRICTED_KEY)),
    ).map(([key, n]) =>
      key === RESTRICTED_KEY ? { restricted: true as const, paths: n } : { requester: key, paths: n },
    ),
    outside: outsideUsage(rows),
  };
}

/**
 * Each account's month: configured ones in their order, then any other a row bills in (a distribution
 * since removed from the config). Each has its own free allowance (https://aws.amazon.com/cloudfront/pricing/).
 */
function accountUsage(
  rows: readonly UsageRow[],
  accounts: UsageAccounts,
  pricing: Pricing,
  elapsed: number,
): AccountUsage[] {
  const totals = new Map<string, number>(accounts.configured.map((account) => [account, 0]));
  for (const row of rows) {
    const account = accounts.accountOf(row);
    totals.set(account, (totals.get(account) ?? 0) + row.paths);
  }
  return [...totals.entries()].map(([account, paths]) => ({
    account,
    paths,
    costUsd: monthCost(paths, pricing),
    freeRemaining: Math.max(0, pricing.freePathsPerMonth - paths),
    projectedUsd: monthCost(Math.round(paths / elapsed), pricing),
  }));
}

/** Sums amounts kept in tenths of a cent without floating-point dust. */
function usdSum(amounts: readonly number[]): number {
  return Math.round(sum(amounts) * 1000) / 1000;
}

/** External rows (one per invalidation) summed per distribution, the restricted ones as one line. */
function outsideUsage(rows: readonly UsageRow[]): OutsideUsage[] {
  const totals = new Map<string, { invalidations: number; paths: number }>();
  for (const row of rows) {
    if (!row.external) continue;
    const key = row.restricted ? RESTRICTED_KEY : row.distributionId;
    const total = totals.get(key) ?? { invalidations: 0, paths: 0 };
    totals.set(key, { invalidations: total.invalidations + 1, paths: total.paths + row.paths });
  }
  return [...totals.entries()]
    .sort((a, b) => b[1].paths - a[1].paths || a[0].localeCompare(b[0]))
    .map(([key, total]) =>
      key === RESTRICTED_KEY ? { restricted: true as const, ...total } : { distributionId: key, ...total },
    );
}

/** How much of `month` (YYYY-MM, UTC) has passed at `now`: 1 for a past month, a small floor for a future one. */
export function monthElapsedFraction(month: string, now: string): number {
  const start = Date.parse(`${month}-01T00:00:00.000Z`);
  const [year = 0, monthNumber = 1] = month.split('-').map(Number);
  const end = Date.UTC(year, monthNumber, 1);
  const at = Date.parse(now);
  if (at >= end) return 1;
  // Early in the month a day's usage would project wildly; count at least one day as elapsed.
  const elapsed = Math.max(at - start, 86_400_000);
  return Math.min(1, elapsed / (end - start));
}

/**
 * The rows as `access` lets them be seen: a row the viewer may not see in detail loses its requester and
 * is marked restricted, so it still counts in every total but names nobody. An external row of a
 * configured distribution follows its distribution's rule; one of a distribution the config does not
 * name (found by listing the account) restricts nothing, since no one restricted it.
 */
export function rowsAsSeen(
  rows: readonly UsageRow[],
  access: AccessCheck,
  isConfigured: (distributionId: string) => boolean,
): UsageRow[] {
  return rows.map((row) => {
    if (row.external && !isConfigured(row.distributionId)) return row;
    if (access(row.distributionId, row.requester) === 'full') return row;
    const { requester: _hidden, ...rest } = row;
    return { ...rest, restricted: true };
  });
}

/** `▇▇▇▇▇▁▁▁ 62%`: a bar people read at a glance. */
export function textBar(fraction: number, width = 10): string {
  const clamped = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(clamped * width);
  return `${'▇'.repeat(filled)}${'▁'.repeat(width - filled)} ${Math.round(fraction * 100)}%`;
}

/** The previous `count` months before `month`, newest first, as YYYY-MM. */
export function monthsBefore(month: string, count: number): string[] {
  const [year = 0, monthNumber = 1] = month.split('-').map(Number);
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.UTC(year, monthNumber - 2 - i, 1));
    return date.toISOString().slice(0, 7);
  });
}

function top<R>(rows: readonly R[], key: (row: R) => string, limit = 5): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const row of rows)
    totals.set(key(row), (totals.get(key(row)) ?? 0) + (row as { paths: number }).paths);
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

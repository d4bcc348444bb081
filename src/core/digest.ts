import { billingMonth, monthCost, type Pricing } from './cost.js';
import type { InvalidationRequest } from './request.js';
import { type RequesterUsage, summariseUsage, type UsageAccounts, type UsageRow } from './usage.js';

/** Which digests are wanted (config `digest`). */
export interface DigestKinds {
  weekly: boolean;
  monthly: boolean;
}

export type DigestKind = 'weekly' | 'monthly';

/** A period a digest covers: `[start, end)` in UTC; `key` names it once and for all (`weekly#2026-11-30`). */
export interface DigestPeriod {
  kind: DigestKind;
  start: string;
  end: string;
  key: string;
}

/**
 * How long after its period ends a digest is still posted: a bot that was down over the boundary catches
 * up when it comes back, but one turned on mid-month does not post a month that ended weeks ago.
 */
export const DIGEST_GRACE_MS = 2 * 86_400_000;

const DAY_MS = 86_400_000;

/** The UTC midnight that starts the week (Monday) holding `at`. */
function weekStart(at: number): number {
  const midnight = Math.floor(at / DAY_MS) * DAY_MS;
  const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return midnight - daysSinceMonday * DAY_MS;
}

/** The first of the UTC month holding `at`, 00:00. */
function monthStart(at: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextMonthStart(at: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * When the digest task next runs: the earlier of the next Monday 00:00 UTC (weekly) and the next 1st
 * 00:00 UTC (monthly), strictly after `now`; undefined when neither digest is wanted.
 */
export function nextDigestBoundary(now: string, kinds: DigestKinds): string | undefined {
  const at = Date.parse(now);
  const boundaries: number[] = [];
  if (kinds.weekly) boundaries.push(weekStart(at) + 7 * DAY_MS);
  if (kinds.monthly) boundaries.push(nextMonthStart(at));
  return boundaries.length === 0 ? undefined : iso(Math.min(...boundaries));
}

/**
 * The periods whose digest is due at `now`: the week and the month that ended last, each only within
 * DIGEST_GRACE_MS of its end. A Monday that is the 1st ends both.
 */
export function endedPeriods(now: string, kinds: DigestKinds): DigestPeriod[] {
  const at = Date.parse(now);
  const periods: DigestPeriod[] = [];
  if (kinds.weekly) {
    const end = weekStart(at);
    const start = end - 7 * DAY_MS;
    periods.push({
      kind: 'weekly',
      start: iso(start),
      end: iso(end),
      key: `weekly#${iso(start).slice(0, 10)}`,
    });
  }
  if (kinds.monthly) {
    const end = monthStart(at);
    const start = monthStart(end - 1);
    periods.push({
      kind: 'monthly',
      start: iso(start),
      end: iso(end),
      key: `monthly#${billingMonth(iso(start))}`,
    });
  }
  return periods.filter((period) => at - Date.parse(period.end) < DIGEST_GRACE_MS);
}

/** The UTC months (`YYYY-MM`) a period touches, oldest first: a week may span two. */
export function monthsOf(period: DigestPeriod): string[] {
  const first = billingMonth(period.start);
  const last = billingMonth(iso(Date.parse(period.end) - 1));
  return first === last ? [first] : [first, last];
}

/** What a digest says of its period. */
export interface DigestFigures {
  period: DigestPeriod;
  paths: number;
  externalPaths: number;
  /** what the period's paths added to the bill, after the free allowance of their month */
  costUsd: number;
  /** monthly only: the month's paths against the free allowance */
  freeAllowance?: { used: number; free: number };
  byDistribution: Array<{ distributionId: string; paths: number }>;
  byRequester: RequesterUsage[];
  denied: string[];
  expired: string[];
  completed: number;
  /** median time from request to completion among requests completed in the period */
  medianCompletionMs?: number;
  /** what the cheaper forms chosen spared, among requests submitted in the period; absent when none were */
  savings?: { requests: number; paths: number; usd: number };
}

/**
 * The digest's figures. `rows` are the usage rows of every month the period touches (as the viewer may
 * see them), so a week's cost counts the free allowance its month had left; `requests` may hold more than
 * the period: only outcomes (denial, expiry, completion) inside it count.
 */
export function digestFigures(
  period: DigestPeriod,
  rows: readonly UsageRow[],
  requests: readonly InvalidationRequest[],
  pricing: Pricing,
  accounts?: UsageAccounts,
): DigestFigures {
  const inside = (time: string) => time >= period.start && time < period.end;
  const periodRows = rows.filter((row) => inside(row.submittedAt));
  const summary = summariseUsage(billingMonth(period.start), periodRows, pricing, period.end);
  const completions = requests.flatMap((request) =>
    request.status === 'completed' && inside(request.completedAt)
      ? [Date.parse(request.completedAt) - Date.parse(request.createdAt)]
      : [],
  );
  const figures: DigestFigures = {
    period,
    paths: summary.paths,
    externalPaths: summary.externalPaths,
    costUsd: periodCost(period, rows, pricing, accounts),
    byDistribution: summary.byDistribution,
    byRequester: summary.byRequester,
    denied: idsWhere(requests, (r) => r.status === 'denied' && inside(r.decision.at)),
    expired: idsWhere(requests, (r) => r.status === 'expired' && inside(r.expiredAt)),
    completed: completions.length,
  };
  const middle = median(completions);
  if (middle !== undefined) figures.medianCompletionMs = middle;
  const saved = requests.filter((r) => r.savings && 'submittedAt' in r && inside(r.submittedAt));
  if (saved.length > 0) {
    const sum = (pick: (savings: { paths: number; usd: number }) => number) =>
      saved.reduce((total, r) => total + (r.savings ? pick(r.savings) : 0), 0);
    figures.savings = {
      requests: saved.length,
      paths: sum((s) => s.paths),
      usd: Math.round(sum((s) => s.usd) * 1000) / 1000,
    };
  }
  // Each AWS account has the monthly allowance of its own (core/accounts.ts).
  const allowances = Math.max(1, accounts?.configured.length ?? 1);
  if (period.kind === 'monthly')
    figures.freeAllowance = { used: summary.paths, free: pricing.freePathsPerMonth * allowances };
  return figures;
}

/**
 * The period's share of the bill: per month it touches, the month's cost up to the period's end less its
 * cost before the period's start (the free allowance is monthly, so a week's first paths may be free).
 */
function periodCost(
  period: DigestPeriod,
  rows: readonly UsageRow[],
  pricing: Pricing,
  accounts?: UsageAccounts,
): number {
  // Each AWS account's month is billed on its own, past its own free allowance.
  const byAccount = new Map<string, UsageRow[]>();
  for (const row of rows) {
    const account = accounts ? accounts.accountOf(row) : '';
    byAccount.set(account, [...(byAccount.get(account) ?? []), row]);
  }
  let cost = 0;
  for (const ofAccount of byAccount.values()) {
    for (const month of monthsOf(period)) {
      const ofMonth = ofAccount.filter((row) => billingMonth(row.submittedAt) === month);
      const before = pathsOf(ofMonth.filter((row) => row.submittedAt < period.start));
      const through = pathsOf(ofMonth.filter((row) => row.submittedAt < period.end));
      cost += monthCost(through, pricing) - monthCost(before, pricing);
    }
  }
  return Math.round(cost * 1000) / 1000;
}

function pathsOf(rows: readonly UsageRow[]): number {
  return rows.reduce((total, row) => total + row.paths, 0);
}

function idsWhere(
  requests: readonly InvalidationRequest[],
  test: (request: InvalidationRequest) => boolean,
): string[] {
  return requests
    .filter(test)
    .map((request) => request.id)
    .sort();
}

/** The middle value, or the mean of the two middle ones; undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  const upper = sorted[half] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[half - 1] ?? 0) + upper) / 2;
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "Week of 30 Nov – 6 Dec 2026" or "November 2026". */
export function periodLabel(period: DigestPeriod): string {
  const start = new Date(period.start);
  if (period.kind === 'monthly') return `${MONTH_NAMES[start.getUTCMonth()]} ${start.getUTCFullYear()}`;
  const last = new Date(Date.parse(period.end) - DAY_MS);
  const day = (date: Date) => `${date.getUTCDate()} ${MONTH_NAMES[date.getUTCMonth()]?.slice(0, 3)}`;
  const startYear = start.getUTCFullYear() === last.getUTCFullYear() ? '' : ` ${start.getUTCFullYear()}`;
  return `Week of ${day(start)}${startYear} – ${day(last)} ${last.getUTCFullYear()}`;
}

import type { BudgetCrossing } from './budgets.js';

/**
 * CloudFront invalidation pricing: the first `freePathsPerMonth` paths each month are free per AWS account,
 * then each path costs `pricePerPathUsd`. A wildcard or a cache tag counts as one path, and a path is billed
 * every time it is requested. https://aws.amazon.com/cloudfront/pricing/
 */
export interface Pricing {
  freePathsPerMonth: number;
  pricePerPathUsd: number;
}

export interface CostPreview {
  /** paths in this request (each wildcard or tag counts once) */
  paths: number;
  /** paths of this month reserved before this request (submitted, or held by requests still open) */
  usedBefore: number;
  /** the free allowance per month */
  freePerMonth: number;
  /** free paths left before this request */
  freeRemaining: number;
  /** paths of this request past the free allowance */
  billable: number;
  /** USD this request adds to the bill */
  costUsd: number;
  /** the configured monthly budget in paths, if any */
  budgetPaths?: number;
  /**
   * the budgets this request's reservation took past 50% or 80%: its thread says so (core/budgets.ts).
   * At most eight small entries (two thresholds of four figures), about 1 KB: within the item's
   * ROOM_FOR_LATER_FIELDS (request-size.ts), as are the budget fields of an `over_budget` rule.
   */
  crossings?: BudgetCrossing[];
}

/** At this share of the monthly budget the card warns. */
export const BUDGET_WARNING_FRACTION = 0.8;

export function previewCost(
  paths: number,
  usedBefore: number,
  pricing: Pricing,
  budgetPaths?: number,
): CostPreview {
  const freeRemaining = Math.max(0, pricing.freePathsPerMonth - usedBefore);
  const billable = Math.max(0, paths - freeRemaining);
  const costUsd = usd(billable * pricing.pricePerPathUsd);
  const preview = {
    paths,
    usedBefore,
    freePerMonth: pricing.freePathsPerMonth,
    freeRemaining,
    billable,
    costUsd,
  };
  return budgetPaths === undefined ? preview : { ...preview, budgetPaths };
}

/** The share of the monthly budget used once this request is submitted; undefined without a budget. */
export function budgetShare(cost: CostPreview): number | undefined {
  if (cost.budgetPaths === undefined || cost.budgetPaths === 0) return undefined;
  return (cost.usedBefore + cost.paths) / cost.budgetPaths;
}

export function monthCost(usedPaths: number, pricing: Pricing): number {
  return usd(Math.max(0, usedPaths - pricing.freePathsPerMonth) * pricing.pricePerPathUsd);
}

/** Rounds to whole tenths of a cent, so 3 × 0.005 is 0.015 and not 0.015000000000000001. */
function usd(amount: number): number {
  return Math.round(amount * 1000) / 1000;
}

/**
 * Money as every surface shows it (the card, `usage`, Home, the exports' text): whole cents, rounded half
 * up, with thousands separators ("$1,234.57"; $0.015 is "$0.02"). Amounts are kept in tenths of a cent
 * (`usd`), so they are rounded to those first: 0.015 is 15 tenths, not 14.999….
 */
export function formatUsd(amount: number): string {
  const dollars = wholeCents(amount).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return `$${dollars}`;
}

/** An amount in whole cents, rounded half up as `formatUsd` writes it: the exports' money columns. */
export function wholeCents(amount: number): number {
  return Math.round(Math.round(amount * 1000) / 10) / 100;
}

/** The UTC calendar month AWS bills by, as `YYYY-MM`. */
export function billingMonth(isoTime: string): string {
  return isoTime.slice(0, 7);
}

import { monthCost, type Pricing } from './cost.js';

/**
 * Monthly budgets: the whole account's (`budget` at the top level) and each distribution's own
 * (`distributions.<alias>.budget`). Pure arithmetic; the counters that hold the figures are a port.
 */

/** A budget as configured: paths, USD or both (the stricter applies), and what happens past it. */
export interface Budget {
  monthlyUsd?: number;
  monthlyPaths?: number;
  onExceed: 'approval' | 'refuse';
}

/** The shares of a budget at which the request's thread says how far the month has gone. */
export const BUDGET_THRESHOLDS = [0.5, 0.8] as const;
export type BudgetThreshold = (typeof BUDGET_THRESHOLDS)[number];

/** Which budget, and which of its figures: the account's or a distribution's (by alias); paths or USD. */
export interface BudgetFigure {
  /** the distribution's alias; absent for the whole account */
  distribution?: string;
  unit: 'paths' | 'usd';
}

/** A request that would take a budget past its limit, with the figures its refusal or rule shows. */
export interface BudgetOverrun extends BudgetFigure {
  onExceed: Budget['onExceed'];
  /** in the budget's unit (USD as dollars): the month before this request, after it, and the limit */
  usedBefore: number;
  usedAfter: number;
  limit: number;
  /** the paths behind a USD figure of the account (used before this request, and where the limit falls) */
  paths?: { used: number; limit: number };
}

/**
 * The account's budget as a number of paths in the month counter. `monthlyUsd` is where the month's
 * cost passes it: the free allowance plus what the amount buys. With both figures the stricter applies;
 * `unit` says which one that is. Undefined when nothing limits (a USD budget with a price of 0).
 */
export function accountPathLimit(
  budget: Budget | undefined,
  pricing: Pricing,
): { paths: number; unit: 'paths' | 'usd' } | undefined {
  if (budget === undefined) return undefined;
  const byUsd =
    budget.monthlyUsd === undefined || pricing.pricePerPathUsd <= 0
      ? undefined
      : pricing.freePathsPerMonth + pathsBought(budget.monthlyUsd, pricing.pricePerPathUsd);
  if (byUsd !== undefined && (budget.monthlyPaths === undefined || byUsd < budget.monthlyPaths))
    return { paths: byUsd, unit: 'usd' };
  return budget.monthlyPaths === undefined ? undefined : { paths: budget.monthlyPaths, unit: 'paths' };
}

/**
 * Whole paths `usd` pays for. Division of decimal amounts in floating point falls just short of whole
 * numbers ($0.57 / $0.005 is 113.99999999999999): a tolerance far below one path keeps it 114. (Tenths of
 * a cent would not do: a price may be finer, $0.0045.)
 */
function pathsBought(usd: number, pricePerPathUsd: number): number {
  return Math.floor(usd / pricePerPathUsd + 1e-9);
}

/** USD in integer tenths of a cent, the unit of the distributions' money counters ($0.015 is 15). */
export function usdTenths(usd: number): number {
  return Math.round(usd * 1000);
}

/** Tenths of a cent back to USD. */
export function usdOfTenths(tenths: number): number {
  return tenths / 1000;
}

/** The overrun of the account's budget by a request placed after `usedBefore` paths of the month. */
export function accountOverrun(
  budget: Budget,
  limit: { paths: number; unit: 'paths' | 'usd' },
  usedBefore: number,
  paths: number,
  pricing: Pricing,
): BudgetOverrun {
  const usedAfter = usedBefore + paths;
  if (limit.unit === 'paths')
    return { unit: 'paths', onExceed: budget.onExceed, usedBefore, usedAfter, limit: limit.paths };
  return {
    unit: 'usd',
    onExceed: budget.onExceed,
    usedBefore: monthCost(usedBefore, pricing),
    usedAfter: monthCost(usedAfter, pricing),
    limit: budget.monthlyUsd ?? monthCost(limit.paths, pricing),
    paths: { used: usedBefore, limit: limit.paths },
  };
}

/** The `over_budget` approval rule of an overrun; the account's paths budget keeps its original shape. */
export function overBudgetRule(overrun: BudgetOverrun): OverBudgetRule {
  return {
    rule: 'over_budget',
    usedAfter: overrun.usedAfter,
    budget: overrun.limit,
    ...(overrun.distribution === undefined ? {} : { distribution: overrun.distribution }),
    ...(overrun.unit === 'usd' ? { unit: 'usd' as const } : {}),
  };
}

/**
 * The approval rule of a budget past which a person decides. `usedAfter` and `budget` are paths, or USD
 * when `unit` is `usd`; `distribution` names a distribution's own budget (absent: the account's).
 */
export interface OverBudgetRule {
  rule: 'over_budget';
  usedAfter: number;
  budget: number;
  distribution?: string;
  unit?: 'usd';
}

/** The shares of `limit` a reservation from `usedBefore` to `usedAfter` reached (before < share ≤ after). */
export function crossedThresholds(usedBefore: number, usedAfter: number, limit: number): BudgetThreshold[] {
  if (limit <= 0) return [];
  return BUDGET_THRESHOLDS.filter((share) => {
    const at = share * limit;
    return usedBefore < at && at <= usedAfter;
  });
}

/**
 * A request's reservation took a budget's figure across a threshold: its thread says so once (the first
 * request to cross it in the month; a marker keeps others from repeating it). `usedAfter` and `limit` are
 * in the figure's unit, USD as dollars.
 */
export interface BudgetCrossing extends BudgetFigure {
  threshold: BudgetThreshold;
  usedAfter: number;
  limit: number;
}

/** The crossings of one figure from `before` to `after` against `limit`, all in one integer unit. */
export function crossingsOf(
  figure: BudgetFigure,
  before: number,
  after: number,
  limit: number,
  toUnit: (value: number) => number = (value) => value,
): BudgetCrossing[] {
  return crossedThresholds(before, after, limit).map((threshold) => ({
    ...figure,
    threshold,
    usedAfter: toUnit(after),
    limit: toUnit(limit),
  }));
}

/** The marker that lets one thread warning per budget figure, threshold and month be posted. */
export function budgetWarningKey(crossing: BudgetCrossing, month: string): string {
  const whose = crossing.distribution ?? '*account*';
  return `budget-warning#${whose}#${crossing.unit}#${month}#${Math.round(crossing.threshold * 100)}`;
}

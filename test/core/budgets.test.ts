import { describe, expect, it } from 'vitest';
import {
  accountOverrun,
  accountPathLimit,
  type Budget,
  budgetWarningKey,
  crossedThresholds,
  crossingsOf,
  overBudgetRule,
  usdTenths,
} from '../../src/core/budgets.js';

const pricing = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };
const budget = (figures: Omit<Budget, 'onExceed'>): Budget => ({ ...figures, onExceed: 'approval' });

describe("the account's budget as paths of the month", () => {
  it.each([
    ['paths alone', { monthlyPaths: 5000 }, { paths: 5000, unit: 'paths' }],
    ['USD: the free allowance plus what it buys', { monthlyUsd: 12 }, { paths: 3400, unit: 'usd' }],
    [
      'USD in tenths of a cent, not floats ($0.57 buys 114)',
      { monthlyUsd: 0.57 },
      { paths: 1114, unit: 'usd' },
    ],
    ['both, USD stricter', { monthlyUsd: 1, monthlyPaths: 5000 }, { paths: 1200, unit: 'usd' }],
    ['both, paths stricter', { monthlyUsd: 100, monthlyPaths: 5000 }, { paths: 5000, unit: 'paths' }],
  ])('%s', (_name, figures, expected) => {
    expect(accountPathLimit(budget(figures), pricing)).toEqual(expected);
  });

  it('has no limit in USD when paths cost nothing, and none without a budget', () => {
    expect(accountPathLimit(budget({ monthlyUsd: 5 }), { ...pricing, pricePerPathUsd: 0 })).toBeUndefined();
    expect(accountPathLimit(undefined, pricing)).toBeUndefined();
  });

  it('words an overrun of a USD budget in USD, with the paths behind it', () => {
    const limit = { paths: 3400, unit: 'usd' as const };
    // $12.00 buys 2,400 paths past the free 1,000: 3,390 used, 20 more would pass it.
    const overrun = accountOverrun({ monthlyUsd: 12, onExceed: 'refuse' }, limit, 3390, 20, pricing);
    expect(overrun).toEqual({
      unit: 'usd',
      onExceed: 'refuse',
      usedBefore: 11.95,
      usedAfter: 12.05,
      limit: 12,
      paths: { used: 3390, limit: 3400 },
    });
    expect(overBudgetRule(overrun)).toEqual({
      rule: 'over_budget',
      usedAfter: 12.05,
      budget: 12,
      unit: 'usd',
    });
  });

  it("keeps the rule of the account's paths budget as it always was", () => {
    const overrun = accountOverrun(
      budget({ monthlyPaths: 10 }),
      { paths: 10, unit: 'paths' },
      10,
      1,
      pricing,
    );
    expect(overBudgetRule(overrun)).toEqual({ rule: 'over_budget', usedAfter: 11, budget: 10 });
  });
});

describe('crossing 50% and 80% of a budget', () => {
  it.each([
    [0, 49, 100, []],
    [0, 50, 100, [0.5]],
    [49, 50, 100, [0.5]],
    [50, 79, 100, []],
    [50, 80, 100, [0.8]],
    [10, 95, 100, [0.5, 0.8]],
    [80, 120, 100, []],
    [0, 5, 0, []],
  ])('from %i to %i of %i crosses %j', (before, after, limit, expected) => {
    expect(crossedThresholds(before, after, limit)).toEqual(expected);
  });

  it('reports crossings of USD figures in dollars, counted in tenths of a cent', () => {
    const crossings = crossingsOf(
      { distribution: 'web', unit: 'usd' },
      usdTenths(5.995),
      usdTenths(6.005),
      usdTenths(12),
      (tenths) => tenths / 1000,
    );
    expect(crossings).toEqual([
      { distribution: 'web', unit: 'usd', threshold: 0.5, usedAfter: 6.005, limit: 12 },
    ]);
  });

  it('keys one warning per budget figure, threshold and month', () => {
    const crossing = { unit: 'paths' as const, threshold: 0.8 as const, usedAfter: 80, limit: 100 };
    expect(budgetWarningKey(crossing, '2026-12')).toBe('budget-warning#*account*#paths#2026-12#80');
    expect(budgetWarningKey({ ...crossing, distribution: 'web' }, '2026-12')).toBe(
      'budget-warning#web#paths#2026-12#80',
    );
  });
});

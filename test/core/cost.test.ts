import { describe, expect, it } from 'vitest';
import {
  billingMonth,
  budgetShare,
  type CostPreview,
  formatUsd,
  monthCost,
  type Pricing,
  previewCost,
  wholeCents,
} from '../../src/core/cost.js';

const AWS: Pricing = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };

describe('previewCost', () => {
  it.each<[string, number, number, Pricing, Omit<CostPreview, 'paths' | 'usedBefore' | 'freePerMonth'>]>([
    ['is free at the start of the month', 12, 0, AWS, { freeRemaining: 1000, billable: 0, costUsd: 0 }],
    [
      'is free while the allowance covers every path',
      12,
      988,
      AWS,
      { freeRemaining: 12, billable: 0, costUsd: 0 },
    ],
    [
      'bills only the paths past the allowance',
      12,
      990,
      AWS,
      { freeRemaining: 10, billable: 2, costUsd: 0.01 },
    ],
    [
      'bills every path once the allowance is used up',
      3,
      1000,
      AWS,
      { freeRemaining: 0, billable: 3, costUsd: 0.015 },
    ],
    [
      'bills every path well past the allowance',
      3000,
      5000,
      AWS,
      { freeRemaining: 0, billable: 3000, costUsd: 15 },
    ],
    [
      'bills every path when nothing is free',
      4,
      0,
      { freePathsPerMonth: 0, pricePerPathUsd: 0.005 },
      { freeRemaining: 0, billable: 4, costUsd: 0.02 },
    ],
    [
      'costs nothing at a zero price',
      50,
      2000,
      { freePathsPerMonth: 1000, pricePerPathUsd: 0 },
      { freeRemaining: 0, billable: 50, costUsd: 0 },
    ],
    ['costs nothing for no paths', 0, 1000, AWS, { freeRemaining: 0, billable: 0, costUsd: 0 }],
  ])('%s', (_, paths, usedBefore, pricing, expected) => {
    expect(previewCost(paths, usedBefore, pricing)).toEqual({
      paths,
      usedBefore,
      freePerMonth: pricing.freePathsPerMonth,
      ...expected,
    });
  });

  it('rounds to tenths of a cent instead of showing floating-point noise', () => {
    expect(previewCost(3, 1000, AWS).costUsd).toBe(0.015);
    expect(previewCost(7, 1000, { freePathsPerMonth: 0, pricePerPathUsd: 0.1 }).costUsd).toBe(0.7);
  });
});

describe('monthCost', () => {
  it.each([
    ['nothing for an unused month', 0, 0],
    ['nothing within the allowance', 999, 0],
    ['nothing at exactly the allowance', 1000, 0],
    ['half a cent for the first path past the allowance', 1001, 0.005],
    ['the price of every path past the allowance', 1200, 1],
    ['tenths of a cent without floating-point noise', 1003, 0.015],
  ])('charges %s', (_, usedPaths, cost) => {
    expect(monthCost(usedPaths, AWS)).toBe(cost);
  });
});

describe('formatUsd', () => {
  it.each([
    [0.01, '$0.01'],
    [0.015, '$0.02'],
    [0.005, '$0.01'],
    [0.004, '$0.00'],
    [0.125, '$0.13'],
    [1.005, '$1.01'],
    [0, '$0.00'],
    [12.5, '$12.50'],
    [1, '$1.00'],
    [1234.565, '$1,234.57'],
    [1e-7, '$0.00'],
  ])('writes %d as %s: whole cents, rounded half up', (amount, text) => {
    expect(formatUsd(amount)).toBe(text);
    // The exports' money column holds the same amount, as a number.
    expect(wholeCents(amount)).toBe(Number(text.replace(/[$,]/g, '')));
  });
});

describe('billingMonth', () => {
  it.each([
    ['2026-11-30T23:59:59.999Z', '2026-11'],
    ['2026-12-01T00:00:00.000Z', '2026-12'],
    ['2026-12-31T23:59:59.999Z', '2026-12'],
    ['2027-01-01T00:00:00.000Z', '2027-01'],
  ])('puts %s in the UTC month %s', (time, month) => {
    expect(billingMonth(time)).toBe(month);
  });
});

describe('previewCost with a budget', () => {
  it('carries the monthly budget so the card and the policy can use it', () => {
    const preview = previewCost(10, 3990, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }, 5000);
    expect(preview.budgetPaths).toBe(5000);
    expect(budgetShare(preview)).toBe(0.8);
  });

  it('has no budget share without a budget', () => {
    expect(
      budgetShare(previewCost(10, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 })),
    ).toBeUndefined();
  });
});

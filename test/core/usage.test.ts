import { describe, expect, it } from 'vitest';
import { billingMonth } from '../../src/core/cost.js';
import {
  isBotReference,
  monthElapsedFraction,
  monthsBefore,
  summariseUsage,
  textBar,
  type UsageRow,
} from '../../src/core/usage.js';

const PRICING = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };

const row = (over: Partial<UsageRow>): UsageRow => ({
  id: 'INV-0000000001',
  paths: 1,
  distributionId: 'EWEB',
  requester: 'U1',
  external: false,
  submittedAt: '2026-11-10T10:00:00.000Z',
  ...over,
});

describe('summariseUsage', () => {
  it('sums every row, external ones too, and prices what is past the free allowance', () => {
    const rows = [
      row({ paths: 900 }),
      row({ paths: 150, distributionId: 'EDOCS', requester: 'U2' }),
      row({ paths: 50, external: true, requester: undefined }),
    ];
    const summary = summariseUsage('2026-11', rows, PRICING, '2026-12-05T00:00:00.000Z');
    expect(summary).toMatchObject({ paths: 1100, externalPaths: 50, freeRemaining: 0, costUsd: 0.5 });
    expect(summary.byDistribution).toEqual([
      { distributionId: 'EWEB', paths: 950 },
      { distributionId: 'EDOCS', paths: 150 },
    ]);
    expect(summary.byRequester).toEqual([
      { requester: 'U1', paths: 900 },
      { requester: 'U2', paths: 150 },
    ]);
    // A past month is projected as what it was.
    expect(summary.projectedPaths).toBe(1100);
  });

  it('projects the month from its elapsed share', () => {
    const summary = summariseUsage('2026-11', [row({ paths: 1500 })], PRICING, '2026-11-16T00:00:00.000Z');
    expect(summary.projectedPaths).toBe(3000);
    expect(summary.projectedUsd).toBe(10);
  });
});

describe('month boundaries (UTC, as AWS bills)', () => {
  it.each([
    ['2026-11-30T23:59:59.999Z', '2026-11'],
    ['2026-12-01T00:00:00.000Z', '2026-12'],
    ['2026-12-31T23:59:59.999Z', '2026-12'],
    ['2027-01-01T00:00:00.000Z', '2027-01'],
  ])('bills a path submitted at %s to %s', (at, month) => {
    expect(billingMonth(at)).toBe(month);
  });

  it.each([
    ['2026-11-01T00:00:00.000Z', 1 / 30],
    ['2026-11-16T00:00:00.000Z', 0.5],
    ['2026-12-01T00:00:00.000Z', 1],
  ])('counts the elapsed share of November at %s', (now, share) => {
    expect(monthElapsedFraction('2026-11', now)).toBeCloseTo(share, 5);
  });

  it('lists the months before, across a new year', () => {
    expect(monthsBefore('2026-02', 3)).toEqual(['2026-01', '2025-12', '2025-11']);
  });
});

describe('textBar', () => {
  it.each([
    [0, '▁▁▁▁▁▁▁▁▁▁ 0%'],
    [0.62, '▇▇▇▇▇▇▁▁▁▁ 62%'],
    [1, '▇▇▇▇▇▇▇▇▇▇ 100%'],
    [1.3, '▇▇▇▇▇▇▇▇▇▇ 130%'],
  ])('draws %d as %s', (fraction, bar) => {
    expect(textBar(fraction)).toBe(bar);
  });
});

describe('isBotReference', () => {
  it.each([
    ['INV-7K2M9QX4PA', true],
    ['INV-7K2M9QX4PA-2', true],
    ['deploy-2026-11-30', false],
    ['INV-short', false],
    ['', false],
  ])('tells whether %s is one of the bot’s CallerReferences (%s)', (reference, ours) => {
    expect(isBotReference(reference)).toBe(ours);
  });
});

import { describe, expect, it } from 'vitest';
import { previewCost } from '../../src/core/cost.js';
import {
  type DigestPeriod,
  digestFigures,
  endedPeriods,
  median,
  monthsOf,
  nextDigestBoundary,
  periodLabel,
} from '../../src/core/digest.js';
import { createRequest, type InvalidationRequest } from '../../src/core/request.js';
import type { UsageRow } from '../../src/core/usage.js';

const BOTH = { weekly: true, monthly: true };
const MONTHLY = { weekly: false, monthly: true };
const PRICING = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };

/** A request created at `createdAt`, in whatever state `status` builds from it. */
function request(id: string, createdAt: string, end: (base: InvalidationRequest) => InvalidationRequest) {
  const { request: made } = createRequest({
    id,
    distribution: { alias: 'web', id: 'EWEB' },
    paths: ['/index.html'],
    requester: 'U1',
    channel: 'C1',
    createdAt,
    approval: { required: false, rules: [], approvers: { users: [] }, selfApproval: false },
    cost: previewCost(1, 0, PRICING),
  });
  return end(made);
}

const decision = (outcome: 'approved' | 'denied', at: string) => ({ outcome, by: 'U2', at });

function completed(id: string, createdAt: string, completedAt: string): InvalidationRequest {
  return request(id, createdAt, (base) => ({
    ...base,
    status: 'completed',
    decision: decision('approved', createdAt),
    batches: [],
    submittedAt: createdAt,
    completedAt,
  }));
}

function denied(id: string, at: string): InvalidationRequest {
  return request(id, at, (base) => ({ ...base, status: 'denied', decision: decision('denied', at) }));
}

function expired(id: string, at: string): InvalidationRequest {
  return request(id, at, (base) => ({
    ...base,
    status: 'expired',
    card: { channel: 'C1', ts: '1.1' },
    expiredAt: at,
  }));
}

const row = (over: Partial<UsageRow>): UsageRow => ({
  id: 'INV-0000000001',
  paths: 1,
  distributionId: 'EWEB',
  requester: 'U1',
  external: false,
  submittedAt: '2026-12-01T10:00:00.000Z',
  ...over,
});

const WEEK: DigestPeriod = {
  kind: 'weekly',
  start: '2026-11-30T00:00:00.000Z',
  end: '2026-12-07T00:00:00.000Z',
  key: 'weekly#2026-11-30',
};

describe('nextDigestBoundary', () => {
  it.each([
    ['mid-week goes to the next Monday', '2026-12-02T12:00:00.000Z', BOTH, '2026-12-07T00:00:00.000Z'],
    ['on a Monday boundary goes a week on', '2026-12-07T00:00:00.000Z', BOTH, '2026-12-14T00:00:00.000Z'],
    ['the 1st comes before the Monday', '2026-12-29T09:00:00.000Z', BOTH, '2027-01-01T00:00:00.000Z'],
    [
      'monthly only skips Mondays',
      '2026-12-02T12:00:00.000Z',
      { weekly: false, monthly: true },
      '2027-01-01T00:00:00.000Z',
    ],
    [
      'over the year end',
      '2026-12-31T23:59:59.999Z',
      { weekly: false, monthly: true },
      '2027-01-01T00:00:00.000Z',
    ],
    ['a Sunday night goes to the next day', '2026-12-06T23:59:59.000Z', BOTH, '2026-12-07T00:00:00.000Z'],
  ])('%s', (_, now, kinds, next) => {
    expect(nextDigestBoundary(now, kinds)).toBe(next);
  });

  it('is undefined when no digest is wanted', () => {
    expect(nextDigestBoundary('2026-12-02T12:00:00.000Z', { weekly: false, monthly: false })).toBeUndefined();
  });
});

describe('endedPeriods', () => {
  it('on a Monday is the week that just ended', () => {
    expect(endedPeriods('2026-12-07T00:00:00.000Z', BOTH)).toEqual([WEEK]);
  });

  it('on the 1st is the month that just ended (and the week that ended yesterday, still in its grace)', () => {
    expect(endedPeriods('2026-12-01T00:00:05.000Z', BOTH)).toEqual([
      {
        kind: 'weekly',
        start: '2026-11-23T00:00:00.000Z',
        end: '2026-11-30T00:00:00.000Z',
        key: 'weekly#2026-11-23',
      },
      {
        kind: 'monthly',
        start: '2026-11-01T00:00:00.000Z',
        end: '2026-12-01T00:00:00.000Z',
        key: 'monthly#2026-11',
      },
    ]);
  });

  it('on a Monday that is the 1st is both, December included at the year end', () => {
    // 1 February 2027 is a Monday.
    expect(endedPeriods('2027-02-01T00:00:00.000Z', BOTH).map((p) => p.key)).toEqual([
      'weekly#2027-01-25',
      'monthly#2027-01',
    ]);
    expect(endedPeriods('2027-01-01T00:00:00.000Z', MONTHLY).map((p) => p.key)).toEqual(['monthly#2026-12']);
  });

  it('still posts a day late, not a week late', () => {
    expect(endedPeriods('2026-12-08T06:00:00.000Z', BOTH).map((p) => p.key)).toEqual(['weekly#2026-11-30']);
    expect(endedPeriods('2026-12-10T06:00:00.000Z', BOTH)).toEqual([]);
  });

  it('leaves out a period turned off', () => {
    expect(
      endedPeriods('2027-02-01T00:00:00.000Z', { weekly: false, monthly: true }).map((p) => p.key),
    ).toEqual(['monthly#2027-01']);
  });
});

describe('periodLabel and monthsOf', () => {
  it('names a week across two months, and a month', () => {
    expect(periodLabel(WEEK)).toBe('Week of 30 Nov – 6 Dec 2026');
    expect(monthsOf(WEEK)).toEqual(['2026-11', '2026-12']);
    const [month] = endedPeriods('2026-12-01T00:00:00.000Z', MONTHLY);
    expect(month && periodLabel(month)).toBe('November 2026');
    expect(month && monthsOf(month)).toEqual(['2026-11']);
  });

  it('names a week across the year end with both years', () => {
    const [week] = endedPeriods('2027-01-04T00:00:00.000Z', { weekly: true, monthly: false });
    expect(week && periodLabel(week)).toBe('Week of 28 Dec 2026 – 3 Jan 2027');
  });
});

describe('median', () => {
  it.each([
    [[], undefined],
    [[5], 5],
    [[9, 1, 5], 5],
    [[4, 1, 3, 2], 2.5],
  ])('of %j is %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('digestFigures', () => {
  it('counts only the period: its paths, outcomes and completion times', () => {
    const rows = [
      row({ paths: 10, submittedAt: '2026-11-29T23:59:59.000Z' }),
      row({ paths: 20, submittedAt: '2026-11-30T00:00:00.000Z', requester: 'pipeline:web-deploy' }),
      row({ paths: 5, submittedAt: '2026-12-06T23:59:59.000Z', distributionId: 'EDOCS' }),
      row({ paths: 7, submittedAt: '2026-12-07T00:00:00.000Z' }),
    ];
    const requests = [
      completed('INV-A', '2026-12-01T10:00:00.000Z', '2026-12-01T10:01:00.000Z'),
      completed('INV-B', '2026-12-02T10:00:00.000Z', '2026-12-02T10:03:00.000Z'),
      completed('INV-C', '2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00.000Z'),
      denied('INV-D', '2026-12-03T10:00:00.000Z'),
      denied('INV-E', '2026-12-08T10:00:00.000Z'),
      expired('INV-F', '2026-12-04T10:00:00.000Z'),
    ];
    const figures = digestFigures(WEEK, rows, requests, PRICING);
    expect(figures).toMatchObject({ paths: 25, completed: 2, denied: ['INV-D'], expired: ['INV-F'] });
    expect(figures.medianCompletionMs).toBe(120_000);
    expect(figures.byDistribution).toEqual([
      { distributionId: 'EWEB', paths: 20 },
      { distributionId: 'EDOCS', paths: 5 },
    ]);
    expect(figures.byRequester[0]).toEqual({ requester: 'pipeline:web-deploy', paths: 20 });
    expect(figures.freeAllowance).toBeUndefined();
  });

  it("prices a week by what its month's free allowance had left", () => {
    const rows = [
      row({ paths: 995, submittedAt: '2026-12-01T00:00:00.000Z' }),
      row({ paths: 10, submittedAt: '2026-12-08T00:00:00.000Z' }),
      row({ paths: 10, submittedAt: '2026-12-20T00:00:00.000Z' }),
    ];
    const week: DigestPeriod = {
      ...WEEK,
      start: '2026-12-07T00:00:00.000Z',
      end: '2026-12-14T00:00:00.000Z',
    };
    // 995 free paths were used before the week: 5 of its 10 are free, 5 billed.
    expect(digestFigures(week, rows, [], PRICING).costUsd).toBe(0.025);
  });

  it('bills each AWS account past its own free allowance, and counts every account’s allowance in a month', () => {
    const month: DigestPeriod = {
      kind: 'monthly',
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
      key: 'monthly#2026-12',
    };
    const rows = [
      row({ id: 'INV-HOME', paths: 900, distributionId: 'EHOME' }),
      row({ id: 'INV-BLUE', paths: 900, distributionId: 'EBLUE' }),
    ];
    const accounts = {
      configured: ['home', '222222222222'],
      accountOf: (r: UsageRow) => (r.distributionId === 'EBLUE' ? '222222222222' : 'home'),
    };
    // One allowance would bill 800 paths ($4.00); each account's 900 fit its own.
    expect(digestFigures(month, rows, [], PRICING).costUsd).toBe(4);
    const figures = digestFigures(month, rows, [], PRICING, accounts);
    expect(figures.costUsd).toBe(0);
    expect(figures.freeAllowance).toEqual({ used: 1800, free: 2000 });
  });

  it('sums what the cheaper forms chosen spared, among requests submitted in the period', () => {
    const saved = (id: string, at: string, savings: { paths: number; usd: number }) => ({
      ...completed(id, at, at),
      savings,
    });
    const requests = [
      saved('INV-A', '2026-12-01T10:00:00.000Z', { paths: 239, usd: 1.195 }),
      saved('INV-B', '2026-12-03T10:00:00.000Z', { paths: 12, usd: 0.06 }),
      saved('INV-C', '2026-12-07T10:00:00.000Z', { paths: 500, usd: 2.5 }),
      completed('INV-D', '2026-12-02T10:00:00.000Z', '2026-12-02T10:01:00.000Z'),
    ];
    expect(digestFigures(WEEK, [], requests, PRICING).savings).toEqual({
      requests: 2,
      paths: 251,
      usd: 1.255,
    });
    expect(digestFigures(WEEK, [], requests.slice(3), PRICING).savings).toBeUndefined();
  });

  it('has a free allowance for a month, and nothing for an empty period', () => {
    const [month] = endedPeriods('2026-12-01T00:00:00.000Z', MONTHLY);
    if (!month) throw new Error('no month');
    const figures = digestFigures(month, [], [], PRICING);
    expect(figures).toMatchObject({ paths: 0, costUsd: 0, completed: 0, denied: [], expired: [] });
    expect(figures.freeAllowance).toEqual({ used: 0, free: 1000 });
    expect(figures.medianCompletionMs).toBeUndefined();
  });
});

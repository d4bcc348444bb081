import { describe, expect, it } from 'vitest';
import {
  hasRequesterLimits,
  monthFigures,
  monthPathsScope,
  requesterCounterLimits,
  requesterHourScope,
  requesterLimitRule,
} from '../../src/core/reservations.js';

describe('counter scopes', () => {
  it('names a month and a requester hour', () => {
    expect(monthPathsScope('2026-12')).toBe('paths#2026-12');
    expect(requesterHourScope('U0DEV', '2026-12-06T21:59:59.999Z')).toBe('requester#U0DEV#2026-12-06T21');
    expect(requesterHourScope('U0DEV', '2026-12-06T22:00:00.000Z')).toBe('requester#U0DEV#2026-12-06T22');
  });
});

describe('monthFigures', () => {
  it('places a taken reservation where it stood in line', () => {
    expect(monthFigures({ ok: true, before: { amount: 990, holders: 4 } }, 20, 1000)).toEqual({
      usedBefore: 990,
    });
  });

  it('puts a refused one over the budget after what is reserved now', () => {
    expect(monthFigures({ ok: false, current: { amount: 995, holders: 5 } }, 20, 1000)).toEqual({
      usedBefore: 995,
      overBudget: { usedAfter: 1015, budget: 1000 },
    });
  });
});

describe('requester limits', () => {
  it.each([
    [{}, false, {}],
    [{ pathsPerHour: 100 }, true, { amount: 100 }],
    [{ requestsPerHour: 10 }, true, { holders: 10 }],
    [{ pathsPerHour: 100, requestsPerHour: 10 }, true, { amount: 100, holders: 10 }],
  ])('%j are %s as counter limits %j', (limits, set, counter) => {
    expect(hasRequesterLimits(limits)).toBe(set);
    expect(requesterCounterLimits(limits)).toEqual(counter);
  });

  it('words a refused hour with this request counted in', () => {
    const limits = { requestsPerHour: 3 };
    expect(requesterLimitRule({ ok: false, current: { amount: 12, holders: 3 } }, 2, limits)).toEqual({
      rule: 'requester_limit',
      requests: 4,
      paths: 14,
      requestsPerHour: 3,
    });
    expect(requesterLimitRule({ ok: true, before: { amount: 0, holders: 0 } }, 2, limits)).toBeUndefined();
  });
});

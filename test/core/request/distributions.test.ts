import { describe, expect, it } from 'vitest';
import { cheaperForms } from '../../../src/core/cheaper.js';
import {
  batchDistribution,
  billedPaths,
  distributionIds,
  inFlightLoadOn,
  polled,
  type RequestIn,
  requestBatches,
  requestDistribution,
  submitted,
} from '../../../src/core/request.js';
import { isBotReference } from '../../../src/core/usage.js';
import { approved, as, ID, POLL, POLLED, PRICING, SUBMITTED } from './fixtures.js';

const E1 = 'E1WEBEU000001';
const E2 = 'E2WEBUS000001';
const SEVERAL = { alias: 'web', id: E1, ids: [E1, E2] };

/** An approved request of the fixtures, on both distributions. */
function onBoth(paths = ['/index.html', '/images/*']): RequestIn<'approved'> {
  return as('approved', { ...approved(), distribution: SEVERAL, paths });
}

/** Submitted with every batch made; ids I1, I2, … in order. */
function flying(request = onBoth()): RequestIn<'in_progress'> {
  const batches = requestBatches(request).map((batch, index) => ({
    ...batch,
    invalidationId: `I${index + 1}`,
  }));
  return submitted(request, batches, SUBMITTED).request;
}

describe('a request on several distributions', () => {
  it('has one batch per distribution, the first keeping the request id as its CallerReference', () => {
    const batches = requestBatches(onBoth());
    expect(batches.map((batch) => [batch.callerReference, batch.distributionId])).toEqual([
      [ID, undefined],
      [`${ID}-${E2}`, E2],
    ]);
    expect(batches.map((batch) => batchDistribution(onBoth(), batch))).toEqual([E1, E2]);
  });

  it('keeps the CallerReferences of a request on one distribution as they were', () => {
    const one = approved(Array.from({ length: 3001 }, (_, i) => `/p${i}`));
    expect(requestBatches(one).map((batch) => batch.callerReference)).toEqual([ID, `${ID}-2`]);
  });

  it('names its further distributions apart in the references the bot recognises as its own', () => {
    expect(isBotReference('INV-0123456789-E2WEBUS000001')).toBe(true);
    expect(isBotReference('INV-0123456789-E2WEBUS000001-2')).toBe(true);
    expect(isBotReference('INV-0123456789-e2')).toBe(false);
  });

  it('counts its load on each distribution apart', () => {
    const request = flying();
    const firstDone = {
      ...request,
      batches: request.batches.map((batch, i) => ({ ...batch, completed: i === 0 })),
    };
    expect(inFlightLoadOn(firstDone, E1)).toEqual({ paths: 0, wildcards: 0 });
    expect(inFlightLoadOn(firstDone, E2)).toEqual({ paths: 2, wildcards: 1 });
  });

  it('completes only once every distribution reports Completed', () => {
    const request = flying();
    const half = polled(request, new Set(['I1']), POLLED, POLL).request;
    expect(half.status).toBe('in_progress');
    const done = polled(as('in_progress', half), new Set(['I2']), POLLED, POLL).request;
    expect(done.status).toBe('completed');
  });

  it('names each distribution in the submitted event', () => {
    const request = onBoth();
    const batches = requestBatches(request).map((batch, index) => ({
      ...batch,
      invalidationId: `I${index + 1}`,
    }));
    const { event } = submitted(request, batches, SUBMITTED);
    expect(event?.details).toMatchObject({ invalidationIds: ['I1', 'I2'], distributionIds: [E1, E2] });
  });

  it('is billed for its paths once per distribution, in the cheaper forms offered too', () => {
    expect(billedPaths(onBoth())).toBe(4);
    expect(billedPaths({ distribution: { alias: 'one', id: E1 }, paths: ['/a', '/b'] })).toBe(2);
    const paths = Array.from({ length: 40 }, (_, i) => `/assets/${i}.css`);
    const cost = {
      paths: 80,
      usedBefore: 1000,
      freePerMonth: 1000,
      freeRemaining: 0,
      billable: 80,
      costUsd: 0.4,
    };
    const priced = { distribution: SEVERAL, paths, cost, approval: { rules: [] } };
    const offer = cheaperForms(priced, PRICING, {
      mode: 'never',
      rootWildcard: false,
      pastFreeAllowance: false,
    });
    // 80 paths billed become the wildcard on each distribution: 2, so 78 × $0.005 saved.
    expect(offer.wildcards[0]?.savesUsd).toBe(0.39);
  });

  it('keeps only what the request needs of its configured distribution', () => {
    const config = { alias: 'web', id: E1, ids: [E1, E2], policy: 'ignored' };
    expect(requestDistribution(config)).toEqual(SEVERAL);
    expect(distributionIds(requestDistribution({ alias: 'shop', id: E1, tenant: 'dt_1' }))).toEqual([E1]);
    expect(requestDistribution({ alias: 'shop', id: E1, tenant: 'dt_1' }).tenant).toBe('dt_1');
  });
});

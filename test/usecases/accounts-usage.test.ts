import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { PolicyConfig } from '../../src/config.js';
import { accountPathsScope, monthPathsScope } from '../../src/core/reservations.js';
import { accountMonthUsed, releaseReservation } from '../../src/usecases/reservations.js';
import { useDynalite } from '../support/dynalite.js';
import { recordingServices, recordPaths } from '../support/usecase-services.js';

const NOW = '2026-12-07T10:00:00.000Z';
const MONTH = '2026-12';
const BLUE_ACCOUNT = '222222222222';

/** web in the bot's own account, blue in 2222… through a role; 10 free paths a month in each. */
function accountsFile(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    distributions: {
      web: { id: 'EHOMEWEB00001', approval: 'never' },
      blue: {
        id: 'EBLUEWEB00001',
        approval: 'never',
        roleArn: `arn:aws:iam::${BLUE_ACCOUNT}:role/invalidator`,
      },
    },
    cost: { freePathsPerMonth: 10, pricePerPathUsd: 0.005 },
    ...extra,
  };
}

let tables = 0;

async function recorder(client: DynamoDBClient, file: Record<string, unknown>) {
  const { services } = await recordingServices(client, `accounts-usage-${++tables}`, file, NOW);
  let recorded = 0;
  const record = (alias: 'web' | 'blue', count: number) => {
    recorded += 1;
    const paths = Array.from({ length: count }, (_, i) => `/${alias}/${tables}/${recorded}/${i}.html`);
    return recordPaths(services, alias, paths);
  };
  return { services, record };
}

describe('usage and cost per AWS account (DynamoDB through dynalite)', () => {
  const client = useDynalite();

  it("prices each request against its own account's month and free allowance", async () => {
    const { services, record } = await recorder(client(), accountsFile());
    const first = await record('web', 8);
    const blue = await record('blue', 8);
    const second = await record('web', 5);
    const blueAgain = await record('blue', 5);
    const costs = [first, blue, second, blueAgain].map((result) => {
      if (!result.ok) throw new Error('recorded');
      const { usedBefore, freeRemaining, billable, costUsd } = result.value.cost;
      return { usedBefore, freeRemaining, billable, costUsd };
    });
    expect(costs).toEqual([
      { usedBefore: 0, freeRemaining: 10, billable: 0, costUsd: 0 },
      // Not after web's 8: blue's account has its own 10 free paths.
      { usedBefore: 0, freeRemaining: 10, billable: 0, costUsd: 0 },
      { usedBefore: 8, freeRemaining: 2, billable: 3, costUsd: 0.015 },
      { usedBefore: 8, freeRemaining: 2, billable: 3, costUsd: 0.015 },
    ]);
    // The month's counter keeps every account's paths (the top-level budget); another account its own.
    expect(await services.counters.figures(monthPathsScope(MONTH))).toMatchObject({ amount: 26 });
    expect(await services.counters.figures(accountPathsScope(BLUE_ACCOUNT, MONTH))).toMatchObject({
      amount: 13,
    });
    const [web, blueDistribution] = services.policy.distributions;
    expect(await accountMonthUsed(services, web as PolicyConfig['distributions'][0], MONTH)).toBe(13);
    expect(
      await accountMonthUsed(services, blueDistribution as PolicyConfig['distributions'][0], MONTH),
    ).toBe(13);
  });

  it("gives an ended request's paths back to its account too", async () => {
    const { services, record } = await recorder(client(), accountsFile());
    await record('blue', 4);
    const ended = await record('blue', 6);
    if (!ended.ok) throw new Error('recorded');
    await releaseReservation(services, ended.value);
    expect(await services.counters.figures(accountPathsScope(BLUE_ACCOUNT, MONTH))).toMatchObject({
      amount: 4,
    });
    expect(await services.counters.figures(monthPathsScope(MONTH))).toMatchObject({ amount: 4 });
    const [web] = services.policy.distributions;
    expect(await accountMonthUsed(services, web as PolicyConfig['distributions'][0], MONTH)).toBe(0);
  });

  it('holds the top-level budget over the sum of every account', async () => {
    const { services, record } = await recorder(
      client(),
      accountsFile({ budget: { monthlyPaths: 20, onExceed: 'refuse' } }),
    );
    expect((await record('web', 12)).ok).toBe(true);
    expect((await record('blue', 8)).ok).toBe(true);
    const refused = await record('blue', 1);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'over_budget', overrun: { unit: 'paths', usedBefore: 20, usedAfter: 21, limit: 20 } },
    });
    // The refused request gave back what it took in its account as well.
    expect(await services.counters.figures(accountPathsScope(BLUE_ACCOUNT, MONTH))).toMatchObject({
      amount: 8,
    });
  });

  it('counts a one-account bot in the month counter alone, as before', async () => {
    const { services, record } = await recorder(client(), {
      distributions: { web: { id: 'EHOMEWEB00001', approval: 'never' } },
      cost: { freePathsPerMonth: 10, pricePerPathUsd: 0.005 },
    });
    await record('web', 8);
    const second = await record('web', 5);
    expect(second.ok && second.value.cost).toMatchObject({ usedBefore: 8, billable: 3, costUsd: 0.015 });
    expect(await services.counters.figures(monthPathsScope(MONTH))).toMatchObject({ amount: 13 });
  });
});

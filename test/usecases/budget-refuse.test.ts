import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { overBudgetText } from '../../src/adapters/slack/messages.js';
import {
  distributionPathsScope,
  distributionUsdScope,
  monthPathsScope,
} from '../../src/core/reservations.js';
import { useDynalite } from '../support/dynalite.js';
import { recordingServices, recordPaths } from '../support/usecase-services.js';

const NOW = '2026-12-07T10:00:00.000Z';
const MONTH = '2026-12';
const WEB = 'E2ABCDEF123XYZ';

let tables = 0;

/** recordRequest on a table of its own in dynalite, with the given config file. */
async function recorder(client: DynamoDBClient, file: Record<string, unknown>) {
  const table = `budget-refuse-${++tables}`;
  const { stores, services } = await recordingServices(client, table, file, NOW);
  const record = (paths: string[]) => recordPaths(services, 'web', paths);
  return { stores, table, record };
}

async function scan(client: DynamoDBClient, table: string) {
  const documents = DynamoDBDocumentClient.from(client);
  const items: Array<Record<string, unknown>> = [];
  for await (const page of paginateScan({ client: documents }, { TableName: table })) {
    items.push(...(page.Items ?? []));
  }
  return items;
}

const threePaths = (n: number) => [`/burst/${n}/a.html`, `/burst/${n}/b.html`, `/burst/${n}/c.html`];

describe('a budget that refuses, under 20 requests at once (DynamoDB through dynalite)', () => {
  const client = useDynalite();

  it("accepts exactly the requests that fit the account's paths, and records only refusals for the rest", async () => {
    const { stores, table, record } = await recorder(client(), {
      distributions: { web: { id: WEB, approval: 'never' } },
      budget: { monthlyPaths: 25, onExceed: 'refuse' },
    });
    expect(
      (
        await record([
          '/a/1.html',
          '/a/2.html',
          '/a/3.html',
          '/a/4.html',
          '/a/5.html',
          '/a/6.html',
          '/a/7.html',
        ])
      ).ok,
    ).toBe(true);
    // 18 paths left: room for exactly 6 of these 20 requests of 3.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => record(threePaths(i))));
    const accepted = results.filter((result) => result.ok);
    const refused = results.flatMap((result) => (result.ok ? [] : [result.error]));
    expect(accepted).toHaveLength(6);
    expect(refused).toHaveLength(14);
    for (const refusal of refused) {
      expect(refusal).toMatchObject({
        code: 'over_budget',
        overrun: { unit: 'paths', onExceed: 'refuse', usedBefore: 25, usedAfter: 28, limit: 25 },
      });
    }
    expect(await stores.counters.figures(monthPathsScope(MONTH))).toEqual({ amount: 25, holders: 7 });
    const items = await scan(client(), table);
    expect(items.filter((item) => String(item.pk).startsWith('REQ#'))).toHaveLength(7);
    const refusals = items.filter((item) => String(item.pk).startsWith('REFUSAL#'));
    expect(refusals).toHaveLength(14);
    expect(refusals.map((item) => (item.refusal as { code: string }).code)).toEqual(
      Array(14).fill('over_budget'),
    );
  });

  it("accepts exactly those that fit a distribution's USD, and gives back the month's paths of the others", async () => {
    const { stores, record } = await recorder(client(), {
      distributions: {
        web: {
          id: WEB,
          approval: 'never',
          budget: { monthlyUsd: 0.25, monthlyPaths: 1000, onExceed: 'refuse' },
        },
      },
      cost: { freePathsPerMonth: 0, pricePerPathUsd: 0.01 },
    });
    // $0.03 each: 8 fit in $0.25.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => record(threePaths(i))));
    const refused = results.flatMap((result) => (result.ok ? [] : [result.error]));
    expect(results.filter((result) => result.ok)).toHaveLength(8);
    expect(refused).toHaveLength(12);
    expect(await stores.counters.figures(distributionUsdScope(WEB, MONTH))).toEqual({
      amount: 240,
      holders: 8,
    });
    expect(await stores.counters.figures(distributionPathsScope(WEB, MONTH))).toEqual({
      amount: 24,
      holders: 8,
    });
    expect(await stores.counters.figures(monthPathsScope(MONTH))).toEqual({ amount: 24, holders: 8 });
    const first = refused[0];
    if (first?.code !== 'over_budget') throw new Error('refused over the budget');
    expect(overBudgetText(first.overrun)).toBe(
      "This would bring web's month to $0.27, past its budget of $0.25. Used so far: $0.24 of $0.25 (24 of 1,000 paths). Ask for fewer paths, or ask the platform team to raise `distributions.web.budget.monthlyUsd`. Nothing was submitted.",
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  accountLabel,
  accountOfDistribution,
  configuredAccounts,
  HOME_ACCOUNT,
} from '../../src/core/accounts.js';
import { summariseUsage, type UsageRow } from '../../src/core/usage.js';

const PRICING = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };
// After the month: its projection is what it was.
const NOW = '2027-01-02T00:00:00.000Z';
const BLUE = 'arn:aws:iam::222222222222:role/invalidator';
const POLICY = {
  distributions: [
    { id: 'EHOMEWEB00001' },
    { id: 'EBLUEWEB00001', roleArn: BLUE },
    { id: 'EBLUEAPI00001', roleArn: 'arn:aws:iam::222222222222:role/other' },
    { id: 'EOWNROLE00001', roleArn: 'arn:aws:iam::111111111111:role/same-account' },
  ],
  accountId: '111111111111',
};

function row(id: string, distributionId: string, paths: number, extra: Partial<UsageRow> = {}): UsageRow {
  return { id, distributionId, paths, external: false, submittedAt: '2026-12-02T10:00:00.000Z', ...extra };
}

describe('AWS accounts of the config', () => {
  it("puts a distribution in its role's account, and one without a role (or a role at home) in the bot's own", () => {
    expect(accountOfDistribution(POLICY, 'EHOMEWEB00001')).toBe(HOME_ACCOUNT);
    expect(accountOfDistribution(POLICY, 'EBLUEAPI00001')).toBe('222222222222');
    expect(accountOfDistribution(POLICY, 'EOWNROLE00001')).toBe(HOME_ACCOUNT);
    expect(accountOfDistribution(POLICY, 'ENOTCONFIGURED')).toBeUndefined();
    expect(configuredAccounts(POLICY)).toEqual([HOME_ACCOUNT, '222222222222']);
  });

  it('names the bot’s own account by its id when the config gives it, else "this account"', () => {
    expect(accountLabel(POLICY, HOME_ACCOUNT)).toBe('111111111111');
    expect(accountLabel({}, HOME_ACCOUNT)).toBe('this account');
    expect(accountLabel({}, '222222222222')).toBe('222222222222');
  });
});

describe('summariseUsage per AWS account', () => {
  const accounts = {
    configured: configuredAccounts(POLICY),
    accountOf: (r: UsageRow) => accountOfDistribution(POLICY, r.distributionId) ?? r.account ?? HOME_ACCOUNT,
  };

  it('gives each account its own free allowance, and sums their costs', () => {
    const rows = [
      row('INV-1', 'EHOMEWEB00001', 1200),
      row('INV-2', 'EBLUEWEB00001', 900),
      row('I3', 'EBLUEOTHER001', 300, { external: true, account: '222222222222' }),
    ];
    const summary = summariseUsage('2026-12', rows, PRICING, NOW, accounts);
    expect(summary.byAccount).toEqual([
      { account: HOME_ACCOUNT, paths: 1200, costUsd: 1, freeRemaining: 0, projectedUsd: 1 },
      { account: '222222222222', paths: 1200, costUsd: 1, freeRemaining: 0, projectedUsd: 1 },
    ]);
    // One allowance for 2,400 paths would be $7.00; two accounts pay $2.00.
    expect(summary).toMatchObject({ paths: 2400, costUsd: 2, freeRemaining: 0, projectedUsd: 2 });
  });

  it('shows an account with nothing used yet, with its whole allowance left', () => {
    const summary = summariseUsage('2026-12', [row('INV-1', 'EHOMEWEB00001', 10)], PRICING, NOW, accounts);
    expect(summary.byAccount?.map((a) => [a.account, a.paths, a.freeRemaining])).toEqual([
      [HOME_ACCOUNT, 10, 990],
      ['222222222222', 0, 1000],
    ]);
    expect(summary.freeRemaining).toBe(1990);
  });

  it('reads as before with one account', () => {
    const one = { configured: [HOME_ACCOUNT], accountOf: () => HOME_ACCOUNT };
    const summary = summariseUsage('2026-12', [row('INV-1', 'EHOMEWEB00001', 1200)], PRICING, NOW, one);
    expect(summary).not.toHaveProperty('byAccount');
    expect(summary).toMatchObject({ costUsd: 1, freeRemaining: 0 });
  });
});

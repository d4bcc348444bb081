import { accountPathLimit, usdOfTenths } from '../core/budgets.js';
import { billingMonth, monthCost } from '../core/cost.js';
import { distributionPathsScope, distributionUsdScope, monthPathsScope } from '../core/reservations.js';
import type { AccessCheck } from '../core/visibility.js';
import type { Services } from './ports.js';

/**
 * One figure of a configured budget as the month stands: used and limit in its unit (USD as dollars).
 * `distribution` is the alias of a distribution's own budget; absent for the whole account's.
 */
export interface BudgetBar {
  distribution?: string;
  unit: 'paths' | 'usd';
  used: number;
  limit: number;
}

/**
 * Every configured budget's figures for `month` (default: now), read from the counters requests reserve
 * in: the account's month (which counts paths found by reconciliation too), and each distribution's own,
 * for the distributions whose requests the viewer may see in full. One read per counter, in parallel.
 */
export async function budgetReport(
  services: Pick<Services, 'clock' | 'counters' | 'policy'>,
  access: AccessCheck,
  month?: string,
): Promise<BudgetBar[]> {
  const { counters, policy } = services;
  const which = month ?? billingMonth(services.clock.now());
  const bars: Promise<BudgetBar[]>[] = [];
  const account = policy.budget;
  if (account && accountPathLimit(account, policy.cost) !== undefined) {
    bars.push(
      counters
        .figures(monthPathsScope(which))
        .then(({ amount }) => [
          ...(account.monthlyPaths === undefined
            ? []
            : [{ unit: 'paths' as const, used: amount, limit: account.monthlyPaths }]),
          ...(account.monthlyUsd === undefined
            ? []
            : [{ unit: 'usd' as const, used: monthCost(amount, policy.cost), limit: account.monthlyUsd }]),
        ]),
    );
  }
  for (const distribution of policy.distributions) {
    const own = distribution.budget;
    if (own === undefined || access(distribution.id, undefined) !== 'full') continue;
    const { alias, id } = distribution;
    if (own.monthlyPaths !== undefined) {
      const limit = own.monthlyPaths;
      bars.push(
        counters
          .figures(distributionPathsScope(id, which))
          .then(({ amount }) => [{ distribution: alias, unit: 'paths' as const, used: amount, limit }]),
      );
    }
    if (own.monthlyUsd !== undefined) {
      const limit = own.monthlyUsd;
      bars.push(
        counters
          .figures(distributionUsdScope(id, which))
          .then(({ amount }) => [
            { distribution: alias, unit: 'usd' as const, used: usdOfTenths(amount), limit },
          ]),
      );
    }
  }
  return (await Promise.all(bars)).flat();
}

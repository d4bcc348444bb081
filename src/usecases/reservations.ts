import type { BudgetConfig, DistributionConfig, PolicyConfig } from '../config.js';
import { accountOfRole, HOME_ACCOUNT, roleAccounts } from '../core/accounts.js';
import {
  accountOverrun,
  accountPathLimit,
  type BudgetCrossing,
  type BudgetOverrun,
  crossingsOf,
  type OverBudgetRule,
  overBudgetRule,
  usdOfTenths,
  usdTenths,
} from '../core/budgets.js';
import { billingMonth, monthCost, previewCost } from '../core/cost.js';
import type { LimitFindings } from '../core/policy.js';
import { billedPaths, type InvalidationRequest } from '../core/request.js';
import {
  accountPathsScope,
  distributionPathsScope,
  distributionUsdScope,
  hasRequesterLimits,
  monthFigures,
  monthPathsScope,
  type Reserved,
  requesterCounterLimits,
  requesterHourScope,
  requesterLimitRule,
} from '../core/reservations.js';
import type { Reservation, Services } from './ports.js';

/**
 * A request's share of the month's paths (and of its distribution's own budget of paths and USD, in
 * counters of their own, only when that budget is set), from its recording to its end:
 *
 *   recorded  ── reserve (within the budget) ──┬─ fits: holds its paths while it waits and is submitted
 *                                              ├─ over, `approval`: holds nothing there, needs approval (`over_budget`)
 *                                              └─ over, `refuse`: gives back all it took, never recorded
 *   approved over the budget ── reserve without limit (the approver's override) when it is submitted
 *   submitted ── commit: the reservation is usage for good (a later release changes nothing)
 *   denied, expired, cancelled, undeliverable, failed before submission ── release
 *
 * Each step is idempotent per request id, so a retry after a crash or timeout never counts twice. Each
 * comes after the state change it follows is saved: a crash in between leaves the paths reserved (the
 * budget errs on the strict side) and never lets the month pass it unseen.
 */
export interface RecordedReservations {
  /** the paths of the request's AWS account in the month before it: its free allowance and cost */
  usedBefore: number;
  /** every account's paths in the month before it: the top-level budget's figure */
  totalBefore: number;
  findings: LimitFindings;
  /** a budget with `onExceed: refuse` this request would pass: everything it reserved was given back */
  refused?: BudgetOverrun;
  /** the budgets this request's reservations took across 50% or 80% */
  crossings: BudgetCrossing[];
}

type NewRequestInput = {
  id: string;
  requester: string;
  paths: number;
  createdAt: string;
  distribution: DistributionConfig;
};

type ReserveServices = Pick<Services, 'counters' | 'logger' | 'policy'>;

/**
 * The counters, and the policy that says which distributions have budgets of their own. Every caller
 * passes the whole Services at run time; a caller typed without `policy` (a test's few services) touches
 * the month's counter only.
 */
type HeldServices = Pick<Services, 'counters'> & Partial<Pick<Services, 'policy'>>;

/**
 * Reserves a new request's paths in the month (against the account's budget, if any), in its
 * distribution's month (against that distribution's budget of paths, only when one is set) and counts it
 * in its requester's hour (against their limits, only when set): conditional writes side by side. A
 * distribution's budget in USD is reserved after them, since the request's cost depends on its place in
 * the account's month. Past a budget that refuses, everything taken is given back and the overrun is
 * returned; what else does not fit is a rule for approval.
 */
export async function reserveNewRequest(
  services: ReserveServices,
  input: NewRequestInput,
): Promise<RecordedReservations> {
  const { counters, policy } = services;
  const month = billingMonth(input.createdAt);
  const accountLimit = accountPathLimit(policy.budget, policy.cost);
  const own = input.distribution.budget;
  const limits = input.distribution.policy.requesterLimits;
  const account = accountOfRole(policy, input.distribution.roleArn);
  const [monthly, ownPaths, hour, inAccount] = await Promise.all([
    counters.reserve(
      monthPathsScope(month),
      input.id,
      input.paths,
      accountLimit === undefined ? undefined : { amount: accountLimit.paths },
    ),
    own?.monthlyPaths === undefined
      ? undefined
      : counters.reserve(distributionPathsScope(input.distribution.id, month), input.id, input.paths, {
          amount: own.monthlyPaths,
        }),
    hasRequesterLimits(limits)
      ? counters.reserve(
          requesterHourScope(input.requester, input.createdAt),
          input.id,
          input.paths,
          requesterCounterLimits(limits),
        )
      : undefined,
    // Another account's free allowance and cost: its own counter, never limited (the budget is the month's).
    account === HOME_ACCOUNT
      ? undefined
      : counters.reserve(accountPathsScope(account, month), input.id, input.paths),
  ]);
  if (!monthly.ok && monthly.reason === 'full') {
    services.logger.warn('the month counter keeps as many open reservations as it can; approval needed', {
      requestId: input.id,
    });
  }
  const { usedBefore: totalBefore } = monthFigures(reservedOf(monthly), input.paths, undefined);
  const usedBefore = inAccount
    ? monthFigures(reservedOf(inAccount), input.paths, undefined).usedBefore
    : await homeFigure(services, month, totalBefore);
  const costTenths = usdTenths(previewCost(input.paths, usedBefore, policy.cost).costUsd);
  const money =
    own?.monthlyUsd === undefined || costTenths === 0
      ? undefined
      : await counters.reserve(distributionUsdScope(input.distribution.id, month), input.id, costTenths, {
          amount: usdTenths(own.monthlyUsd),
        });
  const whole =
    !monthly.ok && policy.budget && accountLimit
      ? accountOverrun(policy.budget, accountLimit, totalBefore, input.paths, policy.cost)
      : undefined;
  const distribution = ownOverrun(input, ownPaths, money, costTenths);
  const refused = [whole, distribution].find((overrun) => overrun?.onExceed === 'refuse');
  if (refused) {
    await giveBack(services, input, month, [monthly, ownPaths, money, hour, inAccount]);
    return { usedBefore, totalBefore, findings: {}, refused, crossings: [] };
  }
  const requesterLimit =
    hour && hasRequesterLimits(limits)
      ? requesterLimitRule(reservedOf(hour), input.paths, limits)
      : undefined;
  const crossings = [
    ...(monthly.ok ? accountCrossings(policy, totalBefore, input.paths) : []),
    ...ownCrossings(input, ownPaths, money, costTenths),
  ];
  return {
    usedBefore,
    totalBefore,
    crossings,
    findings: {
      ...(whole ? { overBudget: ruleFigures(whole) } : {}),
      ...(distribution ? { distributionOverBudget: ruleFigures(distribution) } : {}),
      ...(requesterLimit ? { requesterLimit } : {}),
    },
  };
}

/**
 * The bot's own account's paths in the month: the month's (`total`) less every other account's. With no
 * other account configured, the month's figure as it is (no read).
 */
async function homeFigure(
  services: Pick<Services, 'counters' | 'policy'>,
  month: string,
  total: number,
): Promise<number> {
  const others = await Promise.all(
    roleAccounts(services.policy).map((account) =>
      services.counters.figures(accountPathsScope(account, month)),
    ),
  );
  return Math.max(0, total - others.reduce((sum, figures) => sum + figures.amount, 0));
}

/**
 * The paths used or held so far this month in the AWS account of `distribution`: what its free allowance
 * and a preview's cost count from (one read per account; only a preview: a reservation decides).
 */
export async function accountMonthUsed(
  services: Pick<Services, 'counters' | 'policy'>,
  distribution: Pick<DistributionConfig, 'roleArn'>,
  month: string,
): Promise<number> {
  const account = accountOfRole(services.policy, distribution.roleArn);
  if (account !== HOME_ACCOUNT)
    return (await services.counters.figures(accountPathsScope(account, month))).amount;
  const total = await services.counters.figures(monthPathsScope(month));
  return homeFigure(services, month, total.amount);
}

/** The distribution's own budget past which this request would go: its paths first, then its USD. */
function ownOverrun(
  input: NewRequestInput,
  ownPaths: Reservation | undefined,
  money: Reservation | undefined,
  costTenths: number,
): BudgetOverrun | undefined {
  const own = input.distribution.budget;
  if (own === undefined) return undefined;
  const alias = input.distribution.alias;
  const pathsBefore = ownPaths && (ownPaths.ok ? ownPaths.before.amount : ownPaths.current.amount);
  if (ownPaths && !ownPaths.ok && own.monthlyPaths !== undefined) {
    return {
      distribution: alias,
      unit: 'paths',
      onExceed: own.onExceed,
      usedBefore: ownPaths.current.amount,
      usedAfter: ownPaths.current.amount + input.paths,
      limit: own.monthlyPaths,
    };
  }
  if (!money || money.ok || own.monthlyUsd === undefined) return undefined;
  return {
    distribution: alias,
    unit: 'usd',
    onExceed: own.onExceed,
    usedBefore: usdOfTenths(money.current.amount),
    usedAfter: usdOfTenths(money.current.amount + costTenths),
    limit: own.monthlyUsd,
    ...(pathsBefore === undefined || own.monthlyPaths === undefined
      ? {}
      : { paths: { used: pathsBefore, limit: own.monthlyPaths } }),
  };
}

/** The account's figures this request took across a threshold (from the month's place it reserved). */
function accountCrossings(policy: PolicyConfig, usedBefore: number, paths: number): BudgetCrossing[] {
  const budget = policy.budget;
  if (budget === undefined) return [];
  const usedAfter = usedBefore + paths;
  const byPaths =
    budget.monthlyPaths === undefined
      ? []
      : crossingsOf({ unit: 'paths' }, usedBefore, usedAfter, budget.monthlyPaths);
  const byUsd =
    budget.monthlyUsd === undefined || policy.cost.pricePerPathUsd <= 0
      ? []
      : crossingsOf(
          { unit: 'usd' },
          usdTenths(monthCost(usedBefore, policy.cost)),
          usdTenths(monthCost(usedAfter, policy.cost)),
          usdTenths(budget.monthlyUsd),
          usdOfTenths,
        );
  return [...byPaths, ...byUsd];
}

/** The distribution's own figures this request took across a threshold. */
function ownCrossings(
  input: NewRequestInput,
  ownPaths: Reservation | undefined,
  money: Reservation | undefined,
  costTenths: number,
): BudgetCrossing[] {
  const own = input.distribution.budget;
  const distribution = input.distribution.alias;
  const crossings: BudgetCrossing[] = [];
  if (own?.monthlyPaths !== undefined && ownPaths?.ok) {
    const before = ownPaths.before.amount;
    crossings.push(
      ...crossingsOf({ distribution, unit: 'paths' }, before, before + input.paths, own.monthlyPaths),
    );
  }
  if (own?.monthlyUsd !== undefined && money?.ok) {
    const before = money.before.amount;
    const after = before + costTenths;
    crossings.push(
      ...crossingsOf({ distribution, unit: 'usd' }, before, after, usdTenths(own.monthlyUsd), usdOfTenths),
    );
  }
  return crossings;
}

function ruleFigures(overrun: BudgetOverrun): Omit<OverBudgetRule, 'rule'> {
  const { rule: _rule, ...figures } = overBudgetRule(overrun);
  return figures;
}

/** A refused request gives back every reservation it took (month, distribution, money, hour). */
async function giveBack(
  services: ReserveServices,
  input: NewRequestInput,
  month: string,
  [monthly, ownPaths, money, hour, inAccount]: (Reservation | undefined)[],
): Promise<void> {
  const { counters, policy } = services;
  const distributionId = input.distribution.id;
  const account = accountOfRole(policy, input.distribution.roleArn);
  const taken = [
    inAccount?.ok ? { scope: accountPathsScope(account, month), amount: input.paths } : undefined,
    monthly?.ok ? { scope: monthPathsScope(month), amount: input.paths } : undefined,
    ownPaths?.ok ? { scope: distributionPathsScope(distributionId, month), amount: input.paths } : undefined,
    money?.ok
      ? { scope: distributionUsdScope(distributionId, month), amount: money.before.amount }
      : undefined,
    hour?.ok
      ? { scope: requesterHourScope(input.requester, input.createdAt), amount: input.paths }
      : undefined,
  ];
  await Promise.all(
    taken.map((reservation) =>
      reservation ? counters.release(reservation.scope, input.id, reservation.amount) : undefined,
    ),
  );
}

/** Gives back what a request that ends unsubmitted holds of the month; nothing when it holds nothing. */
export async function releaseReservation(
  services: HeldServices,
  request: InvalidationRequest,
): Promise<void> {
  const month = billingMonth(request.createdAt);
  await Promise.all(
    heldScopes(services.policy, request, month).map(({ scope, amount }) =>
      services.counters.release(scope, request.id, amount),
    ),
  );
}

/**
 * Makes sure an approved request holds its paths before it goes to CloudFront. Only a request approved
 * past a budget holds none there (the approver overrode it); the reservation is taken without a limit,
 * in each budget the approver overrode.
 */
export async function holdApproved(
  services: Pick<Services, 'counters'>,
  request: InvalidationRequest,
): Promise<void> {
  const month = billingMonth(request.createdAt);
  for (const rule of request.approval.rules) {
    if (rule.rule !== 'over_budget') continue;
    const held = overriddenScope(request, rule, month);
    if (held.amount > 0) await services.counters.reserve(held.scope, request.id, held.amount);
  }
}

/** The counter an `over_budget` rule names, and what the request holds in it. */
function overriddenScope(
  request: InvalidationRequest,
  rule: OverBudgetRule,
  month: string,
): { scope: string; amount: number } {
  if (rule.distribution === undefined) return { scope: monthPathsScope(month), amount: billedPaths(request) };
  if (rule.unit === 'usd')
    return {
      scope: distributionUsdScope(request.distribution.id, month),
      amount: usdTenths(request.cost.costUsd),
    };
  return { scope: distributionPathsScope(request.distribution.id, month), amount: billedPaths(request) };
}

/**
 * A request's paths changed before submission (a cheaper form the requester chose): what it holds of the
 * month (and of its distribution's paths, when budgeted) follows, from `before` billed paths to its own now;
 * with `costBefore` (the USD its card showed before), so does its distribution's money. Called once,
 * after the change is saved.
 */
export async function resizeReservation(
  services: HeldServices,
  request: InvalidationRequest,
  before: number,
  costBefore?: number,
): Promise<void> {
  const { counters } = services;
  const month = billingMonth(request.createdAt);
  const delta = billedPaths(request) - before;
  const own = ownBudget(services.policy, request);
  const moneyDelta = costBefore === undefined ? 0 : usdTenths(request.cost.costUsd) - usdTenths(costBefore);
  const account = services.policy && accountOfRequest(services.policy, request);
  await Promise.all([
    counters.adjust(monthPathsScope(month), request.id, delta),
    account === undefined || account === HOME_ACCOUNT
      ? undefined
      : counters.adjust(accountPathsScope(account, month), request.id, delta),
    own?.monthlyPaths === undefined
      ? undefined
      : counters.adjust(distributionPathsScope(request.distribution.id, month), request.id, delta),
    own?.monthlyUsd === undefined || moneyDelta === 0
      ? undefined
      : counters.adjust(distributionUsdScope(request.distribution.id, month), request.id, moneyDelta),
  ]);
}

/**
 * The request was submitted: its reservations are usage. Submitted in a later month than it was made
 * (it waited for approval over the turn of the month), they move to the month that bills them.
 */
export async function commitReservation(
  services: HeldServices,
  request: InvalidationRequest,
  now: string,
): Promise<void> {
  const { counters } = services;
  const made = billingMonth(request.createdAt);
  const billed = billingMonth(now);
  const madeScopes = heldScopes(services.policy, request, made);
  const billedScopes = heldScopes(services.policy, request, billed);
  await Promise.all(
    madeScopes.map(async ({ scope, amount }, index) => {
      const billedScope = billedScopes[index]?.scope ?? scope;
      if (billedScope === scope) {
        await counters.commit(scope, request.id, amount);
        return;
      }
      await counters.reserve(billedScope, request.id, amount);
      await counters.commit(billedScope, request.id, amount);
      await counters.release(scope, request.id, amount);
    }),
  );
}

/** The counters a request holds in for `month`: the month's paths, and its distribution's budgeted ones. */
function heldScopes(
  policy: PolicyConfig | undefined,
  request: InvalidationRequest,
  month: string,
): { scope: string; amount: number }[] {
  const paths = billedPaths(request);
  const own = ownBudget(policy, request);
  const money = usdTenths(request.cost.costUsd);
  const account = policy && accountOfRequest(policy, request);
  return [
    { scope: monthPathsScope(month), amount: paths },
    ...(account === undefined || account === HOME_ACCOUNT
      ? []
      : [{ scope: accountPathsScope(account, month), amount: paths }]),
    ...(own?.monthlyPaths === undefined
      ? []
      : [{ scope: distributionPathsScope(request.distribution.id, month), amount: paths }]),
    ...(own?.monthlyUsd === undefined || money === 0
      ? []
      : [{ scope: distributionUsdScope(request.distribution.id, month), amount: money }]),
  ];
}

/** The AWS account of the request's distribution as configured now; the bot's own when it was removed. */
function accountOfRequest(policy: PolicyConfig, request: InvalidationRequest): string {
  const distribution = policy.distributions.find((d) => d.id === request.distribution.id);
  return accountOfRole(policy, distribution?.roleArn);
}

/** The request's distribution's own budget as configured now; none when it has none (or was removed). */
function ownBudget(policy: PolicyConfig | undefined, request: InvalidationRequest): BudgetConfig | undefined {
  return policy?.distributions.find((d) => d.id === request.distribution.id)?.budget;
}

function reservedOf(reservation: Reservation): Reserved {
  return reservation.ok ? reservation : { ok: false, current: reservation.current };
}

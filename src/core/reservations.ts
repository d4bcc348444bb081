import type { ApprovalRule, LimitFindings, RequesterLimits } from './policy.js';

/**
 * Names of the counters requests reserve in, and what their figures mean for approval. The counters
 * themselves are a port (usecases/ports.ts `Counters`); this is the arithmetic around them.
 */

/**
 * The month's paths, reserved by every request as it is recorded, in every AWS account together: the
 * top-level budget. With one account (the bot's own) it is that account's figure, its free allowance too.
 */
export function monthPathsScope(month: string): string {
  return `paths#${month}`;
}

/**
 * One other AWS account's paths in a month (core/accounts.ts; its 12-digit id), reserved besides the
 * month's by every request on its distributions: that account's free allowance and cost. The bot's own
 * account has no counter of its own: its figure is the month's less every other account's, so the
 * counters of a bot that had one account stay what they were.
 */
export function accountPathsScope(account: string, month: string): string {
  return `paths#${month}#account#${account}`;
}

/** One distribution's paths in a month, reserved only when it has a budget of paths of its own. */
export function distributionPathsScope(distributionId: string, month: string): string {
  return `budget-paths#${distributionId}#${month}`;
}

/**
 * The cost one distribution's requests showed on their cards in a month, in tenths of a cent (budgets.ts
 * `usdTenths`); reserved only when it has a budget in USD of its own.
 */
export function distributionUsdScope(distributionId: string, month: string): string {
  return `budget-usd#${distributionId}#${month}`;
}

/** One requester's requests and paths in one UTC clock hour (`YYYY-MM-DDTHH`). */
export function requesterHourScope(requester: string, isoTime: string): string {
  return `requester#${requester}#${isoTime.slice(0, 13)}`;
}

/** Figures of a counter, as the port reports them. */
export interface Figures {
  amount: number;
  holders: number;
}

/** A reservation's outcome as the core needs it: taken (with the figures before it) or refused. */
export type Reserved = { ok: true; before: Figures } | { ok: false; current: Figures };

/** The counter limits of a requester's hour: paths are its amount, requests its holders. */
export function requesterCounterLimits(limits: RequesterLimits): { amount?: number; holders?: number } {
  return {
    ...(limits.pathsPerHour === undefined ? {} : { amount: limits.pathsPerHour }),
    ...(limits.requestsPerHour === undefined ? {} : { holders: limits.requestsPerHour }),
  };
}

/** Whether any requester limit is set. */
export function hasRequesterLimits(limits: RequesterLimits | undefined): limits is RequesterLimits {
  return limits?.pathsPerHour !== undefined || limits?.requestsPerHour !== undefined;
}

/**
 * The month's paths before this request, as the cost preview counts them, and whether it is over the
 * budget. A taken reservation knows its place in line; a refused one is placed after what is reserved now.
 */
export function monthFigures(
  reserved: Reserved,
  paths: number,
  budget: number | undefined,
): { usedBefore: number; overBudget?: LimitFindings['overBudget'] } {
  if (reserved.ok) return { usedBefore: reserved.before.amount };
  const usedBefore = reserved.current.amount;
  if (budget === undefined) return { usedBefore };
  return { usedBefore, overBudget: { usedAfter: usedBefore + paths, budget } };
}

/** The `requester_limit` rule of a request the requester's hour had no room for; undefined when it had. */
export function requesterLimitRule(
  reserved: Reserved,
  paths: number,
  limits: RequesterLimits,
): Extract<ApprovalRule, { rule: 'requester_limit' }> | undefined {
  if (reserved.ok) return undefined;
  return {
    rule: 'requester_limit',
    requests: reserved.current.holders + 1,
    paths: reserved.current.amount + paths,
    ...limits,
  };
}

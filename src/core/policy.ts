import type { OverBudgetRule } from './budgets.js';
import type { CostPreview } from './cost.js';
import { isWildcard } from './paths.js';

/** How a distribution decides whether a request needs a human decision. */
export type ApprovalMode = 'always' | 'wildcard' | 'never';

/**
 * The approval policy of one distribution: the mode, plus optional rules that also require approval.
 * Unset limits mean the rule is off.
 */
export interface ApprovalPolicy {
  mode: ApprovalMode;
  /** more paths than this in one request need approval */
  abovePaths?: number;
  /** a request adding more than this many USD to the bill needs approval */
  aboveUsd?: number;
  /** `/*` (the whole distribution) needs approval */
  rootWildcard: boolean;
  /** a request that goes past the month's free allowance needs approval */
  pastFreeAllowance: boolean;
  /** past either figure within a clock hour, a requester's further requests need approval */
  requesterLimits?: RequesterLimits;
}

/** How much one requester may ask for in an hour without approval; an unset figure is no limit. */
export interface RequesterLimits {
  pathsPerHour?: number;
  requestsPerHour?: number;
}

/** Why a request needs approval, one entry per rule that applied; worded for people in blocks.ts. */
export type ApprovalRule =
  | { rule: 'always' }
  | { rule: 'wildcard'; paths: string[] }
  | { rule: 'root_wildcard' }
  | { rule: 'above_paths'; count: number; limit: number }
  | { rule: 'above_usd'; costUsd: number; limit: number }
  | { rule: 'past_free_allowance'; usedBefore: number; free: number }
  | OverBudgetRule
  /** this hour's requests and paths of the requester, this request included, against their limits */
  | ({ rule: 'requester_limit'; requests: number; paths: number } & RequesterLimits);

/**
 * What the atomic reservations found (core/reservations.ts): the month's budget could not be reserved
 * for this request, or its requester is past their hourly limits. Both come from counters that every
 * concurrent request updates in turn, never from a figure read earlier.
 */
export interface LimitFindings {
  /** the account's budget (paths, or USD with `unit`) */
  overBudget?: Omit<OverBudgetRule, 'rule'>;
  /** the distribution's own budget */
  distributionOverBudget?: Omit<OverBudgetRule, 'rule'>;
  requesterLimit?: Extract<ApprovalRule, { rule: 'requester_limit' }>;
}

export interface ApprovalNeed {
  required: boolean;
  rules: ApprovalRule[];
}

/**
 * Which rules ask for a person's decision. Wildcards are cheap in money but can flood the origin with
 * cache misses; large or costly requests and the end of the free allowance are about the bill.
 */
export function approvalNeed(
  paths: readonly string[],
  cost: CostPreview,
  policy: ApprovalPolicy,
  limits: LimitFindings = {},
): ApprovalNeed {
  const rules: ApprovalRule[] = [];
  if (policy.mode === 'always') rules.push({ rule: 'always' });
  const wildcards = paths.filter(isWildcard);
  if (policy.mode === 'wildcard' && wildcards.length > 0) rules.push({ rule: 'wildcard', paths: wildcards });
  if (policy.rootWildcard && paths.includes('/*')) rules.push({ rule: 'root_wildcard' });
  if (policy.abovePaths !== undefined && paths.length > policy.abovePaths) {
    rules.push({ rule: 'above_paths', count: paths.length, limit: policy.abovePaths });
  }
  if (policy.aboveUsd !== undefined && cost.costUsd > policy.aboveUsd) {
    rules.push({ rule: 'above_usd', costUsd: cost.costUsd, limit: policy.aboveUsd });
  }
  if (policy.pastFreeAllowance && cost.billable > 0) {
    rules.push({
      rule: 'past_free_allowance',
      usedBefore: cost.usedBefore,
      // The configured allowance itself: once the month is past it, what was used says nothing of it.
      free: cost.freePerMonth,
    });
  }
  // Past the monthly budget a person decides, whatever the distribution's policy says.
  if (limits.overBudget) rules.push({ rule: 'over_budget', ...limits.overBudget });
  if (limits.distributionOverBudget) rules.push({ rule: 'over_budget', ...limits.distributionOverBudget });
  if (limits.requesterLimit) rules.push(limits.requesterLimit);
  return { required: rules.length > 0, rules };
}

/** A set of Slack users: members of a user group and/or listed users (and, for approvers, who is on call). */
export interface Approvers {
  usergroup?: string;
  users: string[];
  /** whoever is on call now in this PagerDuty schedule (its id, P…) */
  pagerduty?: { schedule: string };
  /** whoever is on call now in this Opsgenie schedule (its name or id) */
  opsgenie?: { schedule: string };
}

/** An on-call schedule approvers may come from. */
export interface OnCallSchedule {
  service: 'pagerduty' | 'opsgenie';
  schedule: string;
}

/** The on-call schedules a set of approvers names, PagerDuty first. */
export function onCallSchedules(approvers: Approvers): OnCallSchedule[] {
  return [
    ...(approvers.pagerduty
      ? [{ service: 'pagerduty' as const, schedule: approvers.pagerduty.schedule }]
      : []),
    ...(approvers.opsgenie ? [{ service: 'opsgenie' as const, schedule: approvers.opsgenie.schedule }] : []),
  ];
}

export type DecideRefusal =
  | { code: 'own_request' }
  | { code: 'not_an_approver'; approvers: Approvers }
  | { code: 'approvers_unresolved'; approvers: Approvers };

/**
 * Whether `actor` may decide on a request of `requester`. `groupMembers` is the resolved user group
 * (undefined when it could not be resolved: then only listed users may decide). The requester never
 * decides on their own request unless the distribution allows self-approval.
 */
export function decideRefusal(
  actor: string,
  requester: string,
  approvers: Approvers,
  groupMembers: readonly string[] | undefined,
  selfApproval = false,
): DecideRefusal | undefined {
  if (actor === requester && !selfApproval) return { code: 'own_request' };
  if (isMember(actor, approvers, groupMembers)) return undefined;
  if (approvers.usergroup !== undefined && groupMembers === undefined) {
    return { code: 'approvers_unresolved', approvers };
  }
  return { code: 'not_an_approver', approvers };
}

/** Whether `user` is listed or in the (resolved) group. */
export function isMember(user: string, set: Approvers, groupMembers: readonly string[] | undefined): boolean {
  return set.users.includes(user) || (groupMembers?.includes(user) ?? false);
}

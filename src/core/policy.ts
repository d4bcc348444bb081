import { isWildcard } from './paths.js';

/** How a distribution decides whether a request needs a human decision. */
export type ApprovalMode = 'always' | 'wildcard' | 'never';

export interface ApprovalPolicy {
  mode: ApprovalMode;
}

/** Why a request needs approval, one entry per rule that applied; worded for people in blocks.ts. */
export type ApprovalRule = { rule: 'always' } | { rule: 'wildcard'; paths: string[] };

export interface ApprovalNeed {
  required: boolean;
  rules: ApprovalRule[];
}

/** Wildcards are cheap in money but can flood the origin with cache misses: that is why they need a person. */
export function approvalNeed(paths: readonly string[], policy: ApprovalPolicy): ApprovalNeed {
  const rules: ApprovalRule[] = [];
  if (policy.mode === 'always') rules.push({ rule: 'always' });
  if (policy.mode === 'wildcard') {
    const wildcards = paths.filter(isWildcard);
    if (wildcards.length > 0) rules.push({ rule: 'wildcard', paths: wildcards });
  }
  return { required: rules.length > 0, rules };
}

/** Who may approve or deny: members of a Slack user group and/or listed users. */
export interface Approvers {
  usergroup?: string;
  users: string[];
}

export type DecideRefusal =
  | { code: 'own_request' }
  | { code: 'not_an_approver'; approvers: Approvers }
  | { code: 'approvers_unresolved'; approvers: Approvers };

/**
 * Whether `actor` may decide on a request of `requester`. `groupMembers` is the resolved user group
 * (undefined when the group could not be resolved: then only listed users may decide).
 */
export function decideRefusal(
  actor: string,
  requester: string,
  approvers: Approvers,
  groupMembers: readonly string[] | undefined,
): DecideRefusal | undefined {
  if (actor === requester) return { code: 'own_request' };
  if (approvers.users.includes(actor)) return undefined;
  if (groupMembers?.includes(actor)) return undefined;
  if (approvers.usergroup !== undefined && groupMembers === undefined) {
    return { code: 'approvers_unresolved', approvers };
  }
  return { code: 'not_an_approver', approvers };
}

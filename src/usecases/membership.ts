import { type Approvers, isMember } from '../core/policy.js';
import type { ApproverDirectory } from './ports.js';

export type Membership = 'member' | 'not_member' | 'unresolved';

/**
 * Whether `user` belongs to a set of listed users and/or a user group. Group membership comes from the
 * cache first; a user not in the cached list is checked once more against Slack before being refused,
 * so someone who just joined the on-call group is not turned away for a minute.
 */
export async function memberOf(
  directory: ApproverDirectory,
  user: string,
  set: Approvers,
): Promise<Membership> {
  if (set.users.includes(user)) return 'member';
  if (set.usergroup === undefined) return 'not_member';
  const cached = await directory.members(set.usergroup);
  if (isMember(user, set, cached)) return 'member';
  const fresh = await directory.members(set.usergroup, { refresh: true });
  if (fresh === undefined) return 'unresolved';
  return isMember(user, set, fresh) ? 'member' : 'not_member';
}

/** The resolved members of a set's user group (fresh when the user is not in the cached list). */
export async function groupMembersFor(
  directory: ApproverDirectory,
  user: string,
  set: Approvers,
): Promise<string[] | undefined> {
  if (set.usergroup === undefined) return undefined;
  const cached = await directory.members(set.usergroup);
  if (cached?.includes(user)) return cached;
  return directory.members(set.usergroup, { refresh: true });
}

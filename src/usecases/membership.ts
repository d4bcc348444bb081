import type { DistributionConfig, PolicyConfig } from '../config.js';
import { type Approvers, isMember, type OnCallSchedule, onCallSchedules } from '../core/policy.js';
import type { InvalidationRequest } from '../core/request.js';
import type { ApproverDirectory, ConfirmedMembers, OnCallDirectory } from './ports.js';

export type Membership = 'member' | 'not_member' | 'unresolved';

/**
 * Whether `user` belongs to a set of listed users and/or a user group. Group membership comes from the
 * cache first; a user not in the cached list is checked once more against Slack before being refused,
 * so someone who just joined the group is not turned away for a minute. For who may request; a decision
 * is confirmed with `confirmedMembers` instead.
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

/**
 * Who may decide on a request now: its distribution as the current config has it, not the copy of the
 * approvers the request kept, so taking someone out of the config takes their say over open requests
 * too. Undefined when the distribution is no longer configured. Matched by CloudFront id: an alias may
 * have been renamed, and no two aliases share an id.
 */
export function currentAuthority(
  policy: PolicyConfig,
  request: InvalidationRequest,
): DistributionConfig | undefined {
  return policy.distributions.find((distribution) => distribution.id === request.distribution.id);
}

/**
 * The approvers' group members as Slack tells them after the click arrived, when the decision turns on
 * them; undefined when it does not (the clicker is the requester without self-approval, is listed by
 * name, or there is no group), so no lookup is spent.
 */
export async function confirmedMembers(
  directory: ApproverDirectory,
  actor: string,
  requester: string,
  authority: Pick<DistributionConfig, 'approvers' | 'selfApproval'>,
): Promise<ConfirmedMembers | undefined> {
  const { approvers, selfApproval } = authority;
  if (actor === requester && !selfApproval) return undefined;
  if (approvers.users.includes(actor) || approvers.usergroup === undefined) return undefined;
  return directory.confirm(approvers.usergroup);
}

/**
 * Whether `actor` is on call now in one of the approvers' schedules, each asked after the click arrived
 * (all at once); `unread` lists the schedules that could not say. No schedule, no call.
 */
export async function confirmedOnCall(
  directory: OnCallDirectory | undefined,
  actor: string,
  approvers: Approvers,
): Promise<{ onCall: boolean; unread: Array<{ schedule: OnCallSchedule; reason: string }> }> {
  const schedules = onCallSchedules(approvers);
  const answers = await Promise.all(
    schedules.map(async (schedule) => ({
      schedule,
      answer: directory
        ? await directory.confirm(schedule)
        : { ok: false as const, reason: 'no on-call service is configured' },
    })),
  );
  const onCall = answers.some(({ answer }) => answer.ok && answer.users.includes(actor));
  const unread = answers.flatMap(({ schedule, answer }) =>
    answer.ok ? [] : [{ schedule, reason: answer.reason }],
  );
  return { onCall, unread };
}

/**
 * The resolved members of a set's user group (fresh when the user is not in the cached list), for what a
 * report may show; a decision is confirmed with `confirmedMembers` instead.
 */
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

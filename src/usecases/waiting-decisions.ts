import type { DistributionConfig } from '../config.js';
import { decideRefusal, isMember, onCallSchedules } from '../core/policy.js';
import type { RequestIn } from '../core/request.js';
import { currentAuthority, groupMembersFor } from './membership.js';
import type { Services } from './ports.js';

/** What waits for one person's decision, for their App Home tab. */
export interface WaitingDecisions {
  /** they approve at least one distribution: listed, or in its approvers' group as Slack tells it now */
  approver: boolean;
  /** the pending requests they may decide, the soonest to expire first */
  requests: Array<RequestIn<'pending_approval'>>;
  /**
   * Aliases of distributions whose approvers' group Slack could not name just now, and which do not list
   * this person: whether they may decide there is unknown, so those requests are left out.
   */
  unconfirmed: string[];
  /** set when they are on call in an approvers' schedule: the list rests on a snapshot up to a minute old */
  onCallSnapshot?: true;
}

/** Group members per distribution id; absent for a distribution with no group or one not resolved. */
type Groups = ReadonlyMap<string, readonly string[] | undefined>;

/**
 * The pending requests `user` may decide, by the same rule a click on Approve is checked with
 * (`decideRefusal` over the current config: decide.ts), so the list offers no button that would be
 * refused. Group membership comes from the directory's cache (refreshed when the user is not in it): a
 * list may lag a little, and the click itself is confirmed with Slack as always. A group that cannot be
 * resolved shows nothing of its distribution: only what can be confirmed is listed.
 */
export async function waitingDecisions(
  services: Pick<Services, 'audit' | 'clock' | 'directory' | 'onCall' | 'policy'>,
  user: string,
): Promise<WaitingDecisions> {
  const { distributions } = services.policy;
  const [groupsAlone, onCall] = await Promise.all([
    approverGroups(services, user, distributions),
    onCallNow(services, distributions),
  ]);
  const groups = withOnCall(groupsAlone, onCall);
  const unconfirmed = distributions
    .filter((d) => d.approvers.usergroup !== undefined && !d.approvers.users.includes(user))
    .filter((d) => groupsAlone.get(d.id) === undefined)
    .map((d) => d.alias);
  const approver = distributions.some((d) => isMember(user, d.approvers, groups.get(d.id)));
  // Self-approval still takes an approver (decideRefusal): nobody else needs the query.
  if (!approver) return { approver, requests: [], unconfirmed };
  const now = services.clock.now();
  const requests = (await services.audit.pendingApprovals())
    .filter((request) => request.expiresAt > now && mayDecide(services, request, user, groups))
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id));
  const onDuty = [...onCall.values()].some((users) => users?.includes(user));
  return { approver, requests, unconfirmed, ...(onDuty ? { onCallSnapshot: true as const } : {}) };
}

function mayDecide(
  services: Pick<Services, 'policy'>,
  request: RequestIn<'pending_approval'>,
  user: string,
  groups: Groups,
): boolean {
  const authority = currentAuthority(services.policy, request);
  if (!authority) return false;
  const members = groups.get(authority.id);
  return (
    decideRefusal(user, request.requester, authority.approvers, members, authority.selfApproval) === undefined
  );
}

/**
 * Who is on call in each distribution's approvers' schedules, from a snapshot up to a minute old (a list
 * may lag; a click asks the schedule again). Schedules that could not be read add nobody.
 */
async function onCallNow(
  services: Pick<Services, 'onCall'>,
  distributions: readonly DistributionConfig[],
): Promise<Groups> {
  const { onCall } = services;
  const found = new Map<string, readonly string[] | undefined>();
  if (!onCall) return found;
  await Promise.all(
    distributions.map(async (distribution) => {
      const schedules = onCallSchedules(distribution.approvers);
      if (schedules.length === 0) return;
      const answers = await Promise.all(schedules.map((schedule) => onCall.snapshot(schedule)));
      found.set(
        distribution.id,
        answers.flatMap((answer) => (answer.ok ? answer.users : [])),
      );
    }),
  );
  return found;
}

/** Each distribution's group members and people on call together, as the members a decision may come from. */
function withOnCall(groups: Groups, onCall: Groups): Groups {
  const merged = new Map(groups);
  for (const [id, users] of onCall) merged.set(id, [...(groups.get(id) ?? []), ...(users ?? [])]);
  return merged;
}

/** The approvers' group of each distribution that has one and does not list `user`, looked up once per group. */
async function approverGroups(
  services: Pick<Services, 'directory'>,
  user: string,
  distributions: readonly DistributionConfig[],
): Promise<Groups> {
  const lookups = new Map<string, Promise<readonly string[] | undefined>>();
  const groups = new Map<string, readonly string[] | undefined>();
  await Promise.all(
    distributions.map(async (distribution) => {
      const { usergroup, users } = distribution.approvers;
      if (usergroup === undefined || users.includes(user)) return;
      let lookup = lookups.get(usergroup);
      if (!lookup) {
        lookup = groupMembersFor(services.directory, user, distribution.approvers);
        lookups.set(usergroup, lookup);
      }
      groups.set(distribution.id, await lookup);
    }),
  );
  return groups;
}

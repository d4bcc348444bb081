import { type Approvers, isMember } from './policy.js';

/**
 * What limits a distribution to some people: the channels it may be requested from and the users who
 * may request it. A distribution with either is restricted, and so are the reports about its requests.
 */
export interface Restrictions {
  approvers: Approvers;
  requesters?: Approvers;
  channels?: string[];
}

/** Who asks for a report, and from where; the App Home tab has no channel. */
export interface Viewer {
  user: string;
  channel?: string;
}

/**
 * The members of the distribution's approver and requester user groups, as resolved for this viewer.
 * Undefined when the set has no group or it could not be resolved: then only listed users count.
 */
export interface ResolvedGroups {
  approvers?: readonly string[];
  requesters?: readonly string[];
}

/** `full`: paths, reasons and who asked may be shown; `restricted`: only counts, cost and status. */
export type Access = 'full' | 'restricted';

/** Decides the access of one report line: its distribution (if still configured) and its requester. */
export type AccessCheck = (distributionId: string, requester: string | undefined) => Access;

/** For callers that only read totals, which every viewer may see: nothing in detail. */
export const totalsOnly: AccessCheck = () => 'restricted';

export function isRestricted(distribution: Restrictions): boolean {
  return distribution.channels !== undefined || distribution.requesters !== undefined;
}

/**
 * What `viewer` may see of a restricted distribution's requests: everything when asked from one of its
 * channels, or by one of its approvers or requesters. The App Home tab has no channel, so there only
 * membership counts. A group that could not be resolved grants nothing: a report is never worth a leak.
 */
export function distributionAccess(
  distribution: Restrictions,
  viewer: Viewer,
  groups: ResolvedGroups,
): Access {
  if (!isRestricted(distribution)) return 'full';
  if (viewer.channel !== undefined && distribution.channels?.includes(viewer.channel)) return 'full';
  if (isMember(viewer.user, distribution.approvers, groups.approvers)) return 'full';
  const { requesters } = distribution;
  if (requesters && isMember(viewer.user, requesters, groups.requesters)) return 'full';
  return 'restricted';
}

/**
 * The access to one request: the distribution's, except that whoever made a request may always see it.
 * A distribution no longer in the config may have been restricted: only its requesters see its requests.
 */
export function requestAccess(
  distribution: Restrictions | undefined,
  requester: string | undefined,
  viewer: Viewer,
  groups: ResolvedGroups,
): Access {
  if (requester !== undefined && requester === viewer.user) return 'full';
  if (distribution === undefined) return 'restricted';
  return distributionAccess(distribution, viewer, groups);
}

/**
 * Whether the decision for this viewer can depend on user groups at all; when it cannot, nobody needs to
 * ask Slack who is in them.
 */
export function needsGroups(distribution: Restrictions, viewer: Viewer): boolean {
  return distributionAccess(distribution, viewer, {}) === 'restricted';
}

import type { PolicyConfig } from '../config.js';
import { distributionWithId } from '../core/request.js';
import {
  type AccessCheck,
  needsGroups,
  type ResolvedGroups,
  requestAccess,
  type Viewer,
} from '../core/visibility.js';
import { groupMembersFor } from './membership.js';
import type { ApproverDirectory } from './ports.js';

/**
 * Resolves, once per report, what `viewer` may see of each distribution's requests. User groups are
 * looked up only for restricted distributions the channel does not already open, and only once each.
 * A group Slack cannot name right now resolves to undefined and grants nothing.
 */
export async function reportAccess(
  ports: { directory: ApproverDirectory; policy: PolicyConfig },
  viewer: Viewer,
): Promise<AccessCheck> {
  const groups = new Map<string, ResolvedGroups>();
  await Promise.all(
    ports.policy.distributions
      .filter((distribution) => needsGroups(distribution, viewer))
      .map(async (distribution) => {
        const [approvers, requesters] = await Promise.all([
          groupMembersFor(ports.directory, viewer.user, distribution.approvers),
          distribution.requesters
            ? groupMembersFor(ports.directory, viewer.user, distribution.requesters)
            : undefined,
        ]);
        groups.set(distribution.id, {
          ...(approvers ? { approvers } : {}),
          ...(requesters ? { requesters } : {}),
        });
      }),
  );
  return (distributionId, requester) => {
    const distribution = distributionWithId(ports.policy.distributions, distributionId);
    return requestAccess(distribution, requester, viewer, groups.get(distributionId) ?? {});
  };
}

import type { webApi } from '@slack/bolt';
import type { ApproverDirectory, Logger } from '../../usecases/ports.js';
import { platformError } from './cards.js';

/**
 * User group members via `usergroups.users.list`, cached because that method is rate-limited (Tier 2) and
 * on-call groups change rarely. A failure is cached briefly too, so a burst of clicks costs one call.
 * https://api.slack.com/methods/usergroups.users.list
 */
export class SlackApproverDirectory implements ApproverDirectory {
  private readonly cache = new Map<string, { members: string[] | undefined; until: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async members(usergroup: string): Promise<string[] | undefined> {
    const cached = this.cache.get(usergroup);
    if (cached && cached.until > this.now()) return cached.members;
    const members = await this.fetch(usergroup);
    const ttl = members ? this.ttlMs : Math.min(this.ttlMs, 10_000);
    this.cache.set(usergroup, { members, until: this.now() + ttl });
    return members;
  }

  private async fetch(usergroup: string): Promise<string[] | undefined> {
    try {
      const result = await this.client.usergroups.users.list({ usergroup });
      return result.users ?? [];
    } catch (error) {
      // plan_upgrade_required (free workspace), no_such_subteam, missing scope, or Slack unreachable.
      this.logger.warn('could not resolve the approvers user group', {
        usergroup,
        reason: platformError(error) ?? (error instanceof Error ? error.message : String(error)),
      });
      return undefined;
    }
  }
}

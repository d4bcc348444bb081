import type { webApi } from '@slack/bolt';
import type { ApproverDirectory, Logger } from '../../usecases/ports.js';
import { platformError } from './cards.js';

/** A refresh asked for within this long of the last fetch reuses it: a burst of clicks costs one call. */
const MIN_REFRESH_INTERVAL_MS = 1_000;
/** A group that could not be resolved is asked again after this long at most. */
const FAILURE_TTL_MS = 10_000;

interface Entry {
  members: string[] | undefined;
  fetchedAt: number;
}

/**
 * User group members via `usergroups.users.list`, cached because that method is rate-limited (Tier 2) and
 * on-call groups change rarely. Concurrent lookups of one group share a single call.
 * https://api.slack.com/methods/usergroups.users.list
 */
export class SlackApproverDirectory implements ApproverDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async members(usergroup: string, options: { refresh?: boolean } = {}): Promise<string[] | undefined> {
    const cached = this.cache.get(usergroup);
    if (cached && this.fresh(cached, options.refresh ?? false)) return cached.members;
    const pending = this.inFlight.get(usergroup) ?? this.fetch(usergroup);
    this.inFlight.set(usergroup, pending);
    try {
      return (await pending).members;
    } finally {
      this.inFlight.delete(usergroup);
    }
  }

  private fresh(entry: Entry, refresh: boolean): boolean {
    const age = this.now() - entry.fetchedAt;
    if (refresh) return age < MIN_REFRESH_INTERVAL_MS;
    return age < (entry.members ? this.ttlMs : Math.min(this.ttlMs, FAILURE_TTL_MS));
  }

  private async fetch(usergroup: string): Promise<Entry> {
    let members: string[] | undefined;
    try {
      const result = await this.client.usergroups.users.list({ usergroup });
      members = result.users ?? [];
    } catch (error) {
      // plan_upgrade_required (free workspace), no_such_subteam, missing scope, or Slack unreachable.
      this.logger.warn('could not resolve the approvers user group', {
        usergroup,
        reason: platformError(error) ?? (error instanceof Error ? error.message : String(error)),
      });
    }
    const entry = { members, fetchedAt: this.now() };
    this.cache.set(usergroup, entry);
    return entry;
  }
}

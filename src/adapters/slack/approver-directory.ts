import type { webApi } from '@slack/bolt';
import type { ApproverDirectory, ConfirmedMembers, Logger } from '../../usecases/ports.js';
import { platformError } from './cards.js';

/** A refresh asked for within this long of the last fetch reuses it: a burst of clicks costs one call. */
const MIN_REFRESH_INTERVAL_MS = 1_000;
/** A group that could not be resolved is asked again after this long at most. */
const FAILURE_TTL_MS = 10_000;
/**
 * A confirmation joins a lookup still in flight only if it was sent at most this long before: clicks that
 * arrive together share one call, and no decision rests on an answer older than this.
 */
export const CONFIRM_SHARE_WINDOW_MS = 500;
/**
 * A confirmation gives up after this long and the click is refused: the Deny button opens its modal with
 * a trigger id that expires 3 s after the click, and a person waiting on Slack deserves an answer.
 */
export const CONFIRM_TIMEOUT_MS = 2_000;

interface Entry {
  members: string[] | undefined;
  /** Slack's error code, or `unreachable`, when members is undefined */
  reason?: string;
  fetchedAt: number;
}

interface Lookup {
  sentAt: number;
  entry: Promise<Entry>;
}

/**
 * User group members via `usergroups.users.list`, cached because that method is rate-limited (Tier 2) and
 * on-call groups change rarely. The cache serves what may lag (who may request, what a card shows); a
 * decision is granted only by `confirm`, which asks Slack after the click arrived. Concurrent lookups of
 * one group share a single call. https://api.slack.com/methods/usergroups.users.list
 */
export class SlackApproverDirectory implements ApproverDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Lookup>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly confirmTimeoutMs = CONFIRM_TIMEOUT_MS,
  ) {}

  async members(usergroup: string, options: { refresh?: boolean } = {}): Promise<string[] | undefined> {
    const cached = this.cache.get(usergroup);
    if (cached && this.fresh(cached, options.refresh ?? false)) return cached.members;
    const lookup = this.inFlight.get(usergroup) ?? this.lookUp(usergroup);
    return (await lookup.entry).members;
  }

  async confirm(usergroup: string): Promise<ConfirmedMembers> {
    const shared = this.inFlight.get(usergroup);
    const recent = shared !== undefined && this.now() - shared.sentAt <= CONFIRM_SHARE_WINDOW_MS;
    const lookup = recent ? shared : this.lookUp(usergroup);
    const entry = await withTimeout(lookup.entry, this.confirmTimeoutMs);
    if (entry?.members === undefined) return { ok: false, reason: entry?.reason ?? 'unreachable' };
    return { ok: true, members: entry.members };
  }

  private fresh(entry: Entry, refresh: boolean): boolean {
    const age = this.now() - entry.fetchedAt;
    if (refresh) return age < MIN_REFRESH_INTERVAL_MS;
    return age < (entry.members ? this.ttlMs : Math.min(this.ttlMs, FAILURE_TTL_MS));
  }

  private lookUp(usergroup: string): Lookup {
    const lookup: Lookup = { sentAt: this.now(), entry: this.fetch(usergroup) };
    this.inFlight.set(usergroup, lookup);
    // A newer lookup of the group may have replaced this one meanwhile: only this one's own entry goes.
    void lookup.entry.finally(() => {
      if (this.inFlight.get(usergroup) === lookup) this.inFlight.delete(usergroup);
    });
    return lookup;
  }

  private async fetch(usergroup: string): Promise<Entry> {
    let entry: Entry;
    try {
      const result = await this.client.usergroups.users.list({ usergroup });
      entry = { members: result.users ?? [], fetchedAt: this.now() };
    } catch (error) {
      // plan_upgrade_required (free workspace), no_such_subteam, missing scope, or Slack unreachable.
      const reason = platformError(error) ?? 'unreachable';
      this.logger.warn('could not resolve the approvers user group', {
        usergroup,
        reason: platformError(error) ?? (error instanceof Error ? error.message : String(error)),
      });
      entry = { members: undefined, reason, fetchedAt: this.now() };
    }
    this.cache.set(usergroup, entry);
    return entry;
  }
}

/** The promise's value, or undefined once `ms` have passed without one. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

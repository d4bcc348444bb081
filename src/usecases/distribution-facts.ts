import type { DistributionConfig, PolicyConfig } from '../config.js';
import { type ListedDistribution, type MatchedBy, matchHost } from '../core/hosts.js';
import { distributionIds, distributionWithId } from '../core/request.js';
import {
  type Cdn,
  CdnError,
  type Clock,
  type Logger,
  PartialListingError,
  type ReconcileState,
} from './ports.js';

/** What a pasted URL's host names. */
export type HostAnswer =
  | { kind: 'configured'; distribution: DistributionConfig; by: MatchedBy }
  /** a distribution of the account that the config file does not name: it cannot be requested */
  | { kind: 'unconfigured'; distributionId: string; by: MatchedBy }
  /** nothing matched; `listing` says whether CloudFront's CNAMEs were looked at */
  | { kind: 'unknown'; listing: 'read' | 'unreadable' };

/** Whether a distribution takes `#tag` items: CloudFront refuses them without a cache-tag header. */
export type CacheTagSupport =
  | { kind: 'enabled'; header: string }
  | { kind: 'not_enabled' }
  /** GetDistributionConfig failed; `denied` when the role lacks cloudfront:GetDistributionConfig */
  | { kind: 'unreadable'; denied: boolean; code: string };

/** Facts about distributions read from CloudFront, cached a few minutes, for checking what is requested. */
export interface DistributionFacts {
  /** What each host names, by the config's `domains`, then CloudFront's CNAMEs, then *.cloudfront.net. */
  hosts(hosts: readonly string[]): Promise<Map<string, HostAnswer>>;
  cacheTags(distributionId: string): Promise<CacheTagSupport>;
}

export interface FactsOptions {
  /** how long a listing or a distribution's configuration is trusted; default 5 minutes */
  ttlMs?: number;
  /**
   * how long a check waits for CloudFront before it answers without it (a command must be acknowledged
   * within Slack's 3 seconds); the call goes on and fills the cache. Default 1.5 s.
   */
  deadlineMs?: number;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_DEADLINE_MS = 1_500;

interface Dependencies {
  cdn: Pick<Cdn, 'distributions' | 'distributionConfig'>;
  reconcileState: Pick<ReconcileState, 'listing'>;
  clock: Clock;
  logger: Logger;
  policy: Pick<PolicyConfig, 'distributions'>;
}

/**
 * The facts, with their caches. One process holds one: concurrent lookups share one CloudFront call, and
 * a listing reconciliation stored recently (ListDistributions, usecases/reconcile.ts) is used instead of
 * a call of its own.
 */
export function createDistributionFacts(deps: Dependencies, options: FactsOptions = {}): DistributionFacts {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const listing = cached(deps, ttlMs, () => loadListing(deps, ttlMs));
  const configs = new Map<string, ReturnType<typeof cached<{ cacheTagHeader?: string }>>>();
  const configOf = (id: string) => {
    let entry = configs.get(id);
    if (!entry) {
      entry = cached(deps, ttlMs, () => deps.cdn.distributionConfig(id));
      configs.set(id, entry);
    }
    return entry;
  };
  return {
    hosts: async (hosts) => {
      const configured = deps.policy.distributions.flatMap((d) =>
        distributionIds(d).map((id) => ({ id, domains: d.domains ?? [] })),
      );
      const needsListing = hosts.some((host) => matchHost(host, configured) === undefined);
      const listed = needsListing ? await withDeadline(deps, listing(), deadlineMs) : undefined;
      const answers = new Map<string, HostAnswer>();
      for (const host of hosts) answers.set(host, answerFor(deps.policy, host, configured, listed));
      return answers;
    },
    cacheTags: async (distributionId) => {
      const read = await withDeadline(deps, configOf(distributionId)(), deadlineMs);
      if (!read.ok) {
        const code = read.error instanceof CdnError ? read.error.code : 'Timeout';
        return { kind: 'unreadable', denied: code === 'AccessDenied', code };
      }
      const header = read.value.cacheTagHeader;
      return header ? { kind: 'enabled', header } : { kind: 'not_enabled' };
    },
  };
}

function answerFor(
  policy: Pick<PolicyConfig, 'distributions'>,
  host: string,
  configured: ReadonlyArray<{ id: string; domains: readonly string[] }>,
  listed: Awaited<ReturnType<typeof withDeadline<readonly ListedDistribution[]>>> | undefined,
): HostAnswer {
  const match = matchHost(host, configured, listed?.ok ? listed.value : undefined);
  if (!match) return { kind: 'unknown', listing: listed && !listed.ok ? 'unreadable' : 'read' };
  const distribution = distributionWithId(policy.distributions, match.distributionId);
  return distribution
    ? { kind: 'configured', distribution, by: match.by }
    : { kind: 'unconfigured', distributionId: match.distributionId, by: match.by };
}

/** The listing reconciliation stored, while fresh; else ListDistributions itself. */
async function loadListing(deps: Dependencies, ttlMs: number): Promise<readonly ListedDistribution[]> {
  const stored = await deps.reconcileState.listing().catch((error: unknown) => {
    deps.logger.warn('could not read the stored distribution listing', { error });
    return undefined;
  });
  if (stored?.coverage === 'account' && ageMs(deps.clock, stored.listedAt) < ttlMs)
    return stored.distributions;
  // An account that refused its listing leaves the others' names to look hosts up in.
  return deps.cdn.distributions().catch((error: unknown) => {
    if (error instanceof PartialListingError) return error.distributions;
    throw error;
  });
}

function ageMs(clock: Clock, at: string): number {
  return Date.parse(clock.now()) - Date.parse(at);
}

/**
 * A value read once per `ttlMs`: callers while a read is under way share it; a failed read is not kept,
 * so the next caller tries again.
 */
function cached<T>(deps: Pick<Dependencies, 'clock'>, ttlMs: number, read: () => Promise<T>) {
  let kept: { at: string; value: T } | undefined;
  let reading: Promise<T> | undefined;
  return (): Promise<T> => {
    if (kept && ageMs(deps.clock, kept.at) < ttlMs) return Promise.resolve(kept.value);
    reading ??= read()
      .then((value) => {
        kept = { at: deps.clock.now(), value };
        return value;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
}

type Read<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** The read's outcome, or a timeout after `ms`; the read itself goes on (and fills the cache). */
async function withDeadline<T>(
  deps: Pick<Dependencies, 'logger'>,
  reading: Promise<T>,
  ms: number,
): Promise<Read<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Read<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: new Error('timed out') }), ms);
  });
  const outcome = reading.then(
    (value): Read<T> => ({ ok: true, value }),
    (error: unknown): Read<T> => ({ ok: false, error }),
  );
  const first = await Promise.race([outcome, timeout]).finally(() => clearTimeout(timer));
  if (!first.ok)
    deps.logger.warn('could not read a distribution fact from CloudFront', { error: first.error });
  return first;
}

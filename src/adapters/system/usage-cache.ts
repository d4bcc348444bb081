import type { RequestStore, UsageView } from '../../usecases/ports.js';

/**
 * Month-to-date paths for the cost preview on new cards, cached for a few seconds: the figure is read on
 * every `/invalidate` before it is acknowledged, and a burst of commands should cost one query, not one
 * each. The bill itself is always summed from the records (RequestStore.monthPaths).
 */
export class CachedUsage implements UsageView {
  private readonly cache = new Map<string, { paths: number; until: number }>();

  constructor(
    private readonly store: Pick<RequestStore, 'monthPaths'>,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async monthPaths(month: string): Promise<number> {
    const cached = this.cache.get(month);
    if (cached && cached.until > this.now()) return cached.paths;
    const paths = await this.store.monthPaths(month);
    this.cache.set(month, { paths, until: this.now() + this.ttlMs });
    return paths;
  }
}

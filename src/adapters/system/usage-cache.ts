import type { RequestStore, UsageView } from '../../usecases/ports.js';

interface Entry {
  paths?: number;
  /** when `paths` was read (clock ms) */
  readAt: number;
  /** the read under way, shared by every caller that waits for it */
  reading?: Promise<number>;
}

/**
 * Month-to-date paths for the cost preview on new cards. The figure is read on every `/invalidate` before it
 * is acknowledged, and summing it means querying every submission of the month, so it is cached:
 * - fresh for `freshMs`; after that the cached figure is still answered at once while one read refreshes it
 *   in the background, so an acknowledgement never waits for that query once the figure is known;
 * - past `maxStaleMs` (the store has not answered for that long) callers wait for a read again;
 * - concurrent callers share one read: a burst of commands costs one query, not one each.
 * The bill itself is always summed from the records (RequestStore.monthPaths).
 */
export class CachedUsage implements UsageView {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: Pick<RequestStore, 'monthPaths'>,
    private readonly freshMs = 5_000,
    private readonly maxStaleMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async monthPaths(month: string): Promise<number> {
    const entry = this.entries.get(month) ?? { readAt: Number.NEGATIVE_INFINITY };
    this.entries.set(month, entry);
    const age = this.now() - entry.readAt;
    if (entry.paths !== undefined && age < this.freshMs) return entry.paths;
    const reading = this.read(month, entry);
    if (entry.paths !== undefined && age < this.maxStaleMs) {
      reading.catch(() => {}); // a failed refresh is tried again by the next caller
      return entry.paths;
    }
    return reading;
  }

  private read(month: string, entry: Entry): Promise<number> {
    entry.reading ??= this.store.monthPaths(month).then(
      (paths) => {
        entry.paths = paths;
        entry.readAt = this.now();
        entry.reading = undefined;
        for (const other of this.entries.keys()) if (other < month) this.entries.delete(other);
        return paths;
      },
      (error: unknown) => {
        entry.reading = undefined;
        throw error;
      },
    );
    return entry.reading;
  }
}

import type { Logger } from '../../usecases/ports.js';
import { behind } from './ahead.js';

/** Longest rest of an idle loop: one look at the table (one query) every 5 s, at most. */
export const IDLE_REST_MS = 5_000;

export interface WorkLoop<T = never> {
  /** run as soon as possible (work just became due) */
  wake(): void;
  /** run at `at` (an ISO time) at the latest: work this process recorded falls due then */
  wakeAt(at: string): void;
  /**
   * Run `item` at `at` (an ISO time; as soon as possible without it), without a look at the table for it:
   * this process holds it already (its lease was written with it). The rest until the next look is not
   * changed by it.
   */
  take(item: T, at?: string): void;
  /** stop scheduling and wait for the current run to finish */
  stop(): Promise<void>;
}

/**
 * Runs `run`, never two at once; a wake during a run triggers one more run right after. `run` gets the
 * items handed over with `take` since the last run and whether to look at the table (`look`: false for a
 * run that only takes handed items), and returns whether it filled its batch, in which case the next run
 * follows at once. Otherwise the loop rests until the earliest due time it knows of (`wakeAt`, from the
 * run's own look ahead and from what this process records meanwhile), and at most `restMs`: work made due
 * by another process on the same table, which nothing here announces, is seen within `restMs`.
 */
export function startWorkLoop<T = never>(
  run: (taken: T[], look: boolean) => Promise<boolean>,
  options: { restMs: number; logger: Logger; now?: () => number },
): WorkLoop<T> {
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let current: Promise<void> | undefined;
  // Set before `run` starts, so that a due time it reports before its first await counts for this run.
  let running = false;
  let again = false;
  let stopped = false;
  // The earliest due time reported during the current run: the next run comes no later than that.
  let earliest = Number.POSITIVE_INFINITY;
  const taken: T[] = [];
  // Items to take later, each on a timer of its own: cleared when the loop stops (their leases run out).
  const later = new Set<NodeJS.Timeout>();

  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timerAt = now() + delayMs;
    timer = setTimeout(tick, delayMs);
  };
  const start = (look: boolean) => {
    running = true;
    earliest = Number.POSITIVE_INFINITY;
    const items = taken.splice(0);
    current = Promise.resolve()
      .then(() => run(items, look))
      .then((full) => {
        again ||= full;
      })
      .catch((error: unknown) => options.logger.error('the work loop failed; retrying', { error }))
      .finally(() => {
        running = false;
        current = undefined;
        if (again) schedule(0);
        else {
          // A run of handed items alone keeps the rest the last look set, unless it learnt of sooner work.
          if (look || earliest < timerAt) schedule(Math.max(0, Math.min(options.restMs, earliest - now())));
          if (taken.length > 0) setTimeout(takeNow, 0);
        }
        again = false;
      });
  };
  const tick = () => {
    timerAt = Number.POSITIVE_INFINITY;
    if (running) again = true;
    else start(true);
  };
  const takeNow = () => {
    if (!running && !stopped && taken.length > 0) start(false);
  };
  const take = (item: T) => {
    taken.push(item);
    if (!running) setTimeout(takeNow, 0);
  };
  const wakeAt = (at: number) => {
    if (running) earliest = Math.min(earliest, at);
    else if (at < timerAt) schedule(Math.max(0, at - now()));
  };

  schedule(0);
  // The timers and runs a call starts are background work, even for a caller that runs ahead (ahead.ts).
  return {
    wake: () => behind(() => wakeAt(Number.NEGATIVE_INFINITY)),
    wakeAt: (at) => {
      const ms = Date.parse(at);
      if (!Number.isNaN(ms)) behind(() => wakeAt(ms));
    },
    take: (item, at) =>
      behind(() => {
        const delayMs = at === undefined ? 0 : Date.parse(at) - now();
        if (delayMs > 0) {
          const wait = setTimeout(() => {
            later.delete(wait);
            take(item);
          }, delayMs);
          later.add(wait);
        } else take(item);
      }),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      for (const wait of later) clearTimeout(wait);
      await current;
    },
  };
}

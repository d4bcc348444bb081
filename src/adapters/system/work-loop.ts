import type { Logger } from '../../usecases/ports.js';

/** Longest rest of an idle loop: one look at the table (one query) every 5 s, at most. */
export const IDLE_REST_MS = 5_000;

export interface WorkLoop {
  /** run as soon as possible (work just became due) */
  wake(): void;
  /** run at `at` (an ISO time) at the latest: work this process recorded falls due then */
  wakeAt(at: string): void;
  /** stop scheduling and wait for the current run to finish */
  stop(): Promise<void>;
}

/**
 * Runs `run`, never two at once; a wake during a run triggers one more run right after. `run` returns
 * whether it filled its batch, in which case the next run follows at once. Otherwise the loop rests until
 * the earliest due time it knows of (`wakeAt`, from the run's own look ahead and from what this process
 * records meanwhile), and at most `restMs`: work made due by another process on the same table, which
 * nothing here announces, is seen within `restMs`.
 */
export function startWorkLoop(
  run: () => Promise<boolean>,
  options: { restMs: number; logger: Logger; now?: () => number },
): WorkLoop {
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

  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timerAt = now() + delayMs;
    timer = setTimeout(tick, delayMs);
  };
  const tick = () => {
    timerAt = Number.POSITIVE_INFINITY;
    if (running) {
      again = true;
      return;
    }
    running = true;
    earliest = Number.POSITIVE_INFINITY;
    current = Promise.resolve()
      .then(run)
      .then((full) => {
        again ||= full;
      })
      .catch((error: unknown) => options.logger.error('the work loop failed; retrying', { error }))
      .finally(() => {
        running = false;
        current = undefined;
        schedule(again ? 0 : Math.max(0, Math.min(options.restMs, earliest - now())));
        again = false;
      });
  };
  const wakeAt = (at: number) => {
    if (running) earliest = Math.min(earliest, at);
    else if (at < timerAt) schedule(Math.max(0, at - now()));
  };

  schedule(0);
  return {
    wake: () => wakeAt(Number.NEGATIVE_INFINITY),
    wakeAt: (at) => {
      const ms = Date.parse(at);
      if (!Number.isNaN(ms)) wakeAt(ms);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

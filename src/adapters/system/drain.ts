export interface DrainOptions {
  /** one run of the due work; returns how many were due (`runDueWork`) */
  run(): Promise<number>;
  /** a run that returns this many was cut short: run again at once */
  batch: number;
  /** the earliest time any work falls due at or before `until`, if any */
  nextDueAt(until: string): Promise<string | undefined>;
  /** whether work became due during the last run (the services' `wake`); reading it clears it */
  takeWake(): boolean;
  /** least pause between two runs, as the server's work loop (a step that failed stays due) */
  intervalMs: number;
  /** no run starts after this many ms from now */
  budgetMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One worker invocation on Lambda: runs the due work until none is left and none falls due within the
 * budget. The one-minute schedule alone would poll an invalidation once a minute; staying while work is
 * about to fall due (a poll 5 s after a submission) keeps the first checks as fast as the server's, and
 * an idle invocation ends after one run. Returns how many runs it made.
 */
export async function drainDueWork(options: DrainOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const stopAt = now() + options.budgetMs;
  let runs = 0;
  for (;;) {
    const due = await options.run();
    runs += 1;
    const woken = options.takeWake();
    if (now() >= stopAt) return runs;
    if (due >= options.batch || woken) continue;
    const next = await options.nextDueAt(new Date(stopAt).toISOString());
    if (next === undefined) return runs;
    const wait = Math.max(options.intervalMs, Date.parse(next) - now());
    if (now() + wait >= stopAt) return runs;
    await sleep(wait);
  }
}

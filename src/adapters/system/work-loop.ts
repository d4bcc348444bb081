import type { Logger } from '../../usecases/ports.js';

export interface WorkLoop {
  /** run as soon as possible (work just became due) */
  wake(): void;
  /** stop scheduling and wait for the current run to finish */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs`, never two at once; a wake during a run triggers one more run right after.
 * `run` returns whether it filled its batch, in which case the next run follows at once.
 */
export function startWorkLoop(
  run: () => Promise<boolean>,
  options: { intervalMs: number; logger: Logger },
): WorkLoop {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
  };
  const tick = () => {
    if (current) {
      again = true;
      return;
    }
    current = run()
      .then((full) => {
        again ||= full;
      })
      .catch((error: unknown) => options.logger.error('the work loop failed; retrying', { error }))
      .finally(() => {
        current = undefined;
        schedule(again ? 0 : options.intervalMs);
        again = false;
      });
  };

  schedule(0);
  return {
    wake: () => {
      if (current) again = true;
      else schedule(0);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

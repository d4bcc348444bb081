/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for an asynchronous probe (a read of the table, say) to give a value: polled every 100 ms until it
 * gives something other than undefined or false, or `timeoutMs` passes. The stand-ins' `waitFor` takes
 * synchronous probes only.
 */
export async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms: ${String(probe).slice(0, 200)}`);
    await sleep(100);
  }
}

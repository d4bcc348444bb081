/**
 * How long one answer of the readiness check stands. `/healthz` is unauthenticated: without this, every
 * probe (a load balancer's, or a flood of them) is a DynamoDB call; with it, at most one per window, and a
 * table gone or unreachable shows within the window.
 */
export const HEALTH_CHECK_CACHE_MS = 3_000;

/**
 * A check whose answer, good or bad, is kept for `ttlMs` from when it arrived; callers who come while a
 * check runs share that one call. A check that throws counts as a bad answer.
 */
export function cachedCheck(
  check: () => Promise<boolean>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<boolean> {
  let last: { ok: boolean; at: number } | undefined;
  let running: Promise<boolean> | undefined;
  return () => {
    if (last && now() - last.at < ttlMs) return Promise.resolve(last.ok);
    running ??= check()
      .catch(() => false)
      .then((ok) => {
        last = { ok, at: now() };
        running = undefined;
        return ok;
      });
    return running;
  };
}

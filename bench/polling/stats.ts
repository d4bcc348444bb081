export interface LagSummary {
  count: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
  minMs: number;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list: always one of the measured values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarize(values: readonly number[]): LagSummary {
  if (values.length === 0) {
    return { count: 0, medianMs: Number.NaN, p90Ms: Number.NaN, maxMs: Number.NaN, minMs: Number.NaN };
  }
  return {
    count: values.length,
    medianMs: percentile(values, 50),
    p90Ms: percentile(values, 90),
    maxMs: Math.max(...values),
    minMs: Math.min(...values),
  };
}

/** Runs `task` for every item, at most `limit` at a time; resolves with the results in item order. */
export async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * How long each invalidation takes in the bench: drawn once from a seeded PRNG, so every run (and both sides
 * of one run) see the same delays. AWS states Completed within 25 s at P95; a uniform 5–60 s spread is
 * longer than that on purpose, so that the bot's back-off is exercised as well as its first checks.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
 */
export interface DelayModel {
  seed: number;
  minMs: number;
  maxMs: number;
  count: number;
}

/** mulberry32: a tiny 32-bit PRNG; good enough to spread delays, and the same on every machine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` delays, uniform in [minMs, maxMs), whole milliseconds. */
export function drawDelays(model: DelayModel): number[] {
  const random = mulberry32(model.seed);
  return Array.from({ length: model.count }, () =>
    Math.floor(model.minMs + random() * (model.maxMs - model.minMs)),
  );
}

export interface CreationOrderDelays {
  /** for the stand-in's `completeAfterMs`: the n-th invalidation created completes after delays[n] */
  next: () => number;
  /** how many invalidations asked for a delay (more than the list means more were created than planned) */
  used: () => number;
}

/** Hands out the delays in creation order, so two stand-ins fed the same list draw the same delays. */
export function inCreationOrder(delays: readonly number[]): CreationOrderDelays {
  let used = 0;
  return {
    next: () => {
      const delay = delays[used % delays.length] ?? 0;
      used += 1;
      return delay;
    },
    used: () => used,
  };
}

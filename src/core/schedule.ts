/**
 * When the next step of work is due. CloudFront reports most invalidations Completed within 25 s (P95,
 * 2026), older reports speak of 10–40 minutes: poll fast at first, back off to a steady interval, never give up.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
 */
export interface PollingSchedule {
  firstCheckMs: number;
  maxIntervalMs: number;
}

/**
 * Delay before a distribution is polled again, from the age of its youngest in-flight invalidation:
 * every `firstCheckMs` while it is young, then a quarter of its age, up to the maximum. A new submission
 * makes the distribution young again. One poll reports every invalidation of the distribution at once.
 */
export function pollDelayMs(youngestAgeMs: number, schedule: PollingSchedule): number {
  return Math.min(schedule.maxIntervalMs, Math.max(schedule.firstCheckMs, Math.floor(youngestAgeMs / 4)));
}

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * Exponential backoff with full jitter for a transiently failed step; `random` is in [0, 1) and comes from
 * the caller so that this stays pure. https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function retryDelayMs(attempt: number, random: number): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.max(RETRY_BASE_MS / 2, Math.floor(ceiling * random));
}

export function addMs(isoTime: string, ms: number): string {
  return new Date(Date.parse(isoTime) + ms).toISOString();
}

export function elapsedMs(fromIso: string, toIso: string): number {
  return Date.parse(toIso) - Date.parse(fromIso);
}

/** "2m 13s", "45s", "1h 02m": how long something took, for people. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

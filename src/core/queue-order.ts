import { addLoad, type Load } from './capacity.js';

/** A request waiting for CloudFront capacity on one distribution, as the queue sees it. */
export interface QueueEntry {
  id: string;
  requester: string;
  createdAt: string;
  /** the capacity it waits for */
  load: Load;
}

type Ordered = Pick<QueueEntry, 'id' | 'requester' | 'createdAt'>;

const byAge = (a: Ordered, b: Ordered) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/**
 * The order in which queued requests get CloudFront capacity: round-robin by requester, oldest first within
 * each. Round k holds every requester's k-th oldest request, in order of age; so a flood from one requester
 * takes one place per round, and another requester's single request, made after the flood, goes second.
 *
 * No request is starved: a newcomer lands behind every request of its round that is older than it, and a
 * request's round only ever goes down (as its requester's older requests leave), so only finitely many
 * requests can ever be placed ahead of it.
 */
export function admissionOrder<E extends Ordered>(entries: readonly E[]): E[] {
  const rounds: E[][] = [];
  const seen = new Map<string, number>();
  for (const entry of [...entries].sort(byAge)) {
    const round = seen.get(entry.requester) ?? 0;
    seen.set(entry.requester, round + 1);
    const members = rounds[round] ?? [];
    members.push(entry);
    rounds[round] = members;
  }
  return rounds.flat();
}

/**
 * What the requests that go before `candidate` wait for: capacity `candidate` may not take (it may go past
 * them only with what is left, so a plain path need not wait behind a wildcard, but never at their cost).
 * `candidate` itself may or may not be among `queued`.
 */
export function loadAhead(queued: readonly QueueEntry[], candidate: Ordered): Load {
  const others = queued.filter((entry) => entry.id !== candidate.id);
  const order = admissionOrder<Ordered & { load?: Load }>([...others, candidate]);
  const ahead = order.slice(
    0,
    order.findIndex((entry) => entry.id === candidate.id),
  );
  return ahead.reduce<Load>((load, entry) => addLoad(load, entry.load ?? NO_LOAD), NO_LOAD);
}

const NO_LOAD: Load = { paths: 0, wildcards: 0 };

/** A queued request looks at capacity again after this long at first. */
export const QUEUE_RECHECK_FIRST_MS = 5_000;
/** ... and at least this often, however long it has waited. */
export const QUEUE_RECHECK_MAX_MS = 60_000;

/**
 * When a queued request that found no room looks again: after as long as it has waited so far (5 s,
 * then 5, 10, 20, 40 s), up to a minute. The bot wakes queued requests itself as soon as its own
 * invalidations complete, so this only bounds how late a request notices room that freed up outside
 * the bot's view (invalidations made elsewhere, a wake-up lost to a crash).
 */
export function queueRecheckMs(queuedForMs: number): number {
  return Math.min(QUEUE_RECHECK_MAX_MS, Math.max(QUEUE_RECHECK_FIRST_MS, queuedForMs));
}

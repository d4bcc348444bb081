import { addLoad, type Load } from './capacity.js';

/** A request waiting for CloudFront capacity on one distribution, as the queue sees it. */
export interface QueueEntry {
  id: string;
  requester: string;
  createdAt: string;
  /** its requester's turn, given when it joined the queue (`nextTurn`) */
  turn: number;
  /** the capacity it waits for */
  load: Load;
}

type Ordered = Pick<QueueEntry, 'id' | 'requester' | 'createdAt' | 'turn'>;

const byAge = (a: Ordered, b: Ordered) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/**
 * The turn a request of `requester` takes as it joins the queue: one past its requester's last queued
 * request, and never before the turn of the oldest request in the queue. So a flood from one requester
 * takes turns 0, 1, 2, …, and another requester's single request, made after it, takes the turn of the
 * flood's oldest and goes second: round-robin by requester, oldest first within each.
 */
export function nextTurn(queued: readonly Ordered[], requester: string): number {
  const [oldest] = [...queued].sort(byAge);
  const own = queued.filter((entry) => entry.requester === requester).map((entry) => entry.turn + 1);
  return Math.max(oldest?.turn ?? 0, ...own);
}

/**
 * The order in which queued requests get CloudFront capacity: by turn, then oldest first.
 *
 * No request is starved: a newcomer's turn is at least the oldest queued request's, and it is newer, so it
 * lands behind the oldest; only the finitely many requests already ahead of the oldest go before it. Once
 * the oldest has gone, the next oldest is in the same place, and so on.
 */
export function admissionOrder<E extends Ordered>(entries: readonly E[]): E[] {
  return [...entries].sort((a, b) => a.turn - b.turn || byAge(a, b));
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

import type { RequestStore } from '../../usecases/ports.js';
import { systemClock } from './clock.js';

/** For each store write that sets a due time, where its arguments carry that time. */
const DUE_TIMES: { [K in keyof RequestStore]?: (args: Parameters<RequestStore[K]>) => string | undefined } = {
  create: ([transition]) => transition.request.dueAt,
  save: ([transition]) => transition.request.dueAt,
  scheduleTask: ([, at]) => at,
  finishTask: ([, , , next]) => next,
  nudge: ([, now]) => now,
  recheckQueued: ([, , at]) => at,
};

/** Writes whose due time is now, told all the same: nothing in this process takes up what they make due. */
const TOLD_AT_ONCE: ReadonlySet<PropertyKey> = new Set<keyof RequestStore>(['nudge']);

/**
 * The store, telling `onDue` each due time it writes (after the write returned; a save that lost its
 * version race writes nothing, and tells nothing). The server's work loop rests until the earliest of them
 * instead of asking the table again and again. Only future times are told, but for a queue's nudge: work
 * due at once is either handed on by the writer itself (a notice to the deliveries) or announced with
 * `wake`, and a look for it would only claim what this process is doing already. Claims are not told: a lease that runs out because
 * its step failed is found by the loop's next look, within its rest.
 */
export function watchDueTimes(
  store: RequestStore,
  onDue: (at: string) => void,
  now: () => string = systemClock.now,
): RequestStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      const dueTime = DUE_TIMES[property as keyof RequestStore] as
        | ((args: unknown[]) => string | undefined)
        | undefined;
      if (!dueTime || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
        const at = dueTime(args);
        if (at === undefined || result === false) return result;
        if (at > now() || TOLD_AT_ONCE.has(property)) onDue(at);
        return result;
      };
    },
  });
}

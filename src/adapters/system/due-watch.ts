import type { Proposals, Requests, Stores, WorkQueue } from '../../usecases/ports.js';
import { systemClock } from './clock.js';

/** The stores whose writes set due times. */
export type DueWriters = Pick<Stores, 'requests' | 'work' | 'proposals'>;

/**
 * The request, proposal and work-queue stores, telling `onDue` each due time they write, once the write returned (a
 * save that lost its version race writes nothing, and tells nothing). The server's work loop rests until
 * the earliest of them instead of asking the table again and again. Only future times are told, but for a
 * queue's nudge: work due at once is either handed on by the writer itself (a notice to the Slack lane) or
 * announced with `wake`, and a look for it would only claim what this process is doing already. Claims
 * are not told: a lease that runs out because its step failed is found by the loop's next look, within
 * its rest.
 */
export function watchDueTimes(
  stores: DueWriters,
  onDue: (at: string) => void,
  now: () => string = systemClock.now,
): DueWriters {
  const tell = (at: string | undefined, evenNow = false) => {
    if (at !== undefined && (evenNow || at > now())) onDue(at);
  };
  const { requests, work, proposals } = stores;
  const watchedRequests: Requests = {
    get: (id) => requests.get(id),
    create: async (transition) => {
      await requests.create(transition);
      tell(transition.request.dueAt);
    },
    save: async (transition, lease) => {
      const saved = await requests.save(transition, lease);
      // A leased save's work goes on here at once; should it fail, the next look finds it after the lease.
      if (saved && !lease) tell(transition.request.dueAt);
      return saved;
    },
  };
  const watchedWork: WorkQueue = {
    due: (until, limit) => work.due(until, limit),
    claim: (request, owner, at, until) => work.claim(request, owner, at, until),
    claimProposal: (proposal, owner, at, until) => work.claimProposal(proposal, owner, at, until),
    claimTask: (task, owner, at, until) => work.claimTask(task, owner, at, until),
    scheduleTask: async (task, at) => {
      await work.scheduleTask(task, at);
      tell(at);
    },
    finishTask: async (task, owner, claimedDueAt, next) => {
      await work.finishTask(task, owner, claimedDueAt, next);
      tell(next);
    },
    nudge: async (requestId, at) => {
      await work.nudge(requestId, at);
      tell(at, true);
    },
    recheckQueued: async (request, owner, at) => {
      await work.recheckQueued(request, owner, at);
      tell(at);
    },
  };
  const watchedProposals: Proposals = {
    get: (id) => proposals.get(id),
    create: async (proposal, event) => {
      const created = await proposals.create(proposal, event);
      if (created) tell(proposal.dueAt);
      return created;
    },
    save: async (proposal, event) => {
      const saved = await proposals.save(proposal, event);
      if (saved) tell(proposal.dueAt);
      return saved;
    },
  };
  return { requests: watchedRequests, work: watchedWork, proposals: watchedProposals };
}

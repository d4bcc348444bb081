import { hourOf, secondsLeftInHour } from '../../src/adapters/aws/dynamodb/pipeline-ledger.js';
import { billingMonth } from '../../src/core/cost.js';
import type { Proposal, ProposalEvent } from '../../src/core/proposal.js';
import {
  type AuditEvent,
  addLoad,
  type CommandRefusalRecord,
  distributionIds,
  type InvalidationRequest,
  inFlightLoadOn,
  loadOf,
  REFUSALS_KEPT_PER_REQUEST,
  type RequestIn,
  type Transition,
} from '../../src/core/request.js';
import type { UsageRow } from '../../src/core/usage.js';
import type {
  AuditQueries,
  Capacity,
  DigestMarker,
  DigestMarkers,
  DistributionListing,
  DueWork,
  KeyClaim,
  Lease,
  PipelineLedger,
  Proposals,
  QueuedRequest,
  RecentQuery,
  ReconcileProgress,
  ReconcileState,
  RefusalRecorded,
  Refusals,
  Requests,
  SeenInvalidation,
  StoredRequest,
  StoreHealth,
  Task,
  UsageLedger,
  WorkQueue,
} from '../../src/usecases/ports.js';
import { RequestExistsError } from '../../src/usecases/ports.js';

/** One request as kept in memory: what the table's request item holds. */
interface Entry extends StoredRequest {
  refusalKeys: Set<string>;
  lease?: { owner: string; until: string };
  lastRefusalNotKept?: string;
  /** where the due index has it (a claim moves it to the lease's end without rewriting the request) */
  dueAt?: string;
}

/**
 * The store ports in memory, with the DynamoDB stores' semantics where use cases depend on them (a save
 * conditional on the version, refusals kept up to REFUSALS_KEPT_PER_REQUEST, leases), for use-case tests
 * that need no table. Each port is a plain object over the same maps; `failing` makes every write throw.
 */
export class MemoryStores {
  readonly entries = new Map<string, Entry>();
  readonly commandRefusals: CommandRefusalRecord[] = [];
  readonly tasks = new Map<
    string,
    { task: Task; dueAt?: string; lease?: { owner: string; until: string } }
  >();
  readonly seen = new Map<string, SeenInvalidation>();
  /** idempotency keys claimed, by pipeline and key */
  readonly keyClaims = new Map<string, KeyClaim>();
  /** requests counted, by pipeline and UTC hour */
  readonly pipelineHours = new Map<string, number>();
  /** digest markers, by period key */
  readonly markers = new Map<string, DigestMarker>();
  /** every successful create and save, in order */
  readonly created: Transition[] = [];
  readonly saved: Transition[] = [];
  failing = false;

  /** Puts a request in as if stored earlier, without a write. */
  seed(request: InvalidationRequest, events: AuditEvent[] = []): void {
    const entry: Entry = { request, events, refusalKeys: new Set() };
    if (request.dueAt !== undefined) entry.dueAt = request.dueAt;
    this.entries.set(request.id, entry);
  }

  /** Every refused click kept as an event, across requests. */
  refusedClicks(): AuditEvent[] {
    return [...this.entries.values()].flatMap((entry) => entry.events.filter((e) => e.type === 'refused'));
  }

  private write(): void {
    if (this.failing) throw new Error('connect ECONNREFUSED');
  }

  readonly requests: Requests = {
    create: async (transition: Transition) => {
      this.write();
      const { request, event } = transition;
      if (this.entries.has(request.id)) throw new RequestExistsError(request.id);
      this.seed(request, event ? [event] : []);
      this.created.push(transition);
    },
    get: async (id: string) => {
      const entry = this.entries.get(id);
      if (!entry) return undefined;
      const { request, events, refusalsNotKept } = entry;
      return refusalsNotKept
        ? { request, events: [...events], refusalsNotKept }
        : { request, events: [...events] };
    },
    save: async (transition: Transition, lease?: Lease) => {
      this.write();
      const { request, event } = transition;
      const entry = this.entries.get(request.id);
      if (!entry || entry.request.version !== request.version - 1) return false;
      entry.request = request;
      if (event) entry.events.push(event);
      delete entry.lease;
      if (lease) Object.assign(entry, { lease, dueAt: lease.until });
      else if (request.dueAt === undefined) delete entry.dueAt;
      else entry.dueAt = request.dueAt;
      this.saved.push(transition);
      return true;
    },
  };

  readonly refusals: Refusals = {
    recordRefusal: async (event: AuditEvent): Promise<RefusalRecorded> => {
      this.write();
      const entry = this.entries.get(event.requestId);
      if (!entry || entry.refusalKeys.has(event.key)) return 'unchanged';
      if (entry.refusalKeys.size < REFUSALS_KEPT_PER_REQUEST) {
        entry.refusalKeys.add(event.key);
        entry.events.push(event);
        return 'kept';
      }
      if (entry.lastRefusalNotKept === event.key) return 'unchanged';
      entry.lastRefusalNotKept = event.key;
      entry.refusalsNotKept = { count: (entry.refusalsNotKept?.count ?? 0) + 1, lastAt: event.at };
      return 'counted';
    },
    recordCommandRefusal: async (refusal: CommandRefusalRecord) => {
      this.write();
      if (!this.commandRefusals.some((kept) => kept.id === refusal.id)) this.commandRefusals.push(refusal);
    },
    commandRefusalsIn: (month: string) =>
      listed(
        this.commandRefusals
          .filter((refusal) => billingMonth(refusal.at) === month)
          .sort((a, b) => a.at.localeCompare(b.at)),
      ),
  };

  readonly work: WorkQueue = {
    due: async (now: string, limit: number) => {
      const requests = [...this.entries.values()]
        .filter((entry) => entry.dueAt !== undefined && entry.dueAt <= now)
        .map((entry): DueWork => ({ kind: 'request', request: entry.request, dueAt: entry.dueAt ?? '' }));
      const tasks = [...this.tasks.values()]
        .filter((held) => held.dueAt !== undefined && held.dueAt <= now)
        .map((held): DueWork => ({ kind: 'task', task: held.task, dueAt: held.dueAt ?? '' }));
      return [...tasks, ...requests.slice(0, limit)].sort((a, b) => a.dueAt.localeCompare(b.dueAt));
    },
    claim: async (request: InvalidationRequest, owner: string, now: string, until: string) => {
      this.write();
      const entry = this.entries.get(request.id);
      if (!entry || entry.request.version !== request.version) return false;
      if (entry.lease && entry.lease.until >= now) return false;
      entry.lease = { owner, until };
      entry.dueAt = until;
      return true;
    },
    claimProposal: async () => {
      throw new Error('the in-memory stores keep no proposals: use dynalite');
    },
    claimTask: async (task: Task, owner: string, now: string, until: string) => {
      this.write();
      const held = this.tasks.get(taskKey(task));
      if (!held?.dueAt || (held.lease && held.lease.until >= now)) return false;
      held.lease = { owner, until };
      return true;
    },
    scheduleTask: async (task: Task, at: string) => {
      this.write();
      const held = this.tasks.get(taskKey(task)) ?? { task };
      if (held.dueAt === undefined || held.dueAt > at) held.dueAt = at;
      this.tasks.set(taskKey(task), held);
    },
    finishTask: async (task: Task, owner: string, claimedDueAt: string, next: string | undefined) => {
      this.write();
      const held = this.tasks.get(taskKey(task));
      if (held?.lease?.owner !== owner) return;
      delete held.lease;
      if (held.dueAt !== claimedDueAt) return;
      if (next === undefined) delete held.dueAt;
      else held.dueAt = next;
    },
    nudge: async (requestId: string, now: string) => {
      this.write();
      const entry = this.entries.get(requestId);
      if (entry?.request.status === 'queued') entry.dueAt = now;
    },
    recheckQueued: async (request: RequestIn<'queued'>, owner: string, at: string) => {
      this.write();
      const entry = this.entries.get(request.id);
      if (!entry || entry.request.version !== request.version || entry.lease?.owner !== owner) return;
      if (entry.dueAt === entry.lease.until) entry.dueAt = at;
      delete entry.lease;
    },
  };

  readonly capacity: Capacity = {
    // A request on several distributions is in flight on each of them.
    inFlightRequests: async (distributionId: string) =>
      [...this.entries.values()]
        .map((entry) => entry.request)
        .filter((request) => distributionIds(request.distribution).includes(distributionId))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .filter((request): request is RequestIn<'in_progress'> => request.status === 'in_progress'),
    inFlightLoad: async (distributionId: string, exceptId?: string) =>
      (await this.capacity.inFlightRequests(distributionId))
        .filter((request) => request.id !== exceptId)
        .map((request) => inFlightLoadOn(request, distributionId))
        .reduce(addLoad, { paths: 0, wildcards: 0 }),
    queued: async (distributionId: string) =>
      this.requestsOf(distributionId)
        .filter((request): request is RequestIn<'queued'> => request.status === 'queued')
        .map(
          (request): QueuedRequest => ({
            id: request.id,
            requester: request.requester,
            createdAt: request.createdAt,
            turn: request.turn ?? 0,
            load: loadOf(request.paths),
          }),
        ),
  };

  readonly ledger: UsageLedger = {
    seenInvalidations: async (distributionId: string, invalidationIds: string[]) =>
      new Set(invalidationIds.filter((id) => this.seen.has(`${distributionId}#${id}`))),
    markSeen: async (seen: SeenInvalidation) => {
      this.write();
      const key = `${seen.distributionId}#${seen.invalidationId}`;
      if (!this.seen.has(key)) this.seen.set(key, seen);
    },
    usageRows: async (month: string) => [...this.botUsage(month), ...this.externalUsage(month)],
    monthPaths: async (month: string) =>
      (await this.ledger.usageRows(month)).reduce((total, row) => total + row.paths, 0),
  };

  /** reconciliation's listing and per-distribution progress */
  listing: DistributionListing | undefined;
  readonly progress = new Map<string, ReconcileProgress>();

  readonly reconcileState: ReconcileState = {
    listing: async () => this.listing,
    saveListing: async (listing: DistributionListing) => {
      this.write();
      this.listing = listing;
    },
    progress: async (distributionId: string) => this.progress.get(distributionId) ?? {},
    saveProgress: async (distributionId: string, progress: ReconcileProgress) => {
      this.write();
      this.progress.set(distributionId, progress);
    },
  };

  readonly audit: AuditQueries = {
    recentRequests: async (query: RecentQuery) => {
      const requests = [...this.entries.values()]
        .map((entry) => entry.request)
        .filter((request) => !query.distributionId || request.distribution.id === query.distributionId)
        .filter((request) => !query.requester || request.requester === query.requester)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return { requests: requests.slice(0, query.limit) };
    },
    requestsCreatedIn: (month: string) =>
      listed(this.storedWhere((entry) => billingMonth(entry.request.createdAt) === month)),
    requestsActiveIn: (months: readonly string[]) => {
      const [first = ''] = months;
      return listed(
        this.storedWhere(
          (entry) =>
            billingMonth(entry.request.createdAt) < first &&
            entry.events.some((event) => months.includes(billingMonth(event.at))),
        ),
      );
    },
    // the in-memory stores keep no proposals (they are tested through dynalite)
    proposalsCreatedIn: () => listed([]),
    pendingApprovals: async () =>
      [...this.entries.values()]
        .map((entry) => entry.request)
        .filter((request): request is RequestIn<'pending_approval'> => request.status === 'pending_approval'),
  };

  readonly pipelineLedger: PipelineLedger = {
    claimKey: async ({ pipeline, key, requestId, fingerprint }) => {
      this.write();
      const name = JSON.stringify([pipeline, key]);
      const earlier = this.keyClaims.get(name);
      if (earlier) return { claimed: false, ...earlier };
      this.keyClaims.set(name, { requestId, fingerprint });
      return { claimed: true };
    },
    countHourly: async (pipeline: string, now: string, limit: number) => {
      this.write();
      const name = JSON.stringify([pipeline, hourOf(now)]);
      const counted = this.pipelineHours.get(name) ?? 0;
      if (counted >= limit) return { allowed: false, retryAfterSeconds: secondsLeftInHour(now) };
      this.pipelineHours.set(name, counted + 1);
      return { allowed: true };
    },
  };

  readonly digestMarkers: DigestMarkers = {
    get: async (periodKey: string) => this.markers.get(periodKey),
    begin: async (periodKey: string, at: string, replacing?: string) => {
      this.write();
      const marker = this.markers.get(periodKey);
      const free = marker === undefined || (marker.state === 'posting' && marker.at === replacing);
      if (free) this.markers.set(periodKey, { state: 'posting', at });
      return free;
    },
    posted: async (periodKey: string) => {
      this.write();
      this.markers.set(periodKey, { state: 'posted' });
    },
  };

  readonly proposalItems = new Map<string, { proposal: Proposal; events: ProposalEvent[] }>();

  readonly proposals: Proposals = {
    create: async (proposal: Proposal, event: ProposalEvent) => {
      this.write();
      if (this.proposalItems.has(proposal.id)) return false;
      this.proposalItems.set(proposal.id, { proposal, events: [event] });
      return true;
    },
    get: async (id: string) => this.proposalItems.get(id),
    save: async (proposal: Proposal, event?: ProposalEvent) => {
      this.write();
      const stored = this.proposalItems.get(proposal.id);
      if (!stored || stored.proposal.version !== proposal.version - 1) return false;
      this.proposalItems.set(proposal.id, {
        proposal,
        events: event ? [...stored.events, event] : stored.events,
      });
      return true;
    },
  };

  readonly health: StoreHealth = {
    ping: async () => this.write(),
  };

  private requestsOf(distributionId: string): InvalidationRequest[] {
    return [...this.entries.values()]
      .map((entry) => entry.request)
      .filter((request) => request.distribution.id === distributionId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  private storedWhere(keep: (entry: Entry) => boolean): StoredRequest[] {
    return [...this.entries.values()]
      .filter(keep)
      .sort((a, b) => a.request.createdAt.localeCompare(b.request.createdAt))
      .map(({ request, events }) => ({ request, events: [...events] }));
  }

  private botUsage(month: string): UsageRow[] {
    return [...this.entries.values()].flatMap(({ request }) => {
      if (request.status !== 'in_progress' && request.status !== 'completed') return [];
      if (billingMonth(request.submittedAt) !== month) return [];
      const paths = request.batches
        .filter((batch) => batch.invalidationId !== undefined)
        .reduce((sum, batch) => sum + batch.end - batch.start, 0);
      return [
        {
          id: request.id,
          paths,
          distributionId: request.distribution.id,
          external: false,
          submittedAt: request.submittedAt,
          requester: request.requester,
        },
      ];
    });
  }

  private externalUsage(month: string): UsageRow[] {
    return [...this.seen.values()]
      .filter((seen) => seen.external && billingMonth(seen.createTime) === month)
      .map((seen) => ({
        id: seen.invalidationId,
        paths: seen.paths,
        distributionId: seen.distributionId,
        external: true,
        submittedAt: seen.createTime,
      }));
  }
}

function taskKey(task: Task): string {
  return `${task.kind}#${task.distributionId}`;
}

async function* listed<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

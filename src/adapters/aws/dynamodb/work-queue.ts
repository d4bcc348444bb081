import type { Proposal } from '../../../core/proposal.js';
import type { InvalidationRequest, RequestIn } from '../../../core/request.js';
import type { DueWork, Task, WorkQueue } from '../../../usecases/ports.js';
import { MalformedItemError, parseDueAt, parseProposal, parseStored, parseTask } from './items.js';
import { Indexes, Keys } from './keys.js';
import type { Item, Table, TableQuery } from './table.js';

/** Due work in the sparse `due` index: requests' next steps and tasks, each taken under a lease. */
export class DynamoDbWorkQueue implements WorkQueue {
  constructor(private readonly table: Table) {}

  /** Whether this process moved the tasks an earlier version left in their own partition (once is enough). */
  private olderTasksMoved = false;

  // One query: tasks (due `!<time>`, keys.ts) sort ahead of every request, so however many requests are
  // due, a poll (which frees CloudFront capacity for them) is never left out; the filter drops tasks not
  // due yet, and pages follow while the batch is not full. Earliest first once read.
  async due(now: string, limit: number): Promise<DueWork[]> {
    if (!this.olderTasksMoved) await this.moveOlderTasks();
    const query: TableQuery = {
      IndexName: Indexes.due,
      KeyConditionExpression: 'duePk = :duePk AND dueAt <= :now',
      FilterExpression: 'attribute_not_exists(taskDueAt) OR taskDueAt <= :now',
      ExpressionAttributeValues: { ':duePk': Keys.duePartition, ':now': now },
    };
    const items: Item[] = [];
    do {
      const page = await this.table.queryPage({ ...query, Limit: limit - items.length });
      items.push(...(page.Items ?? []));
      query.ExclusiveStartKey = page.LastEvaluatedKey;
    } while (query.ExclusiveStartKey && items.length < limit);
    const work = await Promise.all(items.map((item) => this.readDue(item)));
    return work.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  private async readDue(item: Item): Promise<DueWork> {
    try {
      if (item.sk === Keys.taskSk) return { kind: 'task', ...parseTask(item) };
      if (item.sk === Keys.proposalSk)
        return { kind: 'proposal', proposal: parseProposal(item).proposal, dueAt: parseDueAt(item) };
      return { kind: 'request', request: parseStored(item).request, dueAt: parseDueAt(item) };
    } catch (error) {
      if (!(error instanceof MalformedItemError)) throw error;
      await this.setAside(item, error.message);
      return { kind: 'unreadable', key: error.key, problem: error.message, dueAt: String(item.dueAt ?? '') };
    }
  }

  // Out of the sparse due index (no `duePk`), with why: nothing of it is lost, and nothing due waits
  // behind it. Conditional on the item being as read, so a version that did write it meanwhile wins.
  private async setAside(item: Item, problem: string): Promise<void> {
    await this.table.update({
      Key: { pk: item.pk, sk: item.sk },
      UpdateExpression: 'REMOVE duePk SET setAsideBecause = :problem',
      ConditionExpression: 'duePk = :duePk AND dueAt = :dueAt',
      ExpressionAttributeValues: { ':problem': problem, ':duePk': item.duePk, ':dueAt': item.dueAt },
    });
  }

  // Earlier versions kept due tasks in a partition of their own: each moves to the one due partition
  // unless it moved meanwhile (then its writer already wrote it there).
  private async moveOlderTasks(): Promise<void> {
    for await (const item of this.table.query({
      IndexName: Indexes.due,
      KeyConditionExpression: 'duePk = :duePk',
      ExpressionAttributeValues: { ':duePk': Keys.olderTaskPartition },
    })) {
      const { task, dueAt } = parseTask(item);
      await this.table.update({
        Key: Keys.task(task.kind, task.distributionId),
        UpdateExpression: 'SET duePk = :duePk, dueAt = :at, taskDueAt = :was',
        ConditionExpression: 'duePk = :older AND dueAt = :was',
        ExpressionAttributeValues: {
          ':duePk': Keys.duePartition,
          ':at': Keys.taskDue(dueAt),
          ':older': Keys.olderTaskPartition,
          ':was': dueAt,
        },
      });
    }
    this.olderTasksMoved = true;
  }

  //   worker A: claim(v5, lease free) ✓ ── step ── save(v6 if v=5), lease removed
  //   worker B: claim(v5) ✗ lease held until A's leaseUntil, or v moved on
  // A claim also moves the item's place in the due index to the end of its lease: held work leaves the
  // head of the index to work that can be taken (a poll behind a thousand held submissions included),
  // and if A dies, the work is due again exactly when its lease runs out. save() sets the real due time.
  async claim(request: InvalidationRequest, owner: string, now: string, until: string): Promise<boolean> {
    return this.claimItem(Keys.request(request.id), request.version, owner, now, until);
  }

  async claimProposal(proposal: Proposal, owner: string, now: string, until: string): Promise<boolean> {
    return this.claimItem(Keys.proposal(proposal.id), proposal.version, owner, now, until);
  }

  private async claimItem(
    key: { pk: string; sk: string },
    version: number,
    owner: string,
    now: string,
    until: string,
  ): Promise<boolean> {
    const outcome = await this.table.update({
      Key: key,
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, dueAt = :until',
      ConditionExpression: '#version = :version AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: {
        ':owner': owner,
        ':until': until,
        ':version': version,
        ':now': now,
      },
    });
    return outcome === 'written';
  }

  //   submit: scheduleTask(poll, now+5s) → dueAt moves earlier only
  //   worker: claimTask ─ list, update requests ─ finishTask(next, if dueAt still = claimed)
  // A due time an earlier version wrote (not `!<time>`) is replaced: it is at most a poll interval off.
  async scheduleTask(task: Task, at: string): Promise<void> {
    await this.table.update({
      Key: Keys.task(task.kind, task.distributionId),
      UpdateExpression:
        'SET duePk = :duePk, dueAt = :at, taskDueAt = :plain, distributionId = :distributionId, taskKind = :kind',
      ConditionExpression: 'attribute_not_exists(dueAt) OR dueAt > :at OR NOT begins_with(dueAt, :task)',
      ExpressionAttributeValues: {
        ':duePk': Keys.duePartition,
        ':at': Keys.taskDue(at),
        ':plain': at,
        ':task': Keys.taskDuePrefix,
        ':distributionId': task.distributionId,
        ':kind': task.kind,
      },
    });
  }

  async claimTask(task: Task, owner: string, now: string, until: string): Promise<boolean> {
    const outcome = await this.table.update({
      Key: Keys.task(task.kind, task.distributionId),
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
      ConditionExpression:
        'attribute_exists(dueAt) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
      ExpressionAttributeValues: { ':owner': owner, ':until': until, ':now': now },
    });
    return outcome === 'written';
  }

  async finishTask(task: Task, owner: string, claimedDueAt: string, next: string | undefined) {
    const key = Keys.task(task.kind, task.distributionId);
    const reschedule = next
      ? {
          UpdateExpression:
            'SET duePk = :duePk, dueAt = :next, taskDueAt = :plain REMOVE leaseOwner, leaseUntil',
          values: { ':duePk': Keys.duePartition, ':next': Keys.taskDue(next), ':plain': next },
        }
      : { UpdateExpression: 'REMOVE duePk, dueAt, taskDueAt, leaseOwner, leaseUntil', values: {} };
    // The claimed time as stored: `!<time>`, or `<time>` as an earlier version wrote it.
    const finished = await this.table.update({
      Key: key,
      UpdateExpression: reschedule.UpdateExpression,
      ConditionExpression: 'leaseOwner = :owner AND dueAt IN (:claimed, :claimedTask)',
      ExpressionAttributeValues: {
        ...reschedule.values,
        ':owner': owner,
        ':claimed': claimedDueAt,
        ':claimedTask': Keys.taskDue(claimedDueAt),
      },
    });
    if (finished === 'written') return;
    // A submission made the poll due sooner while we polled: keep that time, only let go of the lease.
    await this.table.update({
      Key: key,
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  async nudge(requestId: string, now: string): Promise<void> {
    await this.table.update({
      Key: Keys.request(requestId),
      UpdateExpression: 'SET duePk = :duePk, dueAt = :now',
      ConditionExpression: '#status = :queued',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':duePk': Keys.duePartition, ':now': now, ':queued': 'queued' },
    });
  }

  //   worker: claim(v7) sets dueAt = leaseUntil ─ no room ─ recheckQueued: dueAt = later, if dueAt = leaseUntil ✓
  //   poll:                 nudge: dueAt = now ──┘  → dueAt ≠ leaseUntil ✗ → only the lease goes, due now
  // Neither write touches `request` or `version`: a recheck costs two small writes, not a rewrite.
  async recheckQueued(request: RequestIn<'queued'>, owner: string, at: string): Promise<void> {
    const common = {
      Key: Keys.request(request.id),
      ExpressionAttributeNames: { '#version': 'version' },
    };
    const later = await this.table.update({
      ...common,
      UpdateExpression: 'SET dueAt = :at REMOVE leaseOwner, leaseUntil',
      ConditionExpression: '#version = :version AND leaseOwner = :owner AND dueAt = leaseUntil',
      ExpressionAttributeValues: { ':at': at, ':version': request.version, ':owner': owner },
    });
    if (later === 'written') return;
    await this.table.update({
      ...common,
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: '#version = :version AND leaseOwner = :owner',
      ExpressionAttributeValues: { ':version': request.version, ':owner': owner },
    });
  }
}

import type { InvalidationRequest, RequestIn } from '../../../core/request.js';
import type { DueWork, Task, WorkQueue } from '../../../usecases/ports.js';
import { parseDueAt, parseStored, parseTask } from './items.js';
import { Indexes, Keys } from './keys.js';
import type { Item, Table } from './table.js';

/** Due work in the sparse `due` index: requests' next steps and tasks, each taken under a lease. */
export class DynamoDbWorkQueue implements WorkQueue {
  constructor(private readonly table: Table) {}

  // Tasks come from their own partition, beside the first `limit` requests: however many requests are
  // due, a poll (which frees CloudFront capacity for them) is never left out. Earliest first. Tasks
  // scheduled before that partition existed are still in the requests' partition, and are read from there.
  async due(now: string, limit: number): Promise<DueWork[]> {
    const query = (partition: string) =>
      this.table.queryPage({
        IndexName: Indexes.due,
        KeyConditionExpression: 'duePk = :duePk AND dueAt <= :now',
        ExpressionAttributeValues: { ':duePk': partition, ':now': now },
        Limit: limit,
      });
    const [tasks, requests] = await Promise.all([query(Keys.dueTaskPartition), query(Keys.duePartition)]);
    const items: Item[] = [...(tasks.Items ?? []), ...(requests.Items ?? [])];
    items.sort((a, b) => String(a.dueAt).localeCompare(String(b.dueAt)));
    return items.map((item): DueWork => {
      if (item.sk === Keys.taskSk) return { kind: 'task', ...parseTask(item) };
      return { kind: 'request', request: parseStored(item).request, dueAt: parseDueAt(item) };
    });
  }

  //   worker A: claim(v5, lease free) ✓ ── step ── save(v6 if v=5), lease removed
  //   worker B: claim(v5) ✗ lease held until A's leaseUntil, or v moved on
  // A claim also moves the item's place in the due index to the end of its lease: held work leaves the
  // head of the index to work that can be taken (a poll behind a thousand held submissions included),
  // and if A dies, the work is due again exactly when its lease runs out. save() sets the real due time.
  async claim(request: InvalidationRequest, owner: string, now: string, until: string): Promise<boolean> {
    const outcome = await this.table.update({
      Key: Keys.request(request.id),
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, dueAt = :until',
      ConditionExpression: '#version = :version AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: {
        ':owner': owner,
        ':until': until,
        ':version': request.version,
        ':now': now,
      },
    });
    return outcome === 'written';
  }

  //   submit: scheduleTask(poll, now+5s) → dueAt moves earlier only
  //   worker: claimTask ─ list, update requests ─ finishTask(next, if dueAt still = claimed)
  async scheduleTask(task: Task, at: string): Promise<void> {
    await this.table.update({
      Key: Keys.task(task.kind, task.distributionId),
      UpdateExpression: 'SET duePk = :duePk, dueAt = :at, distributionId = :distributionId, taskKind = :kind',
      ConditionExpression: 'attribute_not_exists(dueAt) OR dueAt > :at',
      ExpressionAttributeValues: {
        ':duePk': Keys.dueTaskPartition,
        ':at': at,
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
      ? { UpdateExpression: 'SET dueAt = :next REMOVE leaseOwner, leaseUntil', values: { ':next': next } }
      : { UpdateExpression: 'REMOVE duePk, dueAt, leaseOwner, leaseUntil', values: {} };
    const finished = await this.table.update({
      Key: key,
      UpdateExpression: reschedule.UpdateExpression,
      ConditionExpression: 'leaseOwner = :owner AND dueAt = :claimed',
      ExpressionAttributeValues: { ...reschedule.values, ':owner': owner, ':claimed': claimedDueAt },
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

import { billingMonth } from '../../../core/cost.js';
import type { UsageRow } from '../../../core/usage.js';
import type { SeenInvalidation, UsageLedger } from '../../../usecases/ports.js';
import { parseSeen, parseUsageRow } from './items.js';
import { Indexes, Keys } from './keys.js';
import type { Table } from './table.js';

/** Billed usage from the sparse `usage` index, and the invalidations reconciliation has looked at. */
export class DynamoDbUsageLedger implements UsageLedger {
  constructor(private readonly table: Table) {}

  async seenInvalidations(distributionId: string, invalidationIds: string[]): Promise<Set<string>> {
    const keys = invalidationIds.map((id) => Keys.seen(distributionId, id));
    const items = await this.table.batchGet(keys, { projection: 'invalidationId' });
    return new Set(items.map(parseSeen));
  }

  async markSeen(seen: SeenInvalidation): Promise<void> {
    const usage = seen.external
      ? {
          usagePk: Keys.usage(billingMonth(seen.createTime)),
          // The usage index projects only its own attributes: another account rides in the sort key,
          // after the parts every reader splits off (items.ts parseUsageRow).
          usageSk: [
            seen.createTime,
            seen.invalidationId,
            ...(seen.account === undefined ? [] : [seen.account]),
          ].join('#'),
          usagePaths: seen.paths,
          distributionId: seen.distributionId,
          external: true,
        }
      : {};
    // A conflict: recorded already by an earlier run or another worker, counted once as it should be.
    await this.table.put({
      Item: {
        ...Keys.seen(seen.distributionId, seen.invalidationId),
        invalidationId: seen.invalidationId,
        ...usage,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  async usageRows(month: string): Promise<UsageRow[]> {
    const rows: UsageRow[] = [];
    for await (const item of this.table.query({
      IndexName: Indexes.usage,
      KeyConditionExpression: 'usagePk = :usagePk',
      ExpressionAttributeValues: { ':usagePk': Keys.usage(month) },
    })) {
      rows.push(parseUsageRow(item));
    }
    return rows;
  }

  async monthPaths(month: string): Promise<number> {
    const rows = await this.usageRows(month);
    return rows.reduce((total, row) => total + row.paths, 0);
  }
}

import type { DistributionListing, ReconcileProgress, ReconcileState } from '../../../usecases/ports.js';
import { parseListing, parseProgress } from './items.js';
import { Keys } from './keys.js';
import type { Table } from './table.js';

/**
 * Reconciliation's memory (keys.ts): the account's distribution listing, one item read by every instance
 * and the Lambda worker, and per distribution how far its invalidations were read. Each is written by the
 * one task run holding its lease, so plain puts suffice.
 */
export class DynamoDbReconcileState implements ReconcileState {
  constructor(private readonly table: Table) {}

  async listing(): Promise<DistributionListing | undefined> {
    const item = await this.table.get(Keys.listing);
    return item ? parseListing(item) : undefined;
  }

  async saveListing(listing: DistributionListing): Promise<void> {
    await this.table.put({ Item: { ...Keys.listing, ...listing } });
  }

  async progress(distributionId: string): Promise<ReconcileProgress> {
    const item = await this.table.get(Keys.progress(distributionId));
    return item ? parseProgress(item) : {};
  }

  async saveProgress(distributionId: string, progress: ReconcileProgress): Promise<void> {
    const { watermark, pass } = progress;
    await this.table.put({
      Item: {
        ...Keys.progress(distributionId),
        ...(watermark === undefined ? {} : { watermark }),
        ...(pass === undefined ? {} : { passMarker: pass.marker }),
        ...(pass?.newest === undefined ? {} : { passNewest: pass.newest }),
      },
    });
  }
}

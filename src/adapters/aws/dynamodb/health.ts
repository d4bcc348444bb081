import type { StoreHealth } from '../../../usecases/ports.js';
import type { Table } from './table.js';

/** The health check's view of the store: the table answers a DescribeTable. */
export class DynamoDbHealth implements StoreHealth {
  constructor(private readonly table: Table) {}

  ping(): Promise<void> {
    return this.table.describe();
  }
}

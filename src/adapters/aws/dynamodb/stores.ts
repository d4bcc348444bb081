import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OriginStores, Stores } from '../../../usecases/ports.js';
import { ActivityMarkers } from './activity-markers.js';
import { DynamoDbAuditQueries } from './audit-queries.js';
import { DynamoDbCapacity } from './capacity.js';
import { DynamoDbCounters } from './counters.js';
import { DynamoDbDigestMarkers } from './digest-markers.js';
import { DynamoDbHealth } from './health.js';
import { DynamoDbOriginChanges } from './origin-changes.js';
import { DynamoDbOriginSnapshots } from './origin-snapshots.js';
import { DynamoDbPipelineLedger } from './pipeline-ledger.js';
import { DynamoDbProposals } from './proposals.js';
import { DynamoDbReconcileState } from './reconcile-state.js';
import { DynamoDbRefusals } from './refusals.js';
import { DynamoDbRequests } from './requests.js';
import { Table } from './table.js';
import { DynamoDbUsageLedger } from './usage-ledger.js';
import { DynamoDbWorkQueue } from './work-queue.js';

/**
 * Every store port over the one table `tableName`, sharing one document client. The origin stores ride
 * along outside `Stores` until deploy-aware proposals are wired in.
 */
export function openStores(client: DynamoDBClient, tableName: string): Stores & OriginStores {
  const table = new Table(client, tableName);
  const activity = new ActivityMarkers(table);
  return {
    requests: new DynamoDbRequests(table, activity),
    refusals: new DynamoDbRefusals(table, activity),
    work: new DynamoDbWorkQueue(table),
    capacity: new DynamoDbCapacity(table),
    ledger: new DynamoDbUsageLedger(table),
    reconcileState: new DynamoDbReconcileState(table),
    audit: new DynamoDbAuditQueries(table, activity),
    health: new DynamoDbHealth(table),
    counters: new DynamoDbCounters(table),
    pipelineLedger: new DynamoDbPipelineLedger(table),
    digestMarkers: new DynamoDbDigestMarkers(table),
    proposals: new DynamoDbProposals(table),
    originChanges: new DynamoDbOriginChanges(table),
    originSnapshots: new DynamoDbOriginSnapshots(table),
  };
}

import { billingMonth } from '../../../core/cost.js';
import type { AuditEvent, CommandRefusalRecord } from '../../../core/request.js';
import { REFUSALS_KEPT_PER_REQUEST } from '../../../core/request.js';
import type { RefusalRecorded, Refusals } from '../../../usecases/ports.js';
import type { ActivityMarkers } from './activity-markers.js';
import { parseCommandRefusal } from './items.js';
import { Keys } from './keys.js';
import type { Table } from './table.js';

/** Refused clicks on their request items, refused commands as items of their own by UTC month. */
export class DynamoDbRefusals implements Refusals {
  constructor(
    private readonly table: Table,
    private readonly activity: ActivityMarkers,
  ) {}

  //   refusal A: keep if refusalsKept < cap and A's key not kept yet ✓ (request and version untouched)
  //   refusal B: keep ✗ cap reached → count if B's key not kept and B is not the last one counted ✓
  //   a retried A or B: its key is kept, or it is the last counted → both conditions fail, nothing changes
  // Refusals never write `version`, so a legitimate decision racing a refused click still wins its write.
  async recordRefusal(event: AuditEvent, requestCreatedAt: string): Promise<RefusalRecorded> {
    // Marked first, as in save: a refusal kept or counted in a later month is found by the export.
    await this.activity.mark({ id: event.requestId, createdAt: requestCreatedAt }, event.at);
    const key = Keys.request(event.requestId);
    const common = {
      ':key': event.key,
      ':cap': REFUSALS_KEPT_PER_REQUEST,
      ':one': 1,
    };
    const kept = await this.table.update({
      Key: key,
      UpdateExpression:
        'SET #events = list_append(if_not_exists(#events, :none), :events), refusalsKept = if_not_exists(refusalsKept, :zero) + :one ADD refusalKeys :keys',
      ConditionExpression:
        'attribute_exists(pk) AND (attribute_not_exists(refusalsKept) OR refusalsKept < :cap) AND NOT contains(refusalKeys, :key)',
      ExpressionAttributeNames: { '#events': 'events' },
      ExpressionAttributeValues: {
        ...common,
        ':events': [event],
        ':none': [],
        ':zero': 0,
        ':keys': new Set([event.key]),
      },
    });
    if (kept === 'written') return 'kept';
    const counted = await this.table.update({
      Key: key,
      UpdateExpression: 'SET lastRefusalNotKept = :key, lastRefusalNotKeptAt = :at ADD refusalsNotKept :one',
      ConditionExpression:
        'attribute_exists(pk) AND refusalsKept >= :cap AND NOT contains(refusalKeys, :key) AND (attribute_not_exists(lastRefusalNotKept) OR lastRefusalNotKept <> :key)',
      ExpressionAttributeValues: { ...common, ':at': event.at },
    });
    return counted === 'written' ? 'counted' : 'unchanged';
  }

  async recordCommandRefusal(refusal: CommandRefusalRecord): Promise<void> {
    // A conflict means an earlier attempt of this same write recorded it already: once is what we want.
    await this.table.put({
      Item: { ...Keys.refusal(billingMonth(refusal.at), refusal.at, refusal.id), refusal },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  async *commandRefusalsIn(month: string): AsyncIterable<CommandRefusalRecord> {
    const items = this.table.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': Keys.refusals(month) },
    });
    for await (const item of items) yield parseCommandRefusal(item);
  }
}

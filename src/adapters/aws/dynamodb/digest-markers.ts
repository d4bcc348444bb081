import type { DigestMarker, DigestMarkers } from '../../../usecases/ports.js';
import { parseDigestMarker } from './items.js';
import { Keys } from './keys.js';
import type { Table } from './table.js';

/**
 * One item per digest period (keys.ts), written with conditions so that of any number of runners exactly
 * one begins a period's post, and exactly one takes over a post whose runner died (usecases/digest.ts).
 */
export class DynamoDbDigestMarkers implements DigestMarkers {
  constructor(private readonly table: Table) {}

  async get(periodKey: string): Promise<DigestMarker | undefined> {
    const item = await this.table.get(Keys.digest(periodKey));
    return item ? parseDigestMarker(item) : undefined;
  }

  async begin(periodKey: string, at: string, replacing?: string): Promise<boolean> {
    const outcome = await this.table.put({
      Item: { ...Keys.digest(periodKey), state: 'posting', at },
      ConditionExpression:
        replacing === undefined
          ? 'attribute_not_exists(pk)'
          : 'attribute_not_exists(pk) OR (#state = :posting AND #at = :replacing)',
      ...(replacing === undefined
        ? {}
        : {
            ExpressionAttributeNames: { '#state': 'state', '#at': 'at' },
            ExpressionAttributeValues: { ':posting': 'posting', ':replacing': replacing },
          }),
    });
    return outcome === 'written';
  }

  async posted(periodKey: string): Promise<void> {
    await this.table.put({ Item: { ...Keys.digest(periodKey), state: 'posted' } });
  }
}

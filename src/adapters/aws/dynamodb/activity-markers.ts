import { billingMonth } from '../../../core/cost.js';
import { parseMarker } from './items.js';
import { Keys } from './keys.js';
import type { Item, Table } from './table.js';

/** Months whose markers are read at once: an export of all time asks for hundreds, nearly all empty. */
const MONTHS_AT_ONCE = 12;

/** Requests read at once: as many as one BatchGetItem takes. */
const READ_AT_ONCE = 100;

/**
 * Activity markers: which requests had an audit event recorded in a UTC month after the one they were
 * created in (a refused click today on a request from three months ago), so the audit export of a period
 * reads the requests created in it plus those its markers name, never every month before it.
 *
 *   writer: mark(ACTIVITY#<event month>, <createdAt>#<id>) ✓ (or there already) ─ append the event ✓
 *   writer: mark ✓ ─ append the event ✗ (lost the race, or crashed): an extra marker, harmless
 *   export: query ACTIVITY#<month> for each month of the period ─ read the requests it names
 *
 * The marker is written before the event, so an event on record always has its marker: a missing marker
 * would lose an export row, an extra one only costs the export a read. A marker is put only if absent,
 * so retries and the request's other events that month leave the one marker as it is.
 */
export class ActivityMarkers {
  constructor(private readonly table: Table) {}

  /** Marks that a request created at `createdAt` gets an event at `at`; nothing to do within its month. */
  async mark(request: { id: string; createdAt: string }, at: string): Promise<void> {
    const month = billingMonth(at);
    if (month === billingMonth(request.createdAt)) return;
    // A conflict: marked already, by an earlier event of this request this month or an earlier try of this one.
    await this.table.put({
      Item: { ...Keys.activity(month, request.createdAt, request.id), requestId: request.id },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  /**
   * The request items named by the markers of these months and created before the first of them, each
   * once, oldest first (markers sort by creation time, so only their keys are sorted, in memory).
   */
  async *requestItemsActiveIn(months: readonly string[]): AsyncIterable<Item> {
    const [first] = months;
    if (first === undefined) return;
    const named = new Map<string, string>();
    for (let start = 0; start < months.length; start += MONTHS_AT_ONCE) {
      const batch = months.slice(start, start + MONTHS_AT_ONCE);
      for (const markers of await Promise.all(batch.map((month) => this.markersIn(month, first)))) {
        for (const [sk, requestId] of markers) named.set(sk, requestId);
      }
    }
    const ids = [...named.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, id]) => id);
    // A hundred at a time (one BatchGetItem), so an export of all time never holds every request at once.
    for (let start = 0; start < ids.length; start += READ_AT_ONCE) {
      yield* await this.requestItems(ids.slice(start, start + READ_AT_ONCE));
    }
  }

  /** A month's markers of requests created before the month `first`: [sort key, request id] pairs. */
  private async markersIn(month: string, first: string): Promise<Array<[string, string]>> {
    const markers: Array<[string, string]> = [];
    for await (const item of this.table.query({
      KeyConditionExpression: 'pk = :pk AND sk < :first',
      ExpressionAttributeValues: { ':pk': Keys.activities(month), ':first': first },
    })) {
      const { sk, requestId } = parseMarker(item);
      markers.push([sk, requestId]);
    }
    return markers;
  }

  /** The request items of these ids, in their order (BatchGetItem answers in any order, and by parts). */
  private async requestItems(ids: readonly string[]): Promise<Item[]> {
    const items = await this.table.batchGet(
      ids.map((id) => Keys.request(id)),
      { consistent: true },
    );
    const found = new Map(items.map((item) => [String(item.pk), item]));
    return ids.flatMap((id) => {
      const item = found.get(Keys.request(id).pk);
      return item ? [item] : [];
    });
  }
}

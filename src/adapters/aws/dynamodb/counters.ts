import type { CounterFigures, CounterLimits, Counters, Reservation } from '../../../usecases/ports.js';
import { parseCounter } from './items.js';
import { Keys } from './keys.js';
import type { Table } from './table.js';

/**
 * The most open reservations one counter item keeps. Their holder ids live in the item (a string set) so
 * that every change is idempotent in one conditional write; DynamoDB items hold at most 400 KB, and each
 * write is billed per KB of the item, so the set is bounded: 5,000 request ids of 14 bytes are about
 * 70 KB. Only open reservations stay in it (a release or commit takes the holder out), so it holds the
 * requests waiting for a decision or a submission, not the month's history. A limited reservation past
 * this bound is refused as `full`; one without limits (an approver's override) is always taken.
 */
export const MAX_OPEN_HOLDERS = 5_000;

/**
 * Counters as single items, without transactions (dynalite has none): DynamoDB cannot add in a
 * condition, so the client turns "amount + n <= limit" into "amount <= limit - n".
 *
 *   reserve  ADD amount :n, holders :1, open {holder}   IF NOT contains(open, holder) AND amount <= limit - n
 *   release  ADD amount -n, holders -1 DELETE open {holder}   IF contains(open, holder)
 *   commit   ADD committed :n DELETE open {holder}           IF contains(open, holder)
 *
 * Two reservations racing near the limit are serialised by DynamoDB on the one item: each sees the
 * other's amount, so however many arrive together, the counter never passes the limit.
 */
export class DynamoDbCounters implements Counters {
  constructor(
    private readonly table: Table,
    private readonly maxOpen = MAX_OPEN_HOLDERS,
  ) {}

  async reserve(
    scope: string,
    holder: string,
    amount: number,
    limits: CounterLimits = {},
  ): Promise<Reservation> {
    const amountRoom = limits.amount === undefined ? undefined : limits.amount - amount;
    const holdersRoom = limits.holders === undefined ? undefined : limits.holders - 1;
    // Past the limit even from zero: nothing to write (and an absent item would pass the condition).
    if ((amountRoom ?? 0) < 0 || (holdersRoom ?? 0) < 0) return this.refused(scope, holder, amount);
    const limited = amountRoom !== undefined || holdersRoom !== undefined;
    const conditions = ['NOT contains(#open, :holder)'];
    const values: Record<string, unknown> = {
      ':holder': holder,
      ':holderSet': new Set([holder]),
      ':n': amount,
      ':one': 1,
    };
    if (limited) {
      conditions.push('(attribute_not_exists(#open) OR size(#open) < :maxOpen)');
      values[':maxOpen'] = this.maxOpen;
    }
    if (amountRoom !== undefined) {
      conditions.push('(attribute_not_exists(#amount) OR #amount <= :amountRoom)');
      values[':amountRoom'] = amountRoom;
    }
    if (holdersRoom !== undefined) {
      conditions.push('(attribute_not_exists(#holders) OR #holders <= :holdersRoom)');
      values[':holdersRoom'] = holdersRoom;
    }
    const result = await this.table.updateReturning({
      Key: Keys.counter(scope),
      UpdateExpression: 'ADD #amount :n, #holders :one, #open :holderSet',
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: values,
      ReturnValues: 'UPDATED_NEW',
    });
    if (result.outcome === 'conflict') return this.refused(scope, holder, amount);
    const after = parseCounter(result.attributes);
    return { ok: true, before: { amount: after.amount - amount, holders: after.holders - 1 } };
  }

  release(scope: string, holder: string, amount: number): Promise<boolean> {
    return this.closeOpen(scope, holder, 'ADD #amount :minusN, #holders :minusOne DELETE #open :holderSet', {
      ':minusN': -amount,
      ':minusOne': -1,
    });
  }

  commit(scope: string, holder: string, amount: number): Promise<boolean> {
    return this.closeOpen(scope, holder, 'ADD #committed :n DELETE #open :holderSet', { ':n': amount });
  }

  async adjust(scope: string, holder: string, delta: number): Promise<boolean> {
    if (delta === 0) return true;
    const outcome = await this.table.update({
      Key: Keys.counter(scope),
      UpdateExpression: 'ADD #amount :delta',
      ConditionExpression: 'contains(#open, :holder)',
      ExpressionAttributeNames: { ...OPEN, '#amount': 'amount' },
      ExpressionAttributeValues: { ':delta': delta, ':holder': holder },
    });
    return outcome === 'written';
  }

  async figures(scope: string): Promise<CounterFigures> {
    const item = parseCounter((await this.table.get(Keys.counter(scope))) ?? {});
    return { amount: item.amount, holders: item.holders };
  }

  /** Ends an open reservation, once: a holder no longer in `open` was ended before, and stays as it is. */
  private async closeOpen(
    scope: string,
    holder: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    const outcome = await this.table.update({
      Key: Keys.counter(scope),
      UpdateExpression: update,
      ConditionExpression: 'contains(#open, :holder)',
      ExpressionAttributeNames: update.includes('#committed')
        ? { ...OPEN, '#committed': 'committed' }
        : NAMES,
      ExpressionAttributeValues: { ...values, ':holder': holder, ':holderSet': new Set([holder]) },
    });
    return outcome === 'written';
  }

  /**
   * Why a reservation was not taken, read after the fact (dynalite does not return the item with a failed
   * condition): the holder had it already (a retry, which counts once), the counter is full, or the limit.
   */
  private async refused(scope: string, holder: string, amount: number): Promise<Reservation> {
    const item = parseCounter((await this.table.get(Keys.counter(scope))) ?? {});
    const current: CounterFigures = { amount: item.amount, holders: item.holders };
    if (item.open?.has(holder)) {
      return { ok: true, before: { amount: current.amount - amount, holders: current.holders - 1 } };
    }
    const full = (item.open?.size ?? 0) >= this.maxOpen;
    return { ok: false, reason: full ? 'full' : 'limit', current };
  }
}

const OPEN = { '#open': 'open' };
const NAMES = { ...OPEN, '#amount': 'amount', '#holders': 'holders' };

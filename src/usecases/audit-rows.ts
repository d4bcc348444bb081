import type { AuditEvent, InvalidationRequest } from '../core/request.js';
import { REQUEST_COLUMNS, type RefusalRow, reasonOf, requestRow } from './audit-export.js';

/**
 * The rows of the audit export, as `npm run audit` writes them and `/invalidate export` uploads them: one
 * building for both, so a file taken from Slack is the file the command line makes.
 */

/** One exported row: plain values, or a nested object (an event's details) that JSON keeps nested. */
export type AuditRow = Record<string, string | number | boolean | object | undefined>;

/** The kinds of rows the export has: every event, one row per request, every authorization refusal. */
export const ROW_KINDS = ['events', 'requests', 'refusals'] as const;
export type RowKind = (typeof ROW_KINDS)[number];

export const EVENT_COLUMNS = [
  'at',
  'requestId',
  'event',
  'actor',
  'distribution',
  'distributionId',
  'requester',
  'paths',
  'reason',
  'details',
] as const;

export const REFUSAL_COLUMNS = [
  'at',
  'kind',
  'user',
  'action',
  'refusal',
  'distribution',
  'distributionId',
  'channel',
  'requestId',
  'command',
  'count',
] as const;

/** The columns of each kind of row, in order. */
export { REQUEST_COLUMNS };

export const COLUMNS: Record<RowKind, readonly string[]> = {
  events: EVENT_COLUMNS,
  requests: REQUEST_COLUMNS,
  refusals: REFUSAL_COLUMNS,
};

export async function* eventRows(
  events: AsyncIterable<{ event: AuditEvent; request: InvalidationRequest }>,
): AsyncIterable<AuditRow> {
  for await (const { event, request } of events) {
    yield {
      at: event.at,
      requestId: event.requestId,
      event: event.type,
      actor: event.actor,
      distribution: request.distribution.alias,
      distributionId: request.distribution.id,
      requester: request.requester,
      paths: request.paths.length,
      reason: reasonOf(event),
      // nested in JSON; in CSV, csv-stringify writes an object as its JSON text
      details: event.details,
    };
  }
}

export async function* requestRows(requests: AsyncIterable<InvalidationRequest>): AsyncIterable<AuditRow> {
  for await (const request of requests) yield requestRow(request);
}

export async function* refusalRows(refusals: readonly RefusalRow[]): AsyncIterable<AuditRow> {
  for (const row of refusals) {
    if (row.kind === 'command') {
      const { refusal } = row;
      yield {
        at: row.at,
        kind: row.kind,
        user: refusal.user,
        refusal: refusal.code,
        distribution: refusal.distribution.alias,
        distributionId: refusal.distribution.id,
        channel: refusal.channel,
        command: refusal.truncated ? `${refusal.command}…` : refusal.command,
        count: 1,
      };
      continue;
    }
    const { request } = row;
    const where = {
      at: row.at,
      kind: row.kind,
      distribution: request.distribution.alias,
      distributionId: request.distribution.id,
      channel: request.channel,
      requestId: request.id,
    };
    if (row.kind === 'clicks_not_kept') {
      yield { ...where, count: row.count };
      continue;
    }
    const { action, refusal } = row.event.details;
    yield { ...where, user: row.event.actor, action: String(action), refusal: String(refusal), count: 1 };
  }
}

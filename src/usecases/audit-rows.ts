import { wholeCents } from '../core/cost.js';
import type { AuditEvent, InvalidationRequest } from '../core/request.js';
import { REQUEST_COLUMNS, type RefusalRow, reasonOf, requestRow } from './audit-export.js';
import type { StoredProposal } from './ports.js';

/**
 * The rows of the audit export, as `npm run audit` writes them and `/invalidate export` uploads them: one
 * building for both, so a file taken from Slack is the file the command line makes.
 */

/** One exported row: plain values, or a nested object (an event's details) that JSON keeps nested. */
export type AuditRow = Record<string, string | number | boolean | object | undefined>;

/**
 * The kinds of rows the export has: every event, one row per request, every authorization refusal, one
 * row per deploy proposal.
 */
export const ROW_KINDS = ['events', 'requests', 'refusals', 'proposals'] as const;
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

/**
 * A deploy proposal: what the deploy changed, what was proposed and what it would have cost, and how it
 * ended (`outcomeBy` and `outcomeAt` for accepted and dismissed; `outcomeAt` alone for expired), with the
 * request made of it.
 */
export const PROPOSAL_COLUMNS = [
  'createdAt',
  'proposalId',
  'status',
  'distribution',
  'distributionId',
  'bucket',
  'source',
  'deployedAt',
  'objectsChanged',
  'objectsCreated',
  'objectsDeleted',
  'leftOutHashed',
  'leftOutCreated',
  'paths',
  'billablePaths',
  'costUsd',
  'approvalNeeded',
  'outcomeBy',
  'outcomeAt',
  'requestId',
  'expiresAt',
] as const;

/** The columns of each kind of row, in order. */
export { REQUEST_COLUMNS };

export const COLUMNS: Record<RowKind, readonly string[]> = {
  events: EVENT_COLUMNS,
  requests: REQUEST_COLUMNS,
  refusals: REFUSAL_COLUMNS,
  proposals: PROPOSAL_COLUMNS,
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

export async function* proposalRows(proposals: AsyncIterable<StoredProposal>): AsyncIterable<AuditRow> {
  for await (const { proposal } of proposals) {
    const { objects, leftOut, cost } = proposal;
    yield {
      createdAt: proposal.createdAt,
      proposalId: proposal.id,
      status: proposal.status,
      distribution: proposal.distribution.alias,
      distributionId: proposal.distribution.id,
      bucket: proposal.bucket,
      source: proposal.source,
      deployedAt: proposal.deployedAt,
      objectsChanged: objects.changed,
      objectsCreated: objects.created,
      objectsDeleted: objects.deleted,
      leftOutHashed: leftOut.hashed,
      leftOutCreated: leftOut.created,
      paths: proposal.paths.length,
      billablePaths: cost.billable,
      costUsd: wholeCents(cost.costUsd),
      approvalNeeded: proposal.approvalRules.map((rule) => rule.rule).join(' ') || undefined,
      outcomeBy: proposal.status === 'accepted' || proposal.status === 'dismissed' ? proposal.by : undefined,
      outcomeAt: proposal.status === 'open' ? undefined : proposal.at,
      requestId: proposal.status === 'accepted' ? proposal.requestId : undefined,
      expiresAt: proposal.expiresAt,
    };
  }
}

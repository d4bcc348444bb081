import type { DistributionConfig } from '../config.js';
import { distributionWithId } from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import {
  type ExportQuery,
  exportEvents,
  exportProposals,
  exportRefusals,
  exportRequests,
} from './audit-export.js';
import {
  type AuditRow,
  eventRows,
  proposalRows,
  type RowKind,
  refusalRows,
  requestRows,
} from './audit-rows.js';
import { memberOf } from './membership.js';
import type { Services } from './ports.js';

/**
 * What one person may take out of the audit trail from Slack: everything (an auditor: every distribution,
 * and the authorization refusals), or the events and requests of the distributions they approve.
 */
export type ExportScope =
  | { kind: 'auditor' }
  | { kind: 'approver'; distributions: readonly DistributionConfig[] };

/** Neither an auditor nor an approver; `unresolved` when a user group could not be read to tell. */
export type ExportRefusal = { code: 'not_an_auditor'; unresolved: boolean };

/**
 * Who may export, decided from the config as it is now: an auditor (config `auditors`) gets every
 * distribution; otherwise the distributions whose approvers include the person (listed or in the group).
 */
export async function exportScope(
  services: Pick<Services, 'policy' | 'directory'>,
  user: string,
): Promise<Result<ExportScope, ExportRefusal>> {
  const { auditors, distributions } = services.policy;
  const asAuditor = auditors ? await memberOf(services.directory, user, auditors) : 'not_member';
  if (asAuditor === 'member') return ok({ kind: 'auditor' });
  const memberships = await Promise.all(
    distributions.map((distribution) => memberOf(services.directory, user, distribution.approvers)),
  );
  const approved = distributions.filter((_, index) => memberships[index] === 'member');
  if (approved.length > 0) return ok({ kind: 'approver', distributions: approved });
  const unresolved = asAuditor === 'unresolved' || memberships.includes('unresolved');
  return err({ code: 'not_an_auditor', unresolved });
}

/** One part of a month's export: a kind of row and the rows, read as they are consumed. */
export interface ExportPart {
  kind: RowKind;
  rows: AsyncIterable<AuditRow>;
}

/**
 * The month's export as `npm run audit --since <first day> --until <last day>` makes it, for each kind of
 * row the scope allows: events and requests (of the approved distributions only, for an approver), the
 * refusals for an auditor alone (they name people and channels across every distribution), and deploy
 * proposals (again only of the approved distributions, for an approver).
 */
export function monthExport(
  services: Pick<Services, 'audit' | 'refusals'>,
  scope: ExportScope,
  month: string,
): ExportPart[] {
  const query = monthQuery(month);
  const allowed = (distributionId: string) =>
    scope.kind === 'auditor' || distributionWithId(scope.distributions, distributionId) !== undefined;
  const parts: ExportPart[] = [
    {
      kind: 'events',
      rows: eventRows(onlyAllowed(exportEvents(services.audit, query), allowed, ({ request }) => request)),
    },
    {
      kind: 'requests',
      rows: requestRows(onlyAllowed(exportRequests(services.audit, query), allowed, (request) => request)),
    },
  ];
  if (scope.kind === 'auditor') {
    parts.push({ kind: 'refusals', rows: refusalRowsOf(services, query) });
  }
  parts.push({
    kind: 'proposals',
    rows: proposalRows(
      onlyAllowed(exportProposals(services.audit, query), allowed, ({ proposal }) => proposal),
    ),
  });
  return parts;
}

/** The first and last UTC day of a YYYY-MM month. */
export function monthQuery(month: string): ExportQuery {
  const [year = 0, number = 1] = month.split('-').map(Number);
  const lastDay = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return { since: `${month}-01`, until: `${month}-${String(lastDay).padStart(2, '0')}` };
}

/** The items of the allowed distributions; `subject` says what in an item names its distribution. */
async function* onlyAllowed<T>(
  items: AsyncIterable<T>,
  allowed: (distributionId: string) => boolean,
  subject: (item: T) => { distribution: { id: string } },
): AsyncIterable<T> {
  for await (const item of items) if (allowed(subject(item).distribution.id)) yield item;
}

async function* refusalRowsOf(
  services: Pick<Services, 'audit' | 'refusals'>,
  query: ExportQuery,
): AsyncIterable<AuditRow> {
  yield* refusalRows(await exportRefusals(services, query));
}

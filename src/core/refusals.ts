import { type AuditEvent, auditEvent, type Distribution, type InvalidationRequest } from './request/model.js';

/** A button or command that acts on an existing request: the actions a person can be refused. */
export type RefusedAction = 'approve' | 'deny' | 'cancel' | 'choose';

/**
 * Why a click on a request was refused for who the clicker is (not for the request's state).
 * `approvers_unresolved`: Slack could not confirm the approvers' group at the click;
 * `on_call_unresolved`: an approvers' on-call schedule could not be read at the click;
 * `distribution_removed`: the request's distribution is no longer in the config, so nobody may decide.
 */
export type ClickRefusalCode =
  | 'own_request'
  | 'not_an_approver'
  | 'approvers_unresolved'
  | 'on_call_unresolved'
  | 'not_requester'
  | 'distribution_removed';

/**
 * Why a `/invalidate` command was refused for who or where it was typed (not for what it said), or
 * `over_budget`: a budget that refuses had no room for it.
 */
export type CommandRefusalCode =
  | 'not_a_requester'
  | 'channel_not_allowed'
  | 'pipeline_not_allowed'
  | 'over_budget';

/**
 * A request item keeps this many refused clicks as audit events; beyond it only their number is kept,
 * so repeated clicks cannot grow the item towards DynamoDB's 400 KB limit (or the status message past
 * Slack's 3,000 characters per section).
 */
export const REFUSALS_KEPT_PER_REQUEST = 10;

/** How much of a refused command's text is kept: enough to see what was asked, bounded in size. */
export const COMMAND_TEXT_KEPT = 200;

/**
 * The audit event of a refused click. It leaves the request's state and version alone, so a refusal can
 * never make a simultaneous legitimate decision lose its conditional write. `refusalId` makes its key
 * unique, so a retried write of the same refusal is recognised.
 */
export function refusedClick(
  request: InvalidationRequest,
  input: { action: RefusedAction; code: ClickRefusalCode; by: string; refusalId: string },
  at: string,
): AuditEvent {
  return auditEvent(
    request,
    'refused',
    at,
    input.by,
    { action: input.action, refusal: input.code },
    `refused#${input.refusalId}`,
  );
}

/** A refused command, recorded on its own: there is no request to attach it to. */
export interface CommandRefusalRecord {
  id: string;
  at: string;
  user: string;
  channel: string;
  distribution: Distribution;
  code: CommandRefusalCode;
  /** the command's text, cut to COMMAND_TEXT_KEPT characters */
  command: string;
  /** the text was longer and was cut */
  truncated: boolean;
}

export function refusedCommand(
  input: Omit<CommandRefusalRecord, 'command' | 'truncated'> & { text: string },
) {
  const { text, ...rest } = input;
  const record: CommandRefusalRecord = {
    ...rest,
    command: text.slice(0, COMMAND_TEXT_KEPT),
    truncated: text.length > COMMAND_TEXT_KEPT,
  };
  return record;
}

import type { OverBudgetRule } from '../budgets.js';
import { addMs, elapsedMs } from '../schedule.js';
import { awaitChoice, withoutChoice } from './choice.js';
import {
  type AuditEvent,
  auditEvent,
  type Base,
  bump,
  type Card,
  type Decision,
  type Failure,
  type RequestIn,
  type Transition,
  withoutDue,
} from './model.js';

/** Until its card is posted a request is not visible to anyone; if the poster died, a worker retries. */
export const CARD_RETRY_MS = 15_000;

export type NewRequest = Omit<Base, 'version' | 'attempts' | 'dueAt' | 'outbox' | 'noticesSent'>;

/**
 * A new request, due for its card after `cardDueMs`: by default a retry, should its own handler fail to post
 * it; 0 where the worker posts every card (on Lambda the handler answers Slack before any Slack call).
 */
export function createRequest(
  input: NewRequest,
  cardDueMs: number = CARD_RETRY_MS,
): { request: RequestIn<'new'>; event: AuditEvent } {
  const request: RequestIn<'new'> = {
    ...input,
    status: 'new',
    version: 0,
    attempts: 0,
    noticesSent: [],
    dueAt: addMs(input.createdAt, cardDueMs),
  };
  const details: AuditEvent['details'] = {
    distribution: input.distribution.alias,
    distributionId: input.distribution.id,
    paths: input.paths.length,
    approvalRequired: input.approval.required,
    billablePaths: input.cost.billable,
    costUsd: input.cost.costUsd,
  };
  if (input.reason !== undefined) details.reason = input.reason;
  return { request, event: auditEvent(request, 'requested', input.createdAt, input.requester, details) };
}

/** The card is in the channel: wait for a decision, or go ahead when the policy needs none. */
export function cardPosted(
  request: RequestIn<'new'>,
  card: Card,
  now: string,
  approvalTimeoutMs: number,
): Transition<'awaiting_choice' | 'pending_approval' | 'approved'> {
  const base = { ...bump(request), card };
  if (!request.approval.required && request.choiceWaitMs !== undefined) {
    return awaitChoice(base, now, request.choiceWaitMs);
  }
  if (request.approval.required) {
    const expiresAt = addMs(now, approvalTimeoutMs);
    // Halfway to expiry, one reminder goes to the approvers if nobody has decided yet.
    const remindAt = addMs(now, approvalTimeoutMs / 2);
    const pending: RequestIn<'pending_approval'> = {
      ...base,
      status: 'pending_approval',
      expiresAt,
      remindAt,
      dueAt: remindAt,
    };
    return { request: pending };
  }
  const decision: Decision = { outcome: 'approved', by: 'policy', at: now };
  const approved: RequestIn<'approved'> = { ...base, status: 'approved', decision, dueAt: now };
  return { request: approved, event: auditEvent(request, 'approved', now, 'policy', { automatic: true }) };
}

export function undeliverable(
  request: RequestIn<'new'>,
  code: string,
  now: string,
): Transition<'undeliverable'> {
  const failure: Failure = { code, message: `The request card could not be posted (${code}).`, at: now };
  const next: RequestIn<'undeliverable'> = { ...withoutDue(bump(request)), status: 'undeliverable', failure };
  return { request: next, event: auditEvent(request, 'undeliverable', now, undefined, { code }) };
}

export type DecisionInput =
  | { outcome: 'approved'; by: string }
  | { outcome: 'denied'; by: string; reason: string };

export function applyDecision(
  request: RequestIn<'pending_approval'>,
  input: DecisionInput,
  now: string,
): Transition<'approved' | 'denied'> {
  const decision: Decision = { ...input, at: now };
  const rest = withoutPending(bump(request));
  if (input.outcome === 'approved') {
    const next: RequestIn<'approved'> = { ...rest, status: 'approved', decision, dueAt: now, attempts: 0 };
    return { request: next, event: auditEvent(request, 'approved', now, input.by, overrides(request)) };
  }
  const next: RequestIn<'denied'> = { ...rest, status: 'denied', decision, ...ending('denied', now) };
  return { request: next, event: auditEvent(request, 'denied', now, input.by, { reason: input.reason }) };
}

/**
 * What an approver overrode knowingly (the card and the Approve confirmation said so): the monthly budget,
 * with the figures the card showed, and a requester's hourly limits.
 */
function overrides(request: RequestIn<'pending_approval'>): AuditEvent['details'] {
  const details: AuditEvent['details'] = {};
  for (const rule of request.approval.rules) {
    if (rule.rule === 'over_budget') Object.assign(details, budgetOverride(rule));
    if (rule.rule === 'requester_limit') details.overRequesterLimit = true;
  }
  return details;
}

/**
 * The figures of an overridden budget: the account's paths as they always were recorded; a budget in USD
 * or a distribution's own says which (`budgetUnit`, `budgetDistribution`). With both budgets overridden,
 * the distribution's figures are recorded alongside under their own names.
 */
function budgetOverride(rule: OverBudgetRule): AuditEvent['details'] {
  if (rule.distribution === undefined && rule.unit === undefined)
    return { overBudget: true, usedAfter: rule.usedAfter, budgetPaths: rule.budget };
  const unit = rule.unit ?? 'paths';
  if (rule.distribution === undefined)
    return { overBudget: true, usedAfter: rule.usedAfter, budgetLimit: rule.budget, budgetUnit: unit };
  return {
    overBudget: true,
    distributionUsedAfter: rule.usedAfter,
    distributionBudgetLimit: rule.budget,
    distributionBudgetUnit: unit,
    budgetDistribution: rule.distribution,
  };
}

/**
 * Nobody decided within the approval timeout: the request ends, its buttons go, and the requester is told
 * in the thread.
 */
export function expire(request: RequestIn<'pending_approval'>, now: string): Transition<'expired'> {
  const next: RequestIn<'expired'> = {
    ...withoutPending(bump(request)),
    status: 'expired',
    expiredAt: now,
    timeoutMs: approvalTimeoutMs(request),
    ...ending('expired', now),
  };
  return {
    request: next,
    event: auditEvent(request, 'expired', now, undefined, { expiresAt: request.expiresAt }),
  };
}

/**
 * The requester withdrew a request waiting for a decision or for their choice; nothing is submitted, and the
 * thread says who cancelled it.
 */
export function cancel(
  request: RequestIn<'pending_approval' | 'awaiting_choice'>,
  by: string,
  now: string,
): Transition<'cancelled'> {
  const rest =
    request.status === 'pending_approval' ? withoutPending(bump(request)) : withoutChoice(bump(request));
  const next: RequestIn<'cancelled'> = {
    ...rest,
    status: 'cancelled',
    cancelledBy: by,
    cancelledAt: now,
    ...ending('cancelled', now),
  };
  return { request: next, event: auditEvent(request, 'cancelled', now, by, {}) };
}

/** The notice that tells the requester how it ended, due now, written with the ending itself. */
function ending(kind: 'denied' | 'expired' | 'cancelled', now: string) {
  return { outbox: { kind, tries: 0 }, dueAt: now };
}

/**
 * How long a pending request waits for a decision (the approval timeout it was given): the reminder is due
 * halfway to expiry (`cardPosted`), so the whole wait is twice what is left after it.
 */
export function approvalTimeoutMs(request: RequestIn<'pending_approval'>): number {
  return 2 * elapsedMs(request.remindAt, request.expiresAt);
}

/** A decided request no longer waits: its reminder (if not yet sent) and its expiry go. */
function withoutPending(request: RequestIn<'pending_approval'>) {
  const { expiresAt: _expiresAt, remindAt: _remindAt, outbox: _outbox, ...rest } = request;
  return rest;
}

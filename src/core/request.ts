import type { CostPreview } from './cost.js';
import type { ApprovalRule, Approvers } from './policy.js';
import { addMs, elapsedMs } from './schedule.js';

/** Every status a request can be in; terminal ones never change again (except for sending their notice). */
export const Status = {
  new: 'new',
  pendingApproval: 'pending_approval',
  approved: 'approved',
  inProgress: 'in_progress',
  completed: 'completed',
  denied: 'denied',
  failed: 'failed',
  undeliverable: 'undeliverable',
  expired: 'expired',
  cancelled: 'cancelled',
} as const;
export type Status = (typeof Status)[keyof typeof Status];

export interface Distribution {
  alias: string;
  id: string;
}

/** Where the request card lives in Slack; its thread carries the follow-ups. */
export interface Card {
  channel: string;
  ts: string;
}

export interface Decision {
  outcome: 'approved' | 'denied';
  /** Slack user id, or `policy` when no approval was needed */
  by: string;
  at: string;
  reason?: string;
}

/** One CreateInvalidation call: CloudFront takes at most 3,000 paths in one batch. */
export interface Batch {
  callerReference: string;
  paths: string[];
  invalidationId?: string;
  completed: boolean;
}

export interface Failure {
  code: string;
  message: string;
  at: string;
}

export interface PathNotes {
  encoded: Array<{ input: string; path: string }>;
  duplicates: string[];
  covered: Array<{ path: string; by: string }>;
}

/** What the policy decided about approval when the request was made, and who may give it. */
export interface RequestApproval {
  required: boolean;
  rules: ApprovalRule[];
  approvers: Approvers;
  /** the requester may approve their own request (a distribution's `selfApproval`) */
  selfApproval: boolean;
  /** the approvers' user group could not be resolved when the request was made */
  groupUnresolved?: boolean;
}

interface Base {
  id: string;
  /** incremented by every write; each write is conditional on the version it read */
  version: number;
  distribution: Distribution;
  paths: string[];
  reason?: string;
  requester: string;
  channel: string;
  createdAt: string;
  approval: RequestApproval;
  cost: CostPreview;
  /** what normalisation changed, shown on the card */
  notes?: PathNotes;
  card?: Card;
  /** retries of the current step */
  attempts: number;
  /** when the next step of work is due; absent when none is */
  dueAt?: string;
}

type Notice = 'pending' | 'sent';

export type InvalidationRequest =
  | (Base & { status: 'new' })
  | (Base & {
      status: 'pending_approval';
      card: Card;
      expiresAt: string;
      remindAt: string;
      reminded: boolean;
    })
  | (Base & { status: 'approved'; decision: Decision })
  | (Base & { status: 'in_progress'; decision: Decision; batches: Batch[]; submittedAt: string })
  | (Base & {
      status: 'completed';
      decision: Decision;
      batches: Batch[];
      submittedAt: string;
      completedAt: string;
      notice: Notice;
    })
  | (Base & { status: 'denied'; decision: Decision })
  | (Base & { status: 'failed'; decision?: Decision; failure: Failure; notice: Notice })
  | (Base & { status: 'undeliverable'; failure: Failure })
  | (Base & { status: 'expired'; card: Card; expiredAt: string })
  | (Base & { status: 'cancelled'; card: Card; cancelledBy: string; cancelledAt: string });

export type RequestIn<S extends Status> = Extract<InvalidationRequest, { status: S }>;

export const TERMINAL: ReadonlySet<Status> = new Set([
  'completed',
  'denied',
  'failed',
  'undeliverable',
  'expired',
]);

export type AuditEventType =
  | 'requested'
  | 'approved'
  | 'denied'
  | 'undeliverable'
  | 'expired'
  | 'cancelled'
  | 'reminder_sent'
  | 'submitted'
  | 'completed'
  | 'failed'
  | 'notice_sent';

/** An append-only record of one step; `key` is unique per request so a retried write is a no-op. */
export interface AuditEvent {
  requestId: string;
  type: AuditEventType;
  key: string;
  at: string;
  actor?: string;
  details: Record<string, string | number | boolean | string[]>;
}

/** A state change and the audit event that records it, always produced together. */
export interface Transition {
  request: InvalidationRequest;
  event?: AuditEvent;
}

/** CloudFront's limit on paths in one invalidation batch. */
export const MAX_PATHS_PER_BATCH = 3000;

/** Until its card is posted a request is not visible to anyone; if the poster died, a worker retries. */
export const CARD_RETRY_MS = 60_000;

export type NewRequest = Omit<Base, 'version' | 'attempts' | 'dueAt'>;

export function createRequest(input: NewRequest): { request: RequestIn<'new'>; event: AuditEvent } {
  const request: RequestIn<'new'> = {
    ...input,
    status: 'new',
    version: 0,
    attempts: 0,
    dueAt: addMs(input.createdAt, CARD_RETRY_MS),
  };
  const details: AuditEvent['details'] = {
    distribution: input.distribution.alias,
    distributionId: input.distribution.id,
    paths: input.paths,
    approvalRequired: input.approval.required,
    billablePaths: input.cost.billable,
    costUsd: input.cost.costUsd,
  };
  if (input.reason !== undefined) details.reason = input.reason;
  return { request, event: event(request, 'requested', input.createdAt, input.requester, details) };
}

/** The card is in the channel: wait for a decision, or go ahead when the policy needs none. */
export function cardPosted(
  request: RequestIn<'new'>,
  card: Card,
  now: string,
  approvalTimeoutMs: number,
): Transition {
  const base = { ...bump(request), card };
  if (request.approval.required) {
    const expiresAt = addMs(now, approvalTimeoutMs);
    // Halfway to expiry, one reminder goes to the approvers if nobody has decided yet.
    const remindAt = addMs(now, approvalTimeoutMs / 2);
    const pending: InvalidationRequest = {
      ...base,
      status: 'pending_approval',
      expiresAt,
      remindAt,
      reminded: false,
      dueAt: remindAt,
    };
    return { request: pending };
  }
  const decision: Decision = { outcome: 'approved', by: 'policy', at: now };
  const approved: InvalidationRequest = { ...base, status: 'approved', decision, dueAt: now };
  return { request: approved, event: event(request, 'approved', now, 'policy', { automatic: true }) };
}

export function undeliverable(request: RequestIn<'new'>, code: string, now: string): Transition {
  const failure: Failure = { code, message: `The request card could not be posted (${code}).`, at: now };
  const next: InvalidationRequest = { ...withoutDue(bump(request)), status: 'undeliverable', failure };
  return { request: next, event: event(request, 'undeliverable', now, undefined, { code }) };
}

export type DecisionInput =
  | { outcome: 'approved'; by: string }
  | { outcome: 'denied'; by: string; reason: string };

export function decide(
  request: RequestIn<'pending_approval'>,
  input: DecisionInput,
  now: string,
): Transition {
  const decision: Decision = { ...input, at: now };
  const { expiresAt: _expiresAt, remindAt: _remindAt, reminded: _reminded, ...rest } = bump(request);
  if (input.outcome === 'approved') {
    const next: InvalidationRequest = { ...rest, status: 'approved', decision, dueAt: now, attempts: 0 };
    return { request: next, event: event(request, 'approved', now, input.by, {}) };
  }
  const next: InvalidationRequest = { ...withoutDue(rest), status: 'denied', decision };
  return { request: next, event: event(request, 'denied', now, input.by, { reason: input.reason }) };
}

/** Nobody decided within the approval timeout: the request ends and its buttons go. */
export function expire(request: RequestIn<'pending_approval'>, now: string): Transition {
  const { expiresAt, remindAt: _remindAt, reminded: _reminded, ...rest } = withoutDue(bump(request));
  const next: InvalidationRequest = { ...rest, status: 'expired', expiredAt: now };
  return { request: next, event: event(request, 'expired', now, undefined, { expiresAt }) };
}

/** The requester withdrew a pending request; nothing is submitted. */
export function cancel(request: RequestIn<'pending_approval'>, by: string, now: string): Transition {
  const {
    expiresAt: _expiresAt,
    remindAt: _remindAt,
    reminded: _reminded,
    ...rest
  } = withoutDue(bump(request));
  const next: InvalidationRequest = { ...rest, status: 'cancelled', cancelledBy: by, cancelledAt: now };
  return { request: next, event: event(request, 'cancelled', now, by, {}) };
}

/** The halfway reminder went to the approvers; what is due next is the expiry. */
export function reminderSent(request: RequestIn<'pending_approval'>, now: string): Transition {
  const next: InvalidationRequest = { ...bump(request), reminded: true, dueAt: request.expiresAt };
  return { request: next, event: event(request, 'reminder_sent', now, undefined, {}) };
}

/** Splits paths into batches; the first keeps the request id as CallerReference, so retries never duplicate. */
export function batchesFor(requestId: string, paths: readonly string[]): Batch[] {
  const batches: Batch[] = [];
  for (let start = 0; start < paths.length; start += MAX_PATHS_PER_BATCH) {
    const index = batches.length;
    batches.push({
      callerReference: index === 0 ? requestId : `${requestId}-${index + 1}`,
      paths: paths.slice(start, start + MAX_PATHS_PER_BATCH),
      completed: false,
    });
  }
  return batches;
}

export function submitted(
  request: RequestIn<'approved'>,
  batches: Batch[],
  now: string,
  firstCheckMs: number,
): Transition {
  const next: InvalidationRequest = {
    ...bump(request),
    status: 'in_progress',
    batches,
    submittedAt: now,
    attempts: 0,
    dueAt: addMs(now, firstCheckMs),
  };
  const ids = batches.map((batch) => batch.invalidationId ?? '');
  const details = {
    invalidationIds: ids,
    paths: request.paths.length,
    distributionId: request.distribution.id,
  };
  return { request: next, event: event(request, 'submitted', now, undefined, details) };
}

/** Records the latest poll; completes the request once every batch is Completed. */
export function polled(
  request: RequestIn<'in_progress'>,
  completedIds: ReadonlySet<string>,
  now: string,
  nextPollMs: number,
): Transition {
  const batches = request.batches.map((batch) => ({
    ...batch,
    completed: batch.completed || completedIds.has(batch.invalidationId ?? ''),
  }));
  if (batches.every((batch) => batch.completed)) {
    const done: InvalidationRequest = {
      ...bump(request),
      status: 'completed',
      batches,
      completedAt: now,
      notice: 'pending',
      attempts: 0,
      dueAt: now,
    };
    const durationMs = elapsedMs(request.submittedAt, now);
    return { request: done, event: event(request, 'completed', now, undefined, { durationMs }) };
  }
  const next: InvalidationRequest = {
    ...bump(request),
    batches,
    attempts: request.attempts + 1,
    dueAt: addMs(now, nextPollMs),
  };
  return { request: next };
}

/** A step failed for good. Only a request still on its way can fail; terminal ones never change. */
export function failed(
  request: RequestIn<'new' | 'approved' | 'in_progress'>,
  code: string,
  message: string,
  now: string,
): Transition {
  const decision = 'decision' in request ? request.decision : undefined;
  const failure: Failure = { code, message, at: now };
  const base = {
    ...bump(request),
    status: 'failed' as const,
    failure,
    notice: 'pending' as const,
    dueAt: now,
  };
  const next: InvalidationRequest = decision ? { ...base, decision } : base;
  return { request: next, event: event(request, 'failed', now, undefined, { code, message }) };
}

/** The step failed for a reason that may pass: try again after `delayMs`. */
export function retryLater(request: InvalidationRequest, now: string, delayMs: number): InvalidationRequest {
  return { ...bump(request), attempts: request.attempts + 1, dueAt: addMs(now, delayMs) };
}

export function noticeSent(request: RequestIn<'completed' | 'failed'>, now: string): Transition {
  const next = { ...withoutDue(bump(request)), notice: 'sent' as const } as InvalidationRequest;
  return { request: next, event: event(request, 'notice_sent', now, undefined, { status: request.status }) };
}

function bump<R extends InvalidationRequest>(request: R): R {
  return { ...request, version: request.version + 1 };
}

function withoutDue<R extends { dueAt?: string }>(request: R): R {
  const { dueAt: _dueAt, ...rest } = request;
  return rest as R;
}

function event(
  request: InvalidationRequest,
  type: AuditEventType,
  at: string,
  actor: string | undefined,
  details: AuditEvent['details'],
): AuditEvent {
  const base = { requestId: request.id, type, key: type, at, details };
  return actor === undefined ? base : { ...base, actor };
}

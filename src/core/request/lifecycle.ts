import type { Status } from './model.js';

/** The steps of the core that change a request's status (named as the functions that make them). */
export type StatusStep =
  | 'createRequest'
  | 'cardPosted'
  | 'applyChoice'
  | 'goAsIs'
  | 'undeliverable'
  | 'applyDecision'
  | 'expire'
  | 'cancel'
  | 'queue'
  | 'submitted'
  | 'polled'
  | 'failed';

/** One change of status; `start` is before the request exists. */
export interface LifecycleEdge {
  from: Status | 'start';
  to: Status;
  step: StatusStep;
}

/**
 * Every change of status a request can go through, and the step that makes it. Steps that keep the status
 * (a reminder, a retry, a poll that finds work still going, a notice sent) are not changes and are not listed.
 * docs/architecture.md draws this table; a test keeps the two, and the steps themselves, in agreement.
 */
export const LIFECYCLE: readonly LifecycleEdge[] = [
  { from: 'start', to: 'new', step: 'createRequest' },
  { from: 'new', to: 'awaiting_choice', step: 'cardPosted' },
  { from: 'new', to: 'pending_approval', step: 'cardPosted' },
  { from: 'new', to: 'approved', step: 'cardPosted' },
  { from: 'new', to: 'undeliverable', step: 'undeliverable' },
  { from: 'new', to: 'failed', step: 'failed' },
  { from: 'awaiting_choice', to: 'pending_approval', step: 'applyChoice' },
  { from: 'awaiting_choice', to: 'approved', step: 'goAsIs' },
  { from: 'awaiting_choice', to: 'cancelled', step: 'cancel' },
  { from: 'pending_approval', to: 'awaiting_choice', step: 'applyChoice' },
  { from: 'pending_approval', to: 'approved', step: 'applyDecision' },
  { from: 'pending_approval', to: 'denied', step: 'applyDecision' },
  { from: 'pending_approval', to: 'expired', step: 'expire' },
  { from: 'pending_approval', to: 'cancelled', step: 'cancel' },
  { from: 'approved', to: 'queued', step: 'queue' },
  { from: 'approved', to: 'in_progress', step: 'submitted' },
  { from: 'approved', to: 'failed', step: 'failed' },
  { from: 'queued', to: 'in_progress', step: 'submitted' },
  { from: 'queued', to: 'failed', step: 'failed' },
  { from: 'in_progress', to: 'completed', step: 'polled' },
  { from: 'in_progress', to: 'failed', step: 'failed' },
];

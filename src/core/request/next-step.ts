import type { InvalidationRequest, RequestIn } from './model.js';
import { hasSent } from './notices.js';

/**
 * What a request that has come due needs next. Each kind carries the request narrowed to the statuses it
 * applies to, so whoever runs the step needs no second look at the status.
 */
export type NextStep =
  /** a thread message is waiting to be sent */
  | { kind: 'send_notice'; request: InvalidationRequest }
  /** the card shows an older state */
  | { kind: 'redraw_card'; request: InvalidationRequest }
  /** the card's poster died, or left it to a worker: it may or may not be in the channel */
  | { kind: 'post_card'; request: RequestIn<'new'> }
  /** waiting for its requester's choice: past the deadline it goes as it is, before it the card counts down */
  | { kind: 'go_as_is'; request: RequestIn<'awaiting_choice'> }
  | { kind: 'count_down'; request: RequestIn<'awaiting_choice'> }
  /** nobody decided within the approval timeout */
  | { kind: 'expire'; request: RequestIn<'pending_approval'> }
  /** halfway to expiry, with no reminder sent yet */
  | { kind: 'remind'; request: RequestIn<'pending_approval'> }
  /** approved, or queued for capacity: submit to CloudFront when there is room */
  | { kind: 'submit'; request: RequestIn<'approved' | 'queued'> }
  /** in progress: its own poll if it polls itself, else the watchdog that keeps its distribution's poll scheduled */
  | { kind: 'watch'; request: RequestIn<'in_progress'> }
  | { kind: 'none' };

/**
 * Decides what is due for `request` at `now`: a waiting notice first, then a stale card, then the step of
 * its status. A pending request past its expiry expires even if its reminder is due too.
 */
export function nextStep(request: InvalidationRequest, now: string): NextStep {
  if (request.outbox) return { kind: 'send_notice', request };
  if (request.cardStale) return { kind: 'redraw_card', request };
  switch (request.status) {
    case 'new':
      return { kind: 'post_card', request };
    case 'awaiting_choice':
      return request.choiceUntil <= now ? { kind: 'go_as_is', request } : { kind: 'count_down', request };
    case 'pending_approval':
      return pendingStep(request, now);
    case 'approved':
    case 'queued':
      return { kind: 'submit', request };
    case 'in_progress':
      return { kind: 'watch', request };
    case 'completed':
    case 'failed':
    case 'denied':
    case 'undeliverable':
    case 'expired':
    case 'cancelled':
      return { kind: 'none' };
    default: {
      const unreachable: never = request;
      throw new Error(`unknown status ${JSON.stringify(unreachable)}`);
    }
  }
}

function pendingStep(request: RequestIn<'pending_approval'>, now: string): NextStep {
  if (request.expiresAt <= now) return { kind: 'expire', request };
  if (hasSent(request, 'reminder') || request.remindAt > now) return { kind: 'none' };
  return { kind: 'remind', request };
}

import {
  type Batch,
  distributionIds,
  ENDING_NOTICES,
  type InvalidationRequest,
  type QueueReason,
  type Status,
  type Transition,
} from './model.js';
import { redrawLater } from './notices.js';

/**
 * Whether the card drawn for `before` shows something different for `after`: its status, the deadline it
 * gives, the decision, why it waits in the queue, the invalidations made, how it ended. What a step changes
 * beyond these (a reminder due, a retry, a notice sent) leaves the card as it is.
 */
export function cardChanged(before: InvalidationRequest, after: InvalidationRequest): boolean {
  return JSON.stringify(shownOnCard(before)) !== JSON.stringify(shownOnCard(after));
}

/**
 * Whether the request's own next step draws its card anyway: an approval is drawn by its submission, and
 * an outcome waiting to be told in the thread by the step that tells it (send-notice.ts).
 */
export function drawnByNextStep(request: InvalidationRequest): boolean {
  const outcome = request.outbox !== undefined && ENDING_NOTICES.has(request.outbox.kind);
  return request.status === 'approved' || outcome;
}

/**
 * The change in `transition`, made by a writer that may not call Slack before answering (the Lambda
 * handler): marked for the worker to draw (`redrawLater`) when the card changes and nothing else draws it.
 */
export function leftToWorker<S extends Status>(
  before: InvalidationRequest,
  transition: Transition<S>,
  now: string,
): Transition<S> {
  const after = transition.request;
  if (!cardChanged(before, after) || drawnByNextStep(after)) return transition;
  return redrawLater(transition, now);
}

/** Whether a batch is done, as the card of a request on several distributions shows it; null on one. */
function severalDone(request: InvalidationRequest, batch: Batch): boolean | null {
  return distributionIds(request.distribution).length > 1 ? batch.completed : null;
}

/** What the card draws of a request that can change after it is posted (src/adapters/slack/blocks.ts). */
function shownOnCard(request: InvalidationRequest): unknown[] {
  const decision = 'decision' in request ? request.decision : undefined;
  return [
    request.status,
    request.revision ?? 0,
    request.status === 'awaiting_choice' ? [request.choiceUntil, request.countdownFrom] : null,
    request.status === 'pending_approval' ? request.expiresAt : null,
    decision ? [decision.outcome, decision.by, decision.at, decision.reason ?? null] : null,
    request.status === 'queued' ? queueShown(request.queue) : null,
    // On several distributions the card says which are done (blocks.ts eachDistribution).
    'batches' in request
      ? [request.submittedAt, request.batches.map((b) => [b.invalidationId ?? null, severalDone(request, b)])]
      : null,
    request.status === 'completed' ? request.completedAt : null,
    request.status === 'failed' || request.status === 'undeliverable'
      ? [request.failure.code, request.failure.message]
      : null,
    request.status === 'expired' ? request.expiredAt : null,
    request.status === 'cancelled' ? [request.cancelledBy, request.cancelledAt] : null,
  ];
}

function queueShown(queue: QueueReason): unknown[] {
  return queue.code === 'capacity'
    ? [queue.code, queue.inFlightPaths, queue.inFlightWildcards]
    : [queue.code];
}

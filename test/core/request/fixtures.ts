// Requests at every status, built by the core's own steps, for the tests of the lifecycle.
import { cheaperForms, hasCheaperForm } from '../../../src/core/cheaper.js';
import { previewCost } from '../../../src/core/cost.js';
import { type ApprovalPolicy, approvalNeed } from '../../../src/core/policy.js';
import {
  applyDecision,
  type Batch,
  batchesFor,
  cancel,
  cardPosted,
  createRequest,
  expire,
  failed,
  type InvalidationRequest,
  type NewRequest,
  noticeSent,
  noticeTried,
  offersOf,
  type PollOptions,
  polled,
  type QueueReason,
  queue,
  type RequestIn,
  reminderDue,
  submitted,
  undeliverable,
} from '../../../src/core/request.js';

export const ID = 'req-01JABCDEF';
export const CREATED = '2026-05-04T10:00:00.000Z';
export const POSTED = '2026-05-04T10:00:01.000Z';
export const DECIDED = '2026-05-04T10:05:00.000Z';
export const SUBMITTED = '2026-05-04T10:05:02.000Z';
export const POLLED = '2026-05-04T10:05:07.000Z';
export const DONE = '2026-05-04T10:07:15.000Z';
export const REMIND = '2026-05-04T10:15:01.000Z';
export const CARD = { channel: 'C0123DEPLOY', ts: '1714816801.000100' };
export const TIMEOUT_MS = 30 * 60_000;
export const QUEUE_RETRY_MS = 30_000;
export const POLL: PollOptions = { slowAfterMs: 10 * 60_000 };
/** SUBMITTED plus POLL.slowAfterMs: the first poll that counts as slow */
export const SLOW = '2026-05-04T10:15:02.000Z';
/** SUBMITTED plus WATCHDOG_MS: when a request just submitted is looked at again if no poll came */
export const WATCHDOG = '2026-05-04T10:15:02.000Z';
export const CAPACITY: QueueReason = { code: 'capacity', inFlightPaths: 2_999, inFlightWildcards: 15 };
export const NO_APPROVAL = { required: false, rules: [], approvers: { users: [] }, selfApproval: false };

export function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  return {
    id: ID,
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    paths: ['/index.html', '/images/*'],
    requester: 'U0DEV',
    channel: CARD.channel,
    createdAt: CREATED,
    approval: {
      required: true,
      rules: [{ rule: 'wildcard', paths: ['/images/*'] }],
      approvers: { usergroup: 'S0ONCALL', users: ['U0LEAD'] },
      selfApproval: false,
    },
    cost: previewCost(2, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
    ...overrides,
  };
}

export function as<S extends InvalidationRequest['status']>(
  status: S,
  request: InvalidationRequest,
): RequestIn<S> {
  if (request.status !== status) throw new Error(`expected ${status}, got ${request.status}`);
  return request as RequestIn<S>;
}

export function created(overrides: Partial<NewRequest> = {}): RequestIn<'new'> {
  return createRequest(newRequest(overrides)).request;
}

export function pending(): RequestIn<'pending_approval'> {
  return as('pending_approval', cardPosted(created(), CARD, POSTED, TIMEOUT_MS).request);
}

export function reminding(): RequestIn<'pending_approval'> {
  return as('pending_approval', reminderDue(pending(), REMIND).request);
}

export function approved(paths?: string[]): RequestIn<'approved'> {
  const request = applyDecision(pending(), { outcome: 'approved', by: 'U0LEAD' }, DECIDED).request;
  return as('approved', paths ? { ...request, paths } : request);
}

export function queued(): RequestIn<'queued'> {
  return as('queued', queue(approved(), CAPACITY, DECIDED, QUEUE_RETRY_MS).request);
}

export function manyPaths(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `/p/${index}`);
}

/** CloudFront accepted the first `accepted` batches (all by default), as I1, I2, … */
export function withIds(batches: Batch[], accepted = batches.length): Batch[] {
  return batches.map((batch, index) =>
    index < accepted ? { ...batch, invalidationId: `I${index + 1}` } : batch,
  );
}

export function inProgress(paths?: string[], accepted?: number): RequestIn<'in_progress'> {
  const request = approved(paths);
  const batches = withIds(batchesFor(request.id, request.paths), accepted);
  return as('in_progress', submitted(request, batches, SUBMITTED).request);
}

/** 3,001 paths in two batches, only the first of which CloudFront had room for. */
export function partlySubmitted(): RequestIn<'in_progress'> {
  return inProgress(manyPaths(3001), 1);
}

export function slowlyInProgress(): RequestIn<'in_progress'> {
  return as('in_progress', polled(inProgress(), new Set(), SLOW, POLL).request);
}

export function completed(): RequestIn<'completed'> {
  return as('completed', polled(inProgress(), new Set(['I1']), DONE, POLL).request);
}

export function failedRequest(): RequestIn<'failed'> {
  return as('failed', failed(inProgress(), 'AccessDenied', 'Access denied', POLLED).request);
}

/** Freezes the whole object graph, so that a step that writes to its input throws. */
export function deepFrozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFrozen(child);
    Object.freeze(value);
  }
  return value;
}

/** POSTED plus TIMEOUT_MS: when a pending request expires */
export const EXPIRY = '2026-05-04T10:30:01.000Z';

export function denied(): RequestIn<'denied'> {
  return as(
    'denied',
    applyDecision(pending(), { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED).request,
  );
}

export function expired(): RequestIn<'expired'> {
  return as('expired', expire(pending(), EXPIRY).request);
}

export function cancelled(): RequestIn<'cancelled'> {
  return as('cancelled', cancel(pending(), 'U0DEV', DECIDED).request);
}

export function undeliverableRequest(): RequestIn<'undeliverable'> {
  return as('undeliverable', undeliverable(created(), 'not_in_channel', POSTED).request);
}

/** A request whose outcome notice is in the thread already: nothing is left to do for it. */
export function told(request: InvalidationRequest): InvalidationRequest {
  return noticeSent(noticeTried(request), DONE).request;
}

export const PRICING = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };
/** A distribution whose wildcards need approval, and one where nothing does. */
export const WILDCARD_POLICY: ApprovalPolicy = {
  mode: 'wildcard',
  rootWildcard: false,
  pastFreeAllowance: false,
};
export const OPEN_POLICY: ApprovalPolicy = { mode: 'never', rootWildcard: false, pastFreeAllowance: false };
/** How long a request with cheaper forms waits for its requester's choice. */
export const CHOICE_WAIT_MS = 60_000;

/** A deploy's files: `assets` hashed bundles under /assets/, and two pages. */
export function deployPaths(assets = 240): string[] {
  const hex = (n: number) => (0x3f9a1c2e + n).toString(16);
  return [
    '/index.html',
    ...Array.from({ length: assets }, (_, n) => `/assets/app.${hex(n)}.js`),
    '/docs/guide.html',
  ];
}

/**
 * A person's new request of `paths` with its cheaper forms, the month's free allowance used up before it
 * (`usedBefore`), on a distribution with `policy`, as recordRequest makes it.
 */
export function offering(
  paths: string[],
  { usedBefore = 1000, policy = OPEN_POLICY }: { usedBefore?: number; policy?: ApprovalPolicy } = {},
): RequestIn<'new'> {
  const cost = previewCost(paths.length, usedBefore, PRICING);
  const need = approvalNeed(paths, cost, policy);
  const approval = { ...NO_APPROVAL, approvers: { users: ['U0LEAD'] }, ...need };
  const forms = cheaperForms({ paths, cost, approval }, PRICING, policy);
  const offers = offersOf(forms, paths.length);
  const waits = !need.required && hasCheaperForm(forms, paths.length);
  return created({
    paths,
    cost,
    approval,
    ...(offers ? { offers } : {}),
    ...(waits ? { choiceWaitMs: CHOICE_WAIT_MS } : {}),
  });
}

/** A request posted and waiting for its requester's choice. */
export function choosing(
  paths = deployPaths(),
  options?: { usedBefore?: number },
): RequestIn<'awaiting_choice'> {
  return as('awaiting_choice', cardPosted(offering(paths, options), CARD, POSTED, TIMEOUT_MS).request);
}

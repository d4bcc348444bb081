import {
  type CheaperForms,
  canDropHashed,
  cheaperForms,
  findingsOf,
  hasCheaperForm,
  MAX_CHOICES,
  withoutHashed,
  withWildcard,
} from '../cheaper.js';
import { type Pricing, previewCost } from '../cost.js';
import { type ApprovalPolicy, approvalNeed } from '../policy.js';
import { addMs } from '../schedule.js';
import {
  type AuditEvent,
  auditEvent,
  type Base,
  billedPaths,
  bump,
  type Card,
  type Decision,
  type InvalidationRequest,
  type Offers,
  type RequestIn,
  type Transition,
} from './model.js';

/**
 * A request with cheaper forms to offer waits for its requester's choice before it goes to CloudFront
 * (`awaiting_choice`): a wildcard for many paths under one prefix, or the hashed files dropped (core/cheaper.ts).
 * Nobody choosing, it goes as it is at `choiceUntil`; meanwhile its card counts down, redrawn every tick.
 */

/** How often the card of a request waiting for a choice is redrawn to count down. */
export const CHOICE_TICK_MS = 20_000;

/** What a requester can choose on the card: a wildcard offered for a prefix, or dropping the hashed files. */
export type Choice = { kind: 'wildcard'; wildcard: string } | { kind: 'drop_hashed' };

/** The offers of a request with these forms, or undefined when there is nothing to offer. */
export function offersOf(forms: CheaperForms, paths: number): Offers | undefined {
  if (!hasCheaperForm(forms, paths) && forms.hashed.length === 0) return undefined;
  return { wildcards: forms.wildcards, hashed: forms.hashed.length };
}

/** The card is posted and the request has cheaper forms: it waits for its requester's choice. */
export function awaitChoice(
  base: Base & { card: Card },
  now: string,
  waitMs: number,
): Transition<'awaiting_choice'> {
  const choiceUntil = addMs(now, waitMs);
  const next: RequestIn<'awaiting_choice'> = {
    ...base,
    status: 'awaiting_choice',
    choiceUntil,
    countdownFrom: now,
    dueAt: nextChoiceTick(now, choiceUntil),
  };
  return { request: next };
}

/** A tick of the countdown: the card is drawn again from `now`, and the next tick (or going ahead) is due. */
export function countedDown(
  request: RequestIn<'awaiting_choice'>,
  now: string,
): Transition<'awaiting_choice'> {
  const next: RequestIn<'awaiting_choice'> = {
    ...bump(request),
    countdownFrom: now,
    dueAt: nextChoiceTick(now, request.choiceUntil),
  };
  return { request: next };
}

/** When a request waiting for a choice is next due: its countdown's next tick, or its deadline if sooner. */
export function nextChoiceTick(now: string, choiceUntil: string): string {
  const tick = addMs(now, CHOICE_TICK_MS);
  return tick < choiceUntil ? tick : choiceUntil;
}

/**
 * The request goes to CloudFront as it is: its requester said so (`by`), or nobody chose in time. It needed
 * no approval (or it would not wait here), so the policy approves it.
 */
export function goAsIs(
  request: RequestIn<'awaiting_choice'>,
  by: string | undefined,
  now: string,
): Transition<'approved'> {
  const decision: Decision = { outcome: 'approved', by: 'policy', at: now };
  const next: RequestIn<'approved'> = {
    ...withoutChoice(bump(request)),
    status: 'approved',
    decision,
    dueAt: now,
    attempts: 0,
  };
  const details: AuditEvent['details'] =
    by === undefined ? { automatic: true, choiceTimedOut: true } : { automatic: true, asIs: true };
  return { request: next, event: auditEvent(request, 'approved', now, by ?? 'policy', details) };
}

/** What applying a choice needs besides the request: the distribution's policy now, and the pricing. */
export interface ChoiceContext {
  policy: ApprovalPolicy;
  pricing: Pricing;
  approvalTimeoutMs: number;
  now: string;
}

/** A choice that is not (or no longer) on the card: nothing changes. */
export interface NotOffered {
  code: 'not_offered';
  request: InvalidationRequest;
}

/**
 * The requester chose a cheaper form: the paths change, and with them the cost and what the policy asks.
 * The request then needs approval (a wildcard may): it waits for it, with the new rules. Otherwise, with
 * more to choose it keeps waiting for the requester; with nothing more, it goes at once (`choiceUntil` now).
 * A pending request whose new paths need no approval goes the same way. The month's figures a request was
 * found past when it was made (budget, requester limits) still stand: they come from its reservations.
 */
export function applyChoice(
  request: RequestIn<'awaiting_choice' | 'pending_approval'>,
  choice: Choice,
  context: ChoiceContext,
): Transition<'awaiting_choice' | 'pending_approval'> | NotOffered {
  const paths = chosenPaths(request, choice);
  if (!paths) return { code: 'not_offered', request };
  const { pricing, now } = context;
  const cost = {
    ...request.cost,
    ...previewCost(
      billedPaths({ distribution: request.distribution, paths }),
      request.cost.usedBefore,
      pricing,
    ),
  };
  const need = approvalNeed(paths, cost, context.policy, findingsOf(request.approval.rules));
  const saved = { paths: request.paths.length - paths.length, usd: usd(request.cost.costUsd - cost.costUsd) };
  const revision = (request.revision ?? 0) + 1;
  const changed = {
    ...bump(request),
    paths,
    cost,
    revision,
    savings: {
      paths: (request.savings?.paths ?? 0) + saved.paths,
      usd: usd((request.savings?.usd ?? 0) + saved.usd),
    },
    approval: { ...request.approval, required: need.required, rules: need.rules },
  };
  const forms = cheaperForms(changed, pricing, context.policy);
  const offers = revision < MAX_CHOICES ? offersOf(forms, paths.length) : undefined;
  const { offers: _offers, ...rest } = changed;
  const base: Base = offers ? { ...rest, offers } : rest;
  const details: AuditEvent['details'] = {
    choice: choice.kind,
    ...(choice.kind === 'wildcard' ? { wildcard: choice.wildcard } : {}),
    pathsBefore: request.paths.length,
    pathsAfter: paths.length,
    savedPaths: saved.paths,
    savedUsd: saved.usd,
    approvalRequired: need.required,
  };
  const event = auditEvent(request, 'changed', now, request.requester, details, `changed#${revision}`);
  if (need.required) return { request: pendingFrom(request, base, context), event };
  const moreToChoose =
    request.status === 'awaiting_choice' && offers !== undefined && hasCheaperForm(forms, paths.length);
  const choiceUntil = moreToChoose && request.status === 'awaiting_choice' ? request.choiceUntil : now;
  const next: RequestIn<'awaiting_choice'> = {
    ...without(base, PENDING_FIELDS),
    card: request.card,
    status: 'awaiting_choice',
    choiceUntil,
    countdownFrom: now,
    dueAt: nextChoiceTick(now, choiceUntil),
  };
  return { request: next, event };
}

/** The request's paths once `choice` is applied; undefined when the card does not offer it. */
function chosenPaths(request: InvalidationRequest, choice: Choice): string[] | undefined {
  const offers = request.offers;
  if (!offers) return undefined;
  switch (choice.kind) {
    case 'wildcard':
      return offers.wildcards.some((offer) => offer.wildcard === choice.wildcard)
        ? withWildcard(request.paths, choice.wildcard)
        : undefined;
    case 'drop_hashed': {
      const hashed = request.paths.length - withoutHashed(request.paths).length;
      return canDropHashed({ wildcards: [], hashed: Array(hashed) }, request.paths.length)
        ? withoutHashed(request.paths)
        : undefined;
    }
    default: {
      const unreachable: never = choice;
      return unreachable;
    }
  }
}

/** A request that needs approval after a choice: still pending, or pending from now with a fresh timeout. */
function pendingFrom(
  request: RequestIn<'awaiting_choice' | 'pending_approval'>,
  base: Base,
  context: ChoiceContext,
): RequestIn<'pending_approval'> {
  const waits =
    request.status === 'pending_approval'
      ? { expiresAt: request.expiresAt, remindAt: request.remindAt, dueAt: request.dueAt }
      : freshWait(context);
  const { dueAt, ...deadlines } = waits;
  return {
    ...without(base, CHOICE_FIELDS),
    card: request.card,
    status: 'pending_approval',
    ...deadlines,
    ...(dueAt === undefined ? {} : { dueAt }),
  };
}

/** The approval timeout from now, with its reminder halfway, as a posted card starts it (`cardPosted`). */
function freshWait(context: ChoiceContext) {
  const remindAt = addMs(context.now, context.approvalTimeoutMs / 2);
  return { expiresAt: addMs(context.now, context.approvalTimeoutMs), remindAt, dueAt: remindAt };
}

/** A request that no longer waits for a choice: its deadline and countdown go. */
export function withoutChoice(request: RequestIn<'awaiting_choice'>) {
  const { choiceUntil: _choiceUntil, countdownFrom: _countdownFrom, ...rest } = request;
  return rest;
}

/**
 * `request` without the fields of the status it leaves (`keys`): the request is rebuilt for its new status,
 * and a field of the old one must not ride along.
 */
function without<T extends object, K extends string>(request: T, keys: readonly K[]): Omit<T, K> {
  const dropped = new Set<string>(keys);
  // What the entries keep is exactly Omit<T, K>; TypeScript cannot follow that through a filter.
  return Object.fromEntries(Object.entries(request).filter(([key]) => !dropped.has(key))) as Omit<T, K>;
}

const CHOICE_FIELDS = ['choiceUntil', 'countdownFrom'] as const;
const PENDING_FIELDS = ['expiresAt', 'remindAt'] as const;

function usd(amount: number): number {
  return Math.round(amount * 1000) / 1000;
}

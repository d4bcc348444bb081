import type { DistributionConfig } from '../config.js';
import { billingMonth } from '../core/cost.js';
import type { LimitFindings } from '../core/policy.js';
import type { InvalidationRequest } from '../core/request.js';
import {
  hasRequesterLimits,
  monthFigures,
  monthPathsScope,
  type Reserved,
  requesterCounterLimits,
  requesterHourScope,
  requesterLimitRule,
} from '../core/reservations.js';
import type { Reservation, Services } from './ports.js';

/**
 * A request's share of the month's paths, from its recording to its end:
 *
 *   recorded  ── reserve (within the budget) ──┬─ fits: holds its paths while it waits and is submitted
 *                                              └─ over: holds nothing, needs approval (`over_budget`)
 *   approved over the budget ── reserve without limit (the approver's override) when it is submitted
 *   submitted ── commit: the reservation is usage for good (a later release changes nothing)
 *   denied, expired, cancelled, undeliverable, failed before submission ── release
 *
 * Each step is idempotent per request id, so a retry after a crash or timeout never counts twice. Each
 * comes after the state change it follows is saved: a crash in between leaves the paths reserved (the
 * budget errs on the strict side) and never lets the month pass it unseen.
 */
export interface RecordedReservations {
  usedBefore: number;
  findings: LimitFindings;
}

/**
 * Reserves a new request's paths in the month (against the budget, if any) and counts it in its
 * requester's hour (against their limits, if any): two conditional writes side by side, the second only
 * when limits are set. What does not fit is a rule for approval, never a refusal.
 */
export async function reserveNewRequest(
  services: Pick<Services, 'counters' | 'logger' | 'policy'>,
  input: {
    id: string;
    requester: string;
    paths: number;
    createdAt: string;
    distribution: DistributionConfig;
  },
): Promise<RecordedReservations> {
  const { counters, policy } = services;
  const budget = policy.budget?.monthlyPaths;
  const limits = input.distribution.policy.requesterLimits;
  const [month, hour] = await Promise.all([
    counters.reserve(
      monthPathsScope(billingMonth(input.createdAt)),
      input.id,
      input.paths,
      budget === undefined ? undefined : { amount: budget },
    ),
    hasRequesterLimits(limits)
      ? counters.reserve(
          requesterHourScope(input.requester, input.createdAt),
          input.id,
          input.paths,
          requesterCounterLimits(limits),
        )
      : undefined,
  ]);
  if (!month.ok && month.reason === 'full') {
    services.logger.warn('the month counter keeps as many open reservations as it can; approval needed', {
      requestId: input.id,
    });
  }
  const { usedBefore, overBudget } = monthFigures(reservedOf(month), input.paths, budget);
  const requesterLimit =
    hour && hasRequesterLimits(limits)
      ? requesterLimitRule(reservedOf(hour), input.paths, limits)
      : undefined;
  return {
    usedBefore,
    findings: { ...(overBudget ? { overBudget } : {}), ...(requesterLimit ? { requesterLimit } : {}) },
  };
}

/** Gives back what a request that ends unsubmitted holds of the month; nothing when it holds nothing. */
export async function releaseReservation(
  services: Pick<Services, 'counters'>,
  request: InvalidationRequest,
): Promise<void> {
  await services.counters.release(scopeOf(request.createdAt), request.id, request.paths.length);
}

/**
 * Makes sure an approved request holds its paths before it goes to CloudFront. Only a request approved
 * past the budget holds none (the approver overrode the budget); the reservation is taken without a limit.
 */
export async function holdApproved(
  services: Pick<Services, 'counters'>,
  request: InvalidationRequest,
): Promise<void> {
  if (!request.approval.rules.some((rule) => rule.rule === 'over_budget')) return;
  await services.counters.reserve(scopeOf(request.createdAt), request.id, request.paths.length);
}

/**
 * A request's paths changed before submission (a cheaper form the requester chose): what it holds of the
 * month follows, from `before` paths to its paths now. Called once, after the change is saved.
 */
export async function resizeReservation(
  services: Pick<Services, 'counters'>,
  request: InvalidationRequest,
  before: number,
): Promise<void> {
  const delta = request.paths.length - before;
  await services.counters.adjust(scopeOf(request.createdAt), request.id, delta);
}

/**
 * The request was submitted: its reservation is usage. Submitted in a later month than it was made
 * (it waited for approval over the turn of the month), its paths move to the month that bills them.
 */
export async function commitReservation(
  services: Pick<Services, 'counters'>,
  request: InvalidationRequest,
  now: string,
): Promise<void> {
  const { counters } = services;
  const made = scopeOf(request.createdAt);
  const billed = scopeOf(now);
  const paths = request.paths.length;
  if (made === billed) {
    await counters.commit(made, request.id, paths);
    return;
  }
  await counters.reserve(billed, request.id, paths);
  await counters.commit(billed, request.id, paths);
  await counters.release(made, request.id, paths);
}

function scopeOf(isoTime: string): string {
  return monthPathsScope(billingMonth(isoTime));
}

function reservedOf(reservation: Reservation): Reserved {
  return reservation.ok ? reservation : { ok: false, current: reservation.current };
}

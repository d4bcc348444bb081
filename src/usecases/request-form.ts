import type { DistributionConfig } from '../config.js';
import { findDistribution } from '../config.js';
import { accountPathLimit } from '../core/budgets.js';
import { billingMonth, type CostPreview, previewCost } from '../core/cost.js';
import { splitPaths } from '../core/paths.js';
import { type ApprovalNeed, approvalNeed } from '../core/policy.js';
import { billedPaths, type RequestIn, requestDistribution } from '../core/request.js';
import { monthPathsScope } from '../core/reservations.js';
import { err, type Result } from '../core/result.js';
import { memberOf } from './membership.js';
import type { FollowUps, Services } from './ports.js';
import {
  type CommandRefusal,
  type PathsRefusal,
  prepareInvalidation,
  type RecordRefusal,
  recordRequest,
  recordUnauthorizedCommand,
} from './request-invalidation.js';

/** What the request form holds when it is sent, or edited: the distribution's alias, the paths as typed. */
export interface FormInput {
  alias: string | undefined;
  /** the paths field as typed: items separated by spaces, commas or new lines, URLs allowed */
  pathsText: string;
  reason?: string;
}

/**
 * The distributions `user` may request from `channel`: the same two rules `/invalidate` applies, the
 * distribution's `channels` (checked first, it costs nothing) and, when set, its `requesters` (a user
 * group looked up in the directory's cache, then once more in Slack, as for the command).
 */
export async function requestableDistributions(
  services: Pick<Services, 'policy' | 'directory'>,
  user: string,
  channel: string,
): Promise<DistributionConfig[]> {
  const here = services.policy.distributions.filter(
    (distribution) => !distribution.channels || distribution.channels.includes(channel),
  );
  const allowed = await Promise.all(
    here.map(async (distribution) =>
      !distribution.requesters ||
      (await memberOf(services.directory, user, distribution.requesters)) === 'member'
        ? distribution
        : undefined,
    ),
  );
  return allowed.filter((distribution) => distribution !== undefined);
}

/** What the form shows under the paths while they are typed. */
export type FormPreview =
  | { kind: 'empty' }
  | { kind: 'refused'; refusal: PathsRefusal }
  | { kind: 'ready'; paths: number; cost: CostPreview; approval: ApprovalNeed };

/**
 * The preview of a request as typed so far: the problems `/invalidate` would name, or its count, cost and
 * the approval it needs. The month's figure is one read of its counter, what is reserved or used so far;
 * it is only a preview: the reservation made at submission decides (and may add budget and hourly limits).
 */
export async function previewForm(
  services: Pick<Services, 'clock' | 'counters' | 'policy'>,
  distribution: DistributionConfig,
  pathsText: string,
): Promise<FormPreview> {
  const items = splitPaths(pathsText);
  if (items.length === 0) return { kind: 'empty' };
  const { policy } = services;
  const prepared = prepareInvalidation(policy, distribution, items, undefined, pathsText);
  if (!prepared.ok) return { kind: 'refused', refusal: prepared.error };
  const { paths } = prepared.value.normalised;
  const month = billingMonth(services.clock.now());
  const used = await services.counters.figures(monthPathsScope(month));
  const budgetPaths = accountPathLimit(policy.budget, policy.cost)?.paths;
  const billed = billedPaths({ distribution: requestDistribution(distribution), paths });
  const cost = previewCost(billed, used.amount, policy.cost, budgetPaths);
  return {
    kind: 'ready',
    paths: paths.length,
    cost,
    approval: approvalNeed(paths, cost, distribution.policy),
  };
}

/** Why a sent form recorded nothing: the refusals `/invalidate` gives, or an empty paths field. */
export type FormRefusal = CommandRefusal | RecordRefusal | { code: 'no_paths' };

/**
 * A sent request form, through exactly the slash command's path: the distribution must be allowed in the
 * channel (a refusal for the channel is recorded, as for the command), the paths pass prepareInvalidation,
 * then recordRequest checks the requester, reserves the month and records it. The caller posts the card
 * (or, with `followUps: 'worker'`, wakes the worker that does).
 */
export async function submitForm(
  services: Parameters<typeof recordRequest>[0],
  input: FormInput,
  user: string,
  channel: string,
  followUps: FollowUps,
): Promise<Result<RequestIn<'new'>, FormRefusal>> {
  const { policy } = services;
  const alias = input.alias ?? '';
  const distribution = findDistribution(policy, alias);
  if (!distribution) return err({ code: 'unknown_distribution', target: alias, known: policy.distributions });
  const text = `${distribution.alias} ${input.pathsText}`;
  if (distribution.channels && !distribution.channels.includes(channel)) {
    const refusal = { code: 'channel_not_allowed' as const, distribution };
    await recordUnauthorizedCommand(services, refusal, { user, channel, text });
    return err(refusal);
  }
  const items = splitPaths(input.pathsText);
  if (items.length === 0) return err({ code: 'no_paths' });
  const prepared = prepareInvalidation(policy, distribution, items, input.reason, text);
  if (!prepared.ok) return err(prepared.error);
  return recordRequest(services, prepared.value, user, channel, followUps);
}

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
  prepareItems,
  type RecordRefusal,
  recordRequest,
  recordUnauthorizedCommand,
} from './request-invalidation.js';
import { chooseByHosts } from './request-targets.js';
import { accountMonthUsed } from './reservations.js';

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
 * The preview of a request as typed so far: the problems `/invalidate` would name (a URL of another
 * distribution, a `#tag` where cache tags are not set up included), or its count, cost and
 * the approval it needs. The month's figure is one read of its counter, what is reserved or used so far;
 * it is only a preview: the reservation made at submission decides (and may add budget and hourly limits).
 */
export async function previewForm(
  services: Pick<Services, 'clock' | 'counters' | 'facts' | 'policy'>,
  distribution: DistributionConfig,
  pathsText: string,
): Promise<FormPreview> {
  const items = splitPaths(pathsText);
  if (items.length === 0) return { kind: 'empty' };
  // The checks a sent form passes, URLs' hosts and cache tags included: each keystroke redraws the
  // preview, and their CloudFront reads are cached and shared (distribution-facts.ts).
  const prepared = await prepareItems(services, distribution, items, undefined, pathsText);
  if (!prepared.ok) return { kind: 'refused', refusal: prepared.error };
  const normalised = prepared.value.normalised.paths;
  const cost = await previewMonthCost(services, distribution, normalised);
  return {
    kind: 'ready',
    paths: normalised.length,
    cost,
    approval: approvalNeed(normalised, cost, distribution.policy),
  };
}

/**
 * What `paths` on `distribution` would cost as the month stands: one read of its counters, counted in
 * the distribution's own AWS account as the request will be (reservations.ts). Only a preview: the
 * reservation a request makes decides (and may add budget and hourly limits).
 */
export async function previewMonthCost(
  services: Pick<Services, 'clock' | 'counters' | 'policy'>,
  distribution: DistributionConfig,
  paths: readonly string[],
): Promise<CostPreview> {
  const { policy } = services;
  const month = billingMonth(services.clock.now());
  const [used, total] = await Promise.all([
    accountMonthUsed(services, distribution, month),
    services.counters.figures(monthPathsScope(month)),
  ]);
  const wholeBudget = accountPathLimit(policy.budget, policy.cost)?.paths;
  const budgetPaths = wholeBudget === undefined ? undefined : wholeBudget - (total.amount - used);
  // Each of the distribution's ids gets its own invalidation, billed in full.
  const billed = billedPaths({ distribution: requestDistribution(distribution), paths });
  return previewCost(billed, used, policy.cost, budgetPaths);
}

/** Why a sent form recorded nothing: the refusals `/invalidate` gives, or an empty paths field. */
export type FormRefusal = CommandRefusal | RecordRefusal | { code: 'no_paths' };

/**
 * A sent request form, through exactly the slash command's path: the distribution must be allowed in the
 * channel (a refusal for the channel is recorded, as for the command), the items pass prepareItems (a
 * URL of another distribution is refused, as for the command),
 * then recordRequest checks the requester, reserves the month and records it. The caller posts the card
 * (or, with `followUps: 'worker'`, wakes the worker that does).
 */
export async function submitForm(
  services: Parameters<typeof recordRequest>[0] & Pick<Services, 'facts'>,
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
  const prepared = await prepareItems(services, distribution, items, input.reason, text);
  if (!prepared.ok) return err(prepared.error);
  return recordRequest(services, prepared.value, user, channel, followUps);
}

/**
 * The one distribution the URLs of a message belong to, when they all belong to one the user may request
 * here; undefined otherwise (the user chooses). A URL of another host stays in the form, and sending it
 * is refused as `/invalidate` refuses it.
 */
export async function distributionOfUrls(
  services: Pick<Services, 'facts'>,
  hosts: readonly string[],
  requestable: readonly DistributionConfig[],
): Promise<DistributionConfig | undefined> {
  if (hosts.length === 0) return undefined;
  const answers = await services.facts.hosts(hosts);
  const chosen = chooseByHosts(answers);
  if (!chosen.ok || !chosen.value) return undefined;
  const { distribution } = chosen.value;
  return requestable.some((d) => d.id === distribution.id) ? distribution : undefined;
}

import { createHash } from 'node:crypto';
import { type DistributionConfig, findDistribution, type PipelineConfig } from '../config.js';
import type { BudgetOverrun } from '../core/budgets.js';
import { MAX_REASON_LENGTH } from '../core/command.js';
import { type PipelineSource, pipelineRequester, type RequestIn } from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import type { CancelRefusal } from './cancel.js';
import { cancelRequest } from './cancel.js';
import type { FollowUps, Services, StoredRequest } from './ports.js';
import { RequestExistsError } from './ports.js';
import { postCard } from './post-card.js';
import { type PathsRefusal, prepareItems, recordRequest } from './request-invalidation.js';
import { showChange } from './show-change.js';

/** What a pipeline sends to `POST /api/v1/requests`, once its shape is checked (adapters/http). */
export interface PipelineRequestInput {
  distribution: string;
  paths: readonly string[];
  reason?: string;
  idempotencyKey?: string;
  context?: { url?: string; commit?: string; pipeline?: string };
}

/** Why a pipeline's call changed nothing; each maps to one HTTP status in the adapter. */
export type PipelineRefusal =
  | { code: 'unknown_distribution'; distribution: string; known: DistributionConfig[] }
  | { code: 'distribution_not_allowed'; distribution: DistributionConfig; allowed: DistributionConfig[] }
  | { code: 'reason_too_long'; length: number; max: number }
  | { code: 'paths'; refusal: PathsRefusal }
  | { code: 'idempotency_conflict'; requestId: string }
  | { code: 'rate_limited'; retryAfterSeconds: number; limit: number }
  /** a budget with `onExceed: refuse` had no room for it; recorded as a refusal, not as a request */
  | { code: 'over_budget'; overrun: BudgetOverrun };

export type PipelineServices = Pick<
  Services,
  | 'cards'
  | 'clock'
  | 'counters'
  | 'digestMarkers'
  | 'directory'
  | 'facts'
  | 'ids'
  | 'logger'
  | 'operations'
  | 'policy'
  | 'refusals'
  | 'requests'
  | 'take'
  | 'wake'
  | 'workerId'
  | 'pipelineLedger'
>;

/** A request a pipeline asked for: made now (`created`), or found again under its idempotency key. */
export interface PipelineAnswer {
  created: boolean;
  stored: StoredRequest;
}

/**
 * A pipeline's request, through the same checks, policy, record and card as a person's `/invalidate`.
 * With an idempotency key, the request's id is claimed with the key first, in one conditional write: a
 * retried call (even one racing the first) finds that request instead of making a second, and a call that
 * died between the claim and the record is completed by its retry under the same id.
 */
export async function requestForPipeline(
  services: PipelineServices,
  pipeline: PipelineConfig,
  input: PipelineRequestInput,
  followUps: FollowUps = 'caller',
): Promise<Result<PipelineAnswer, PipelineRefusal>> {
  const checked = await checkInput(services, pipeline, input);
  if (!checked.ok) return checked;
  const prepared = checked.value;
  let id = services.ids.requestId();
  if (input.idempotencyKey !== undefined) {
    const fingerprint = fingerprintOf(prepared.distribution.id, input);
    const claim = await services.pipelineLedger.claimKey({
      pipeline: pipeline.name,
      key: input.idempotencyKey,
      requestId: id,
      fingerprint,
      at: services.clock.now(),
    });
    if (!claim.claimed) {
      if (claim.fingerprint !== fingerprint)
        return err({ code: 'idempotency_conflict', requestId: claim.requestId });
      const found = await services.requests.get(claim.requestId);
      if (found) return ok({ created: false, stored: found });
      id = claim.requestId;
    }
  }
  if (pipeline.requestsPerHour !== undefined) {
    const counted = await services.pipelineLedger.countHourly(
      pipeline.name,
      services.clock.now(),
      pipeline.requestsPerHour,
    );
    if (!counted.allowed)
      return err({
        code: 'rate_limited',
        retryAfterSeconds: counted.retryAfterSeconds,
        limit: pipeline.requestsPerHour,
      });
  }
  const source = sourceOf(pipeline, input);
  let recorded: RequestIn<'new'>;
  try {
    const result = await recordRequest(
      services,
      prepared,
      pipelineRequester(pipeline.name),
      pipeline.channel,
      followUps,
      { id, source },
    );
    if (!result.ok && result.error.code === 'over_budget')
      return err({ code: 'over_budget', overrun: result.error.overrun });
    // A pipeline is never refused as a requester (its config names what it may request).
    if (!result.ok) throw new Error(`pipeline ${pipeline.name} refused as a requester`);
    recorded = result.value;
  } catch (error) {
    if (!(error instanceof RequestExistsError)) throw error;
    const found = await services.requests.get(id);
    if (!found) throw error;
    return ok({ created: false, stored: found });
  }
  if (followUps === 'worker') services.wake();
  else await postCard(services, recorded);
  const stored = await services.requests.get(recorded.id);
  return ok({ created: true, stored: stored ?? { request: recorded, events: [] } });
}

/**
 * The request a pipeline sent, checked as `/invalidate` checks a command with an alias: its paths (a URL
 * must belong to the distribution named), its cache tags, and what the pipeline may request.
 */
async function checkInput(
  services: Pick<Services, 'policy' | 'facts'>,
  pipeline: PipelineConfig,
  input: PipelineRequestInput,
) {
  const { policy } = services;
  const distribution = findDistribution(policy, input.distribution);
  const allowed = policy.distributions.filter((d) => pipeline.distributions.includes(d.id));
  if (!distribution)
    return err({ code: 'unknown_distribution' as const, distribution: input.distribution, known: allowed });
  if (!pipeline.distributions.includes(distribution.id))
    return err({ code: 'distribution_not_allowed' as const, distribution, allowed });
  if (input.reason !== undefined && input.reason.length > MAX_REASON_LENGTH)
    return err({ code: 'reason_too_long' as const, length: input.reason.length, max: MAX_REASON_LENGTH });
  const reason = input.reason?.trim() || undefined;
  const prepared = await prepareItems(services, distribution, input.paths, reason, input.paths.join(' '));
  return prepared.ok ? prepared : err({ code: 'paths' as const, refusal: prepared.error });
}

/** What a retry must repeat for its key to name the same request: the distribution, the paths, the reason. */
function fingerprintOf(distributionId: string, input: PipelineRequestInput): string {
  const body = JSON.stringify([distributionId, input.paths, input.reason ?? null]);
  return createHash('sha256').update(body).digest('hex');
}

function sourceOf(pipeline: PipelineConfig, input: PipelineRequestInput): PipelineSource {
  const context = input.context ?? {};
  return {
    pipeline: pipeline.name,
    ...(context.url ? { url: context.url } : {}),
    ...(context.commit ? { commit: context.commit } : {}),
    ...(context.pipeline ? { run: context.pipeline } : {}),
  };
}

/**
 * One of the pipeline's own requests, with its audit trail; undefined for an unknown id, and for another
 * requester's request (a pipeline's token shows only what that pipeline asked for).
 */
export async function pipelineRequest(
  services: Pick<Services, 'requests'>,
  pipeline: PipelineConfig,
  requestId: string,
): Promise<StoredRequest | undefined> {
  const found = await services.requests.get(requestId);
  return found?.request.requester === pipelineRequester(pipeline.name) ? found : undefined;
}

/**
 * Withdraws one of the pipeline's own requests while it waits for a decision, as its requester; undefined
 * when the pipeline has no such request.
 */
export async function cancelForPipeline(
  services: Parameters<typeof cancelRequest>[0] & Parameters<typeof showChange>[0],
  pipeline: PipelineConfig,
  requestId: string,
  followUps: FollowUps = 'caller',
): Promise<Result<StoredRequest, CancelRefusal> | undefined> {
  if (!(await pipelineRequest(services, pipeline, requestId))) return undefined;
  const cancelled = await cancelRequest(services, requestId, pipelineRequester(pipeline.name), followUps);
  await showChange(services, cancelled.recorded, followUps);
  if (!cancelled.ok) return cancelled;
  const stored = await services.requests.get(requestId);
  return ok(stored ?? { request: cancelled.value, events: [] });
}

import { derivedId } from '../adapters/system/ids.js';
import type { DistributionConfig, PipelineConfig } from '../config.js';
import { findDistribution } from '../config.js';
import { type OriginMapping, type OriginProposal, originProposal } from '../core/origin.js';
import { type Proposal, proposalReason } from '../core/proposal.js';
import { err, ok, type Result } from '../core/result.js';
import { mappingOf } from './origin-watch.js';
import {
  type PipelineAnswer,
  type PipelineRefusal,
  type PipelineRequestInput,
  type PipelineServices,
  requestForPipeline,
} from './pipeline-requests.js';
import type { FollowUps, Services } from './ports.js';
import { propose } from './proposals.js';

/**
 * A pipeline that knows what it uploaded sends the keys (`changedKeys`) instead of waiting for the bucket's
 * events: they become the same proposal a quiet period would make (each key counted as changed, so every
 * path edges may hold is proposed), or at once the request of those paths (`request: true`).
 */
export interface PipelineChangesInput {
  distribution: string;
  changedKeys: readonly string[];
  /** make the request of the proposed paths now instead of proposing them */
  request?: boolean;
  reason?: string;
  idempotencyKey?: string;
  context?: PipelineRequestInput['context'];
}

export type PipelineChangesAnswer =
  /** nothing the keys changed can be held at edges (hashed names only, or none under the origin path) */
  | { kind: 'nothing'; figures: OriginProposal }
  | { kind: 'proposal'; proposal: Proposal; created: boolean }
  | { kind: 'request'; answer: PipelineAnswer };

export type PipelineChangesServices = PipelineServices &
  Parameters<typeof propose>[0] &
  Pick<Services, 'proposals'>;

/** Mapping defaults for a distribution without an `origin` block: keys are its paths from the root. */
const NO_ORIGIN: Omit<OriginMapping, 'settleSeconds'> = {
  prefix: '',
  defaultRootObject: 'index.html',
  indexDocument: 'index.html',
  errorCachingMinTtlSeconds: 10,
};

export async function changesForPipeline(
  services: PipelineChangesServices,
  pipeline: PipelineConfig,
  input: PipelineChangesInput,
  followUps: FollowUps = 'caller',
): Promise<Result<PipelineChangesAnswer, PipelineRefusal>> {
  const distribution = findDistribution(services.policy, input.distribution);
  const allowed = services.policy.distributions.filter((d) => pipeline.distributions.includes(d.id));
  if (!distribution)
    return err({ code: 'unknown_distribution', distribution: input.distribution, known: allowed });
  if (!pipeline.distributions.includes(distribution.id))
    return err({ code: 'distribution_not_allowed', distribution, allowed });
  const mapping = distribution.origin ? mappingOf(distribution.origin) : { ...NO_ORIGIN, settleSeconds: 0 };
  const figures = originProposal(
    input.changedKeys.map((key) => ({ key, change: 'changed' as const })),
    mapping,
  );
  if (figures.paths.length === 0) return ok({ kind: 'nothing', figures });
  const bucket = distribution.origin?.bucket ?? distribution.alias;
  if (input.request) {
    const reason = input.reason ?? proposalReason({ bucket, deployedAt: services.clock.now() });
    const answer = await requestForPipeline(
      services,
      pipeline,
      { ...withoutChanges(input), paths: figures.paths, reason },
      followUps,
    );
    return answer.ok ? ok({ kind: 'request', answer: answer.value }) : answer;
  }
  const proposed = await propose(services, {
    ...(input.idempotencyKey === undefined
      ? {}
      : { id: derivedId('PRO-', ['pipeline', pipeline.name, input.idempotencyKey]) }),
    distribution,
    bucket,
    channel: channelOf(distribution, pipeline),
    source: 'pipeline',
    deployedAt: services.clock.now(),
    objects: { changed: figures.objects, created: 0, deleted: 0 },
    leftOut: { hashed: figures.hashed, created: 0 },
    paths: figures.paths,
    proposalMinutes: distribution.origin?.proposalMinutes ?? 120,
    followUps,
  });
  if (followUps === 'worker' && proposed.created) services.wake();
  return ok({ kind: 'proposal', ...proposed });
}

/** Proposals go where the origin's go; a distribution without one, to the pipeline's channel. */
function channelOf(distribution: DistributionConfig, pipeline: PipelineConfig): string {
  return distribution.origin?.channel ?? pipeline.channel;
}

function withoutChanges(input: PipelineChangesInput): Omit<PipelineRequestInput, 'paths'> {
  const { changedKeys: _keys, request: _request, ...rest } = input;
  return rest;
}

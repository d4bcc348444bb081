import { type DistributionConfig, findDistribution } from '../config.js';
import { approvalNeed } from '../core/policy.js';
import {
  accept,
  dismiss,
  expire,
  foldToFit,
  type LeftOut,
  type ObjectChanges,
  openProposal,
  type Proposal,
  type ProposalEvent,
  type ProposalRefusal,
  type ProposalSource,
  proposalEvent,
  proposalPosted,
  proposalReason,
  proposalRedrawn,
  proposalRetry,
  proposalStep,
  redrawLater,
} from '../core/proposal.js';
import { type PathNotes, type RequestIn, requestDistribution } from '../core/request.js';
import { fitsInOneItem } from '../core/request-size.js';
import { err, ok, type Result } from '../core/result.js';
import { memberOf } from './membership.js';
import { type FollowUps, RequestExistsError, type Services } from './ports.js';
import { previewMonthCost } from './request-form.js';
import {
  type PathCheckRefusal,
  prepareInvalidation,
  type RecordRefusal,
  recordRequest,
} from './request-invalidation.js';
import { postRetryDelayMs } from './send-notice.js';

/** What a proposal's steps use: its store, its card, the clock. */
export type ProposalServices = Pick<Services, 'cards' | 'clock' | 'ids' | 'logger' | 'proposals'>;

/** A proposal's paths come from object keys: nothing was typed, so nothing to note about them. */
const NO_PATH_NOTES: PathNotes = { encoded: [], duplicates: [], covered: [] };

/** A channel the bot cannot post in is tried again this long after (someone may invite it), until expiry. */
const UNPOSTABLE_RETRY_MS = 5 * 60_000;

/** What a deploy changed, as the origin's change tracking found it (core/origin.ts), ready to propose. */
export interface ProposalInput {
  distribution: DistributionConfig;
  bucket: string;
  channel: string;
  source: ProposalSource;
  /** the deploy's last write */
  deployedAt: string;
  objects: ObjectChanges;
  leftOut: LeftOut;
  /** viewer paths, encoded as CloudFront expects */
  paths: string[];
  proposalMinutes: number;
  /**
   * its id, when the caller derives one (a quiet period's: one proposal per period however often it is
   * tried); a random one otherwise
   */
  id?: string;
  /** `worker`: the card is left to a worker (due at once), for a caller that may not call Slack (Lambda) */
  followUps?: FollowUps;
}

/**
 * Records a proposal and posts its card. Priced and checked against the policy as the request form's
 * preview is (the month's figure read once: the request made of it reserves its own place). Its id shares
 * its random part with the request it can become (`requestIdOf`), so two people pressing Invalidate these
 * at once make one request. Posting failing, a worker posts it later.
 */
export async function propose(
  services: ProposalServices & Pick<Services, 'counters' | 'policy'>,
  input: ProposalInput,
): Promise<{ proposal: Proposal; created: boolean }> {
  const now = services.clock.now();
  const reason = proposalReason(input);
  const { paths, folded } = foldToFit(input.paths, (candidate) =>
    fitsInOneItem({
      distribution: requestDistribution(input.distribution),
      paths: candidate,
      notes: NO_PATH_NOTES,
      reason,
      approvers: input.distribution.approvers,
    }),
  );
  const cost = await previewMonthCost(services, input.distribution, paths);
  const need = approvalNeed(paths, cost, input.distribution.policy);
  const proposal = openProposal(
    {
      id: input.id ?? `PRO-${services.ids.requestId().replace(/^INV-/, '')}`,
      distribution: { alias: input.distribution.alias, id: input.distribution.id },
      bucket: input.bucket,
      channel: input.channel,
      source: input.source,
      deployedAt: input.deployedAt,
      createdAt: now,
      objects: input.objects,
      leftOut: input.leftOut,
      paths,
      ...(folded.length > 0 ? { folded } : {}),
      cost,
      approvalRules: need.rules,
    },
    input.proposalMinutes,
  );
  const byWorker = input.followUps === 'worker';
  if (byWorker) proposal.dueAt = now;
  if (!(await services.proposals.create(proposal, proposalEvent(proposal)))) {
    // Proposed already under this id (a retry): that one stands, and its card is posted by its proposer
    // or, should that one have died, by a worker.
    const stored = await services.proposals.get(proposal.id);
    if (stored) return { proposal: stored.proposal, created: false };
    throw new Error(`proposal ${proposal.id} is neither new nor stored`);
  }
  if (byWorker) return { proposal, created: true };
  await postProposalCard(services, proposal);
  return { proposal, created: true };
}

/** The request a proposal becomes: the same random part under the requests' prefix. */
export function requestIdOf(proposal: Pick<Proposal, 'id'>): string {
  return `INV-${proposal.id.replace(/^PRO-/, '')}`;
}

/** Runs a proposal's due step, claimed by this worker (core/proposal.ts `proposalStep`). */
export async function runProposalStep(services: ProposalServices, proposal: Proposal): Promise<void> {
  const step = proposalStep(proposal, services.clock.now());
  switch (step) {
    case 'post_card':
      return postProposalCard(services, proposal, { retry: true });
    case 'expire':
      return expireProposal(services, proposal);
    case 'redraw_card':
      return redrawProposal(services, proposal);
    case 'none':
      // Due with nothing to do (a time moved on meanwhile): out of the due work.
      await services.proposals.save({ ...withoutDue(proposal), version: proposal.version + 1 });
      return;
    default: {
      const unreachable: never = step;
      throw new Error(`unknown proposal step ${String(unreachable)}`);
    }
  }
}

async function postProposalCard(
  services: ProposalServices,
  proposal: Proposal,
  options: { retry: boolean } = { retry: false },
): Promise<void> {
  const { cards, clock, logger } = services;
  let posted: Awaited<ReturnType<typeof cards.postProposal>>;
  try {
    posted = await cards.postProposal(proposal, { lookFirst: options.retry });
  } catch (error) {
    const delayMs = postRetryDelayMs(0, services.ids.random(), error);
    logger.warn('posting a proposal card failed; will retry', { proposalId: proposal.id, delayMs, error });
    await services.proposals.save(proposalRetry(proposal, clock.now(), delayMs));
    return;
  }
  if (!posted.ok) {
    logger.error('the proposal card cannot be posted in its channel: invite the bot there', {
      proposalId: proposal.id,
      channel: proposal.channel,
      error: posted.error,
    });
    await services.proposals.save(proposalRetry(proposal, clock.now(), UNPOSTABLE_RETRY_MS));
    return;
  }
  // Read again if it changed between the post and this write: most often by a click on the card just
  // posted (accepted, dismissed), whose redraw found no card to draw. The card is kept on the proposal as
  // it is now, and drawn so if it is no longer the open proposal that was posted.
  const kept = await changeProposal(
    services,
    proposal.id,
    (now) => (now.card ? undefined : { proposal: proposalPosted(now, posted.card) }),
    proposal,
  );
  if (kept.written && kept.proposal.status !== 'open') await redrawProposal(services, kept.proposal);
}

/** What changeProposal ended with: the proposal as written, or as stored when there was nothing to write. */
type ProposalChange = { written: true; proposal: Proposal } | { written: false; proposal?: Proposal };

/** How many times a change is read and tried again when other writers keep getting there first. */
const CHANGE_TRIES = 5;

/**
 * Writes `change` of the proposal (`read`, as the caller has it, then as stored now), reading it again
 * when another writer got there first (a card just posted being recorded, a retry's due time, another
 * click). `change` answers undefined when the proposal as it stands needs nothing written (someone else's
 * outcome stands).
 */
async function changeProposal(
  services: Pick<Services, 'proposals'>,
  id: string,
  change: (now: Proposal) => { proposal: Proposal; event?: ProposalEvent } | undefined,
  read: Proposal,
): Promise<ProposalChange> {
  let current: Proposal | undefined = read;
  for (let attempt = 0; attempt < CHANGE_TRIES; attempt++) {
    if (attempt > 0) current = (await services.proposals.get(id))?.proposal;
    if (!current) return { written: false };
    const next = change(current);
    if (!next) return { written: false, proposal: current };
    if (await services.proposals.save(next.proposal, next.event))
      return { written: true, proposal: next.proposal };
  }
  throw new Error(`proposal ${id} kept changing under ${CHANGE_TRIES} writes`);
}

async function expireProposal(services: ProposalServices, proposal: Proposal): Promise<void> {
  const expired = expire(proposal, services.clock.now());
  if (expired === proposal) return;
  if (!(await services.proposals.save(expired, proposalEvent(expired)))) return;
  if (expired.card) await redrawProposal(services, { ...expired });
}

/** Draws the card as the proposal now is; a Slack failure that may pass is tried again later. */
async function redrawProposal(services: ProposalServices, proposal: Proposal): Promise<void> {
  const { clock, logger } = services;
  try {
    await services.cards.updateProposal(proposal);
  } catch (error) {
    const delayMs = postRetryDelayMs(0, services.ids.random(), error);
    logger.warn('redrawing a proposal card failed; will retry', { proposalId: proposal.id, delayMs, error });
    const retry = proposalRetry(proposal, clock.now(), delayMs);
    await services.proposals.save(redrawLater(retry, retry.dueAt ?? clock.now()));
    return;
  }
  if (proposal.cardStale || proposal.dueAt !== undefined)
    await services.proposals.save(proposalRedrawn(proposal));
}

/** Why pressing a proposal's button did nothing. */
export type ProposalActionRefusal =
  | { code: 'proposal_not_found' }
  | ProposalRefusal
  /** the config no longer names its distribution */
  | { code: 'distribution_gone'; alias: string }
  | PathCheckRefusal
  | RecordRefusal
  /** someone made the request already: this is it */
  | { code: 'made_already'; requestId: string };

export type ProposalActionServices = ProposalServices &
  Parameters<typeof recordRequest>[0] &
  Pick<Services, 'policy'>;

/**
 * Invalidate these: makes the proposal an ordinary request of whoever pressed it, under the same policy,
 * audit and capacity rules as any (recordRequest checks the requester and reserves the month), with the
 * reason "deploy to <bucket> at <time>", then records the proposal accepted. The caller posts the card (or
 * has the worker post it) and redraws the proposal's (`followUps: 'worker'`: a worker redraws it).
 */
export async function acceptProposal(
  services: ProposalActionServices,
  proposalId: string,
  user: string,
  followUps: FollowUps,
): Promise<Result<{ request: RequestIn<'new'>; proposal: Proposal }, ProposalActionRefusal>> {
  const open = await openOne(services, proposalId);
  if (!open.ok) return open;
  const proposal = open.value;
  const distribution = findDistribution(services.policy, proposal.distribution.alias);
  if (!distribution) return err({ code: 'distribution_gone', alias: proposal.distribution.alias });
  const reason = proposalReason(proposal);
  const text = `${distribution.alias} ${proposal.paths.join(' ')}`;
  const prepared = prepareInvalidation(services.policy, distribution, proposal.paths, reason, text);
  if (!prepared.ok) return err(prepared.error);
  const requestId = requestIdOf(proposal);
  let recorded: Awaited<ReturnType<typeof recordRequest>>;
  try {
    recorded = await recordRequest(
      services,
      prepared.value,
      user,
      proposal.channel,
      followUps,
      undefined,
      requestId,
    );
  } catch (error) {
    if (!(error instanceof RequestExistsError)) throw error;
    // Made by another click, or by one whose process stopped before recording the proposal accepted.
    const made = await services.requests.get(requestId);
    if (made) await recordAccepted(services, proposal, made.request.requester, requestId, followUps);
    return err({ code: 'made_already', requestId });
  }
  if (!recorded.ok) return recorded;
  const next = await recordAccepted(services, proposal, user, requestId, followUps);
  return ok({ request: recorded.value, proposal: next });
}

/** Records the proposal accepted as request `requestId`; another click's write with the same request stands. */
async function recordAccepted(
  services: ProposalServices,
  proposal: Proposal,
  by: string,
  requestId: string,
  followUps: FollowUps,
): Promise<Proposal> {
  const now = services.clock.now();
  const acceptedFrom = (current: Proposal) => {
    const accepted = accept(current, by, requestId, now);
    if (!accepted.ok) return undefined;
    const next = followUps === 'worker' ? redrawLater(accepted.proposal, now) : accepted.proposal;
    return { proposal: next, event: proposalEvent(accepted.proposal) };
  };
  // The request is made: should another write come first (its card being recorded, most often), the
  // proposal as it then stands is recorded accepted, unless another outcome came first.
  const changed = await changeProposal(services, proposal.id, acceptedFrom, proposal);
  return changed.proposal ?? proposal;
}

/**
 * The request form sent from a proposal's Edit… made `requestId` of it: the proposal is recorded accepted
 * with that request (a form made of a proposal that closed meanwhile leaves the proposal as it is).
 */
export async function acceptedByForm(
  services: ProposalServices,
  proposalId: string,
  user: string,
  requestId: string,
  followUps: FollowUps,
): Promise<Proposal | undefined> {
  const open = await openOne(services, proposalId);
  if (!open.ok) return undefined;
  return recordAccepted(services, open.value, user, requestId, followUps);
}

/** The proposal, while it is open to action (for Edit…, which opens the form). */
export async function openProposalOf(
  services: Pick<Services, 'proposals' | 'clock'>,
  proposalId: string,
): Promise<Result<Proposal, ProposalActionRefusal>> {
  return openOne(services, proposalId);
}

/**
 * Dismiss: nobody acts on it any more; recorded with who dismissed it. Only someone who may request the
 * distribution may dismiss its proposal.
 */
export async function dismissProposal(
  services: ProposalServices & Pick<Services, 'directory' | 'policy'>,
  proposalId: string,
  user: string,
  followUps: FollowUps,
): Promise<Result<Proposal, ProposalActionRefusal>> {
  const open = await openOne(services, proposalId);
  if (!open.ok) return open;
  const distribution = findDistribution(services.policy, open.value.distribution.alias);
  if (!distribution) return err({ code: 'distribution_gone', alias: open.value.distribution.alias });
  if (distribution.requesters) {
    const membership = await memberOf(services.directory, user, distribution.requesters);
    if (membership !== 'member')
      return err({ code: 'not_a_requester', distribution, unresolved: membership === 'unresolved' });
  }
  const now = services.clock.now();
  const refusals: ProposalRefusal[] = [];
  const dismissedFrom = (current: Proposal) => {
    const dismissed = dismiss(current, user, now);
    if (!dismissed.ok) {
      refusals.push(dismissed.refusal);
      return undefined;
    }
    const next = followUps === 'worker' ? redrawLater(dismissed.proposal, now) : dismissed.proposal;
    return { proposal: next, event: proposalEvent(dismissed.proposal) };
  };
  // Should another write come first (its card being recorded, most often): dismissed still, if still open.
  const changed = await changeProposal(services, proposalId, dismissedFrom, open.value);
  if (changed.written) return ok(changed.proposal);
  if (changed.proposal?.status === 'accepted')
    return err({ code: 'made_already', requestId: changed.proposal.requestId });
  return err(refusals.at(-1) ?? { code: 'proposal_not_found' });
}

/** Redraws a proposal's card after a click, where the clicker's process may call Slack. */
export async function showProposal(services: ProposalServices, proposal: Proposal): Promise<void> {
  await redrawProposal(services, proposal);
}

async function openOne(
  services: Pick<Services, 'proposals' | 'clock'>,
  proposalId: string,
): Promise<Result<Proposal, ProposalActionRefusal>> {
  const stored = await services.proposals.get(proposalId);
  if (!stored) return err({ code: 'proposal_not_found' });
  const { proposal } = stored;
  if (proposal.status === 'accepted') return err({ code: 'made_already', requestId: proposal.requestId });
  if (proposal.status !== 'open') return err({ code: 'not_open', status: proposal.status });
  if (services.clock.now() >= proposal.expiresAt) return err({ code: 'proposal_expired' });
  return ok(proposal);
}

function withoutDue(proposal: Proposal): Proposal {
  const { dueAt: _dueAt, ...rest } = proposal;
  return rest;
}

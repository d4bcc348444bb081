import { wildcardOffers, withWildcard } from './cheaper.js';
import type { CostPreview } from './cost.js';
import type { ApprovalRule } from './policy.js';
import type { Card, Distribution } from './request/model.js';
import { addMs } from './schedule.js';

/**
 * A proposal: after a deploy wrote objects to a distribution's S3 origin and writes have been quiet for a
 * while, the bot proposes invalidating exactly the paths edges may still hold. Anyone who may request the
 * distribution turns it into an ordinary request (Invalidate these), or dismisses it; nobody acting, it
 * expires. It never reaches CloudFront itself: the request it becomes goes through the same policy.
 */

/** What the deploy changed in the bucket, in objects (not paths): each key counted once. */
export interface ObjectChanges {
  /** every key written or deleted */
  changed: number;
  /** keys the bucket did not hold before */
  created: number;
  deleted: number;
}

/** Paths of changed objects the proposal leaves out, and why (core/origin.ts decides). */
export interface LeftOut {
  /** content-hashed names: a new name, so no edge holds the old one */
  hashed: number;
  /** new objects, where no edge can hold a cached error for them */
  created: number;
}

/** Where the changes were learned from. */
export type ProposalSource = 'events' | 'listing' | 'pipeline';

export type ProposalStatus = 'open' | 'accepted' | 'dismissed' | 'expired';

interface ProposalBase {
  id: string;
  /** incremented by every write; each write is conditional on the version it read */
  version: number;
  distribution: Distribution;
  bucket: string;
  channel: string;
  source: ProposalSource;
  /** the last write of the deploy: the reason of the request it becomes names it */
  deployedAt: string;
  createdAt: string;
  /** when it expires unless someone acts (`origin.proposalMinutes`) */
  expiresAt: string;
  objects: ObjectChanges;
  leftOut: LeftOut;
  /** the viewer paths proposed, normalised as a command's would be */
  paths: string[];
  /**
   * wildcards that stand for the paths under them, where the deploy changed more paths than one request
   * can carry (foldToFit); absent when every path is proposed as it is
   */
  folded?: string[];
  /** what the paths would cost and need as the card was drawn; the request re-prices when made */
  cost: CostPreview;
  approvalRules: ApprovalRule[];
  card?: Card;
  /** when its next step is due: its card's post (retried), its expiry, a redraw; absent when none is */
  dueAt?: string;
  /** the card shows an older state: set by a writer that may not call Slack before answering (Lambda) */
  cardStale?: true;
}

export type Proposal =
  | (ProposalBase & { status: 'open' })
  | (ProposalBase & { status: 'accepted'; by: string; at: string; requestId: string })
  | (ProposalBase & { status: 'dismissed'; by: string; at: string })
  | (ProposalBase & { status: 'expired'; at: string });

export type NewProposal = Omit<ProposalBase, 'version' | 'expiresAt'>;

/** The wildcard that purges the whole distribution: the last resort of foldToFit. */
const EVERYTHING = '/*';

/**
 * Paths one request can carry. A deploy of thousands of objects can propose more paths than one request's
 * record holds (`fits`: core/request-size.ts), so the directories holding the most of them are folded into
 * wildcards, one at a time, most paths first (cheaper.ts `wildcardOffers`), until the rest fits; paths that
 * no directory gathers (thousands of files at the root) fold into `/*`. Each wildcard is a path of its
 * own for the bill, and needs approval where the policy says so: the card names them.
 */
export function foldToFit(
  paths: readonly string[],
  fits: (paths: readonly string[]) => boolean,
): { paths: string[]; folded: string[] } {
  let current = [...paths];
  const folded: string[] = [];
  while (!fits(current)) {
    const [offer] = wildcardOffers(current);
    if (offer === undefined) return { paths: [EVERYTHING], folded: [EVERYTHING] };
    current = withWildcard(current, offer.wildcard);
    folded.push(offer.wildcard);
  }
  return { paths: current, folded };
}

/** Should its poster die before the card is in the channel, a worker posts it this long after. */
export const PROPOSAL_CARD_RETRY_MS = 15_000;

/**
 * A proposal as it is first recorded: open until `createdAt` plus `proposalMinutes`, due for its card's
 * post by a worker should its poster not get there.
 */
export function openProposal(input: NewProposal, proposalMinutes: number): Proposal {
  return {
    ...input,
    version: 0,
    status: 'open',
    expiresAt: addMs(input.createdAt, proposalMinutes * 60_000),
    dueAt: addMs(input.createdAt, PROPOSAL_CARD_RETRY_MS),
  };
}

/** Its card is in the channel: next due at its expiry while open; a closed one has nothing left to do. */
export function proposalPosted(proposal: Proposal, card: Card): Proposal {
  const { dueAt: _dueAt, cardStale: _stale, ...rest } = proposal;
  const posted = { ...rest, card, version: proposal.version + 1 };
  return posted.status === 'open' ? { ...posted, dueAt: proposal.expiresAt } : posted;
}

/** Its card was redrawn as it now is (after a click recorded where Slack could not be called). */
export function proposalRedrawn(proposal: Proposal): Proposal {
  const { dueAt: _dueAt, cardStale: _stale, ...rest } = proposal;
  const redrawn = { ...rest, version: proposal.version + 1 };
  return redrawn.status === 'open' ? { ...redrawn, dueAt: proposal.expiresAt } : redrawn;
}

/** What a worker does with a proposal that fell due. */
export type ProposalStep = 'post_card' | 'expire' | 'redraw_card' | 'none';

export function proposalStep(proposal: Proposal, now: string): ProposalStep {
  // An open proposal past its time expires, posted or not: a card nobody could see proposes nothing.
  if (proposal.status === 'open' && now >= proposal.expiresAt) return 'expire';
  if (!proposal.card) return proposal.status === 'open' ? 'post_card' : 'none';
  if (proposal.cardStale) return 'redraw_card';
  return 'none';
}

/** A step that failed for a reason that may pass (Slack): tried again after `delayMs`, never past its expiry. */
export function proposalRetry(proposal: Proposal, now: string, delayMs: number): Proposal {
  const at = addMs(now, delayMs);
  const dueAt = proposal.status === 'open' && proposal.expiresAt < at ? proposal.expiresAt : at;
  return { ...proposal, version: proposal.version + 1, dueAt };
}

/** Why an action on a proposal was not taken. */
export type ProposalRefusal = { code: 'not_open'; status: ProposalStatus } | { code: 'proposal_expired' };

export type ProposalOutcome<P extends Proposal = Proposal> =
  | { ok: true; proposal: P }
  | { ok: false; refusal: ProposalRefusal };

/** Someone pressed Invalidate these and request `requestId` was made of it. */
export function accept(
  proposal: Proposal,
  by: string,
  requestId: string,
  now: string,
): ProposalOutcome<Extract<Proposal, { status: 'accepted' }>> {
  const refusal = whyNotOpen(proposal, now);
  if (refusal) return { ok: false, refusal };
  return { ok: true, proposal: { ...closed(proposal), status: 'accepted', by, at: now, requestId } };
}

/** Someone pressed Dismiss. */
export function dismiss(
  proposal: Proposal,
  by: string,
  now: string,
): ProposalOutcome<Extract<Proposal, { status: 'dismissed' }>> {
  const refusal = whyNotOpen(proposal, now);
  if (refusal) return { ok: false, refusal };
  return { ok: true, proposal: { ...closed(proposal), status: 'dismissed', by, at: now } };
}

/** Nobody acted in time: expired, once its time has come; the same proposal otherwise. */
export function expire(proposal: Proposal, now: string): Proposal {
  if (proposal.status !== 'open' || now < proposal.expiresAt) return proposal;
  return { ...closed(proposal), status: 'expired', at: now };
}

function whyNotOpen(proposal: Proposal, now: string): ProposalRefusal | undefined {
  if (proposal.status !== 'open') return { code: 'not_open', status: proposal.status };
  if (now >= proposal.expiresAt) return { code: 'proposal_expired' };
  return undefined;
}

/** The fields every state has, one version on, with nothing due: the closing writer redraws the card. */
function closed(proposal: Proposal): ProposalBase {
  const { status: _status, ...base } = proposal;
  const rest = base as ProposalBase & { by?: string; at?: string; requestId?: string };
  const { by: _by, at: _at, requestId: _requestId, dueAt: _dueAt, ...kept } = rest;
  return { ...kept, version: proposal.version + 1 };
}

/**
 * A proposal whose card is to be redrawn by a worker at `at`: after a change by a writer that may not call
 * Slack before answering (the Lambda handler), or a redraw that failed. Same version: marks the write it
 * goes with.
 */
export function redrawLater(proposal: Proposal, at: string): Proposal {
  return { ...proposal, cardStale: true, dueAt: at };
}

/** The reason the request made of a proposal carries: `deploy to my-site at 14:02` (UTC). */
export function proposalReason(proposal: Pick<Proposal, 'bucket' | 'deployedAt'>): string {
  return `deploy to ${proposal.bucket} at ${proposal.deployedAt.slice(11, 16)}`;
}

/** How many of the changed objects an edge may still hold an old copy (or a cached error) of. */
export function heldObjects(proposal: Pick<Proposal, 'objects' | 'leftOut'>): number {
  return Math.max(0, proposal.objects.changed - proposal.leftOut.hashed - proposal.leftOut.created);
}

/**
 * The card's words: "Deploy to `my-site` changed 37 objects (12 new, 3 deleted). Invalidate the 22 that
 * edges may hold?", as the changed objects and the question; the Slack adapter adds the formatting.
 */
export function proposalHeadline(proposal: Pick<Proposal, 'objects' | 'leftOut'>): {
  changed: string;
  question: string;
} {
  const { changed, created, deleted } = proposal.objects;
  const parts = [created > 0 ? `${count(created)} new` : '', deleted > 0 ? `${count(deleted)} deleted` : '']
    .filter(Boolean)
    .join(', ');
  const objects = `${count(changed)} ${changed === 1 ? 'object' : 'objects'}${parts ? ` (${parts})` : ''}`;
  const held = heldObjects(proposal);
  const question =
    held === 0
      ? 'No edge can hold an old copy of any of them: nothing to invalidate.'
      : held === 1
        ? 'Invalidate the 1 that edges may hold?'
        : `Invalidate the ${count(held)} that edges may hold?`;
  return { changed: objects, question };
}

const count = (n: number) => n.toLocaleString('en-US');

/** A step of a proposal's life, kept with it for audit (the request made of one has its own trail). */
export interface ProposalEvent {
  proposalId: string;
  type: 'proposed' | 'accepted' | 'dismissed' | 'expired';
  at: string;
  actor?: string;
  details: Record<string, string | number>;
}

/** The event that records how `proposal` came to its state (each state is reached once). */
export function proposalEvent(proposal: Proposal): ProposalEvent {
  const base = { proposalId: proposal.id };
  switch (proposal.status) {
    case 'open':
      return {
        ...base,
        type: 'proposed',
        at: proposal.createdAt,
        details: {
          distribution: proposal.distribution.alias,
          bucket: proposal.bucket,
          source: proposal.source,
          objects: proposal.objects.changed,
          paths: proposal.paths.length,
        },
      };
    case 'accepted':
      return {
        ...base,
        type: 'accepted',
        at: proposal.at,
        actor: proposal.by,
        details: { requestId: proposal.requestId },
      };
    case 'dismissed':
      return { ...base, type: 'dismissed', at: proposal.at, actor: proposal.by, details: {} };
    case 'expired':
      return { ...base, type: 'expired', at: proposal.at, details: {} };
    default: {
      const unreachable: never = proposal;
      throw new Error(`unknown proposal ${JSON.stringify(unreachable)}`);
    }
  }
}

import type { Proposal, ProposalEvent } from '../../../core/proposal.js';
import type { Proposals, StoredProposal } from '../../../usecases/ports.js';
import { parseProposal } from './items.js';
import { Keys } from './keys.js';
import type { Table } from './table.js';

/**
 * Deploy proposals as items of their own (`PROPOSAL#<id>`, keys.ts): each change one write conditional on
 * the version read, its event appended in the same write, and its due time in the due index with the
 * requests' (the work queue finds its card's post, its expiry and its redraw there). Listed by month of
 * creation in `byMonth`, for the audit export (audit-queries.ts).
 */
export class DynamoDbProposals implements Proposals {
  constructor(private readonly table: Table) {}

  async create(proposal: Proposal, event: ProposalEvent): Promise<boolean> {
    const outcome = await this.table.put({
      Item: {
        ...Keys.proposal(proposal.id),
        proposal,
        events: [event],
        version: proposal.version,
        monthPk: Keys.proposalMonth(proposal.createdAt.slice(0, 7)),
        createdSk: `${proposal.createdAt}#${proposal.id}`,
        ...(proposal.dueAt === undefined ? {} : { duePk: Keys.duePartition, dueAt: proposal.dueAt }),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    return outcome === 'written';
  }

  async get(id: string): Promise<StoredProposal | undefined> {
    const item = await this.table.get(Keys.proposal(id));
    return item ? parseProposal(item) : undefined;
  }

  // As a request's save: conditional on the version read; a write lets go of the lease, and the due time
  // follows the proposal's own (none: out of the due index).
  async save(proposal: Proposal, event?: ProposalEvent): Promise<boolean> {
    const set = ['#proposal = :proposal', '#version = :version'];
    const remove = ['leaseOwner', 'leaseUntil'];
    const values: Record<string, unknown> = {
      ':proposal': proposal,
      ':version': proposal.version,
      ':expected': proposal.version - 1,
    };
    const names: Record<string, string> = { '#proposal': 'proposal', '#version': 'version' };
    if (event) {
      set.push('#events = list_append(if_not_exists(#events, :none), :events)');
      values[':events'] = [event];
      values[':none'] = [];
      names['#events'] = 'events';
    }
    if (proposal.dueAt === undefined) remove.push('duePk', 'dueAt');
    else {
      set.push('duePk = :duePk', 'dueAt = :dueAt');
      values[':duePk'] = Keys.duePartition;
      values[':dueAt'] = proposal.dueAt;
    }
    const outcome = await this.table.update({
      Key: Keys.proposal(proposal.id),
      UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return outcome === 'written';
  }
}

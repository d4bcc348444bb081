import { describe, expect, it } from 'vitest';
import { ProposalActionIds, proposalCard } from '../../../src/adapters/slack/proposal-blocks.js';
import {
  accept,
  dismiss,
  expire,
  type NewProposal,
  openProposal,
  type Proposal,
} from '../../../src/core/proposal.js';
import { addMs } from '../../../src/core/schedule.js';
import { newProposal, PROPOSED_AT } from '../../support/proposals.js';

const AT = PROPOSED_AT;

function proposal(paths: string[], overrides: Partial<NewProposal> = {}): Proposal {
  return openProposal(newProposal(paths, overrides, 998), 120);
}

const texts = (card: ReturnType<typeof proposalCard>) => JSON.stringify(card.blocks);
const actionIds = (card: ReturnType<typeof proposalCard>) =>
  card.blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements.map((element) => ('action_id' in element ? element.action_id : ''))
      : [],
  );

describe('the card of a deploy proposal', () => {
  const paths = Array.from({ length: 22 }, (_, i) => `/docs/page-${i}.html`);

  it('names the wildcards a deploy too large for one request was folded into, and says what they purge', () => {
    const folded = ['/a/*', '/b/*', '/c/*', '/d/*', '/e/*', '/f/*', '/g/*'];
    const all = texts(proposalCard(proposal(['/index.html', ...folded], { folded })));
    expect(all).toContain('more paths than one request can carry');
    expect(all).toContain('`/a/*`, `/b/*`, `/c/*`, `/d/*`, `/e/*` and 2 more.');
    expect(all).toContain('A wildcard purges everything under it');
    const everything = texts(proposalCard(proposal(['/*'], { folded: ['/*'] })));
    expect(everything).toContain('the whole distribution is proposed: `/*`');
    expect(texts(proposalCard(proposal(paths)))).not.toContain('one request can carry');
  });

  it('says what the deploy changed and asks about what edges may hold, with cost and the three buttons', () => {
    const card = proposalCard(proposal(paths));
    expect(card.text).toBe(
      'Deploy to my-site changed 37 objects (12 new, 3 deleted): Invalidate the 22 that edges may hold?',
    );
    const all = texts(card);
    expect(all).toContain(
      '*Deploy to `my-site` changed 37 objects (12 new, 3 deleted).* Invalidate the 22 that edges may hold?',
    );
    expect(all).toContain('`/docs/page-0.html`');
    expect(all).toContain('…and 12 more paths');
    expect(all).toContain('Left out: 3 content-hashed names');
    expect(all).toContain('12 new objects');
    expect(all).toContain('22 paths, 998 of 1,000 free used this month → 20 billable, $0.10');
    expect(all).toContain('No approval needed');
    expect(actionIds(card)).toEqual([
      ProposalActionIds.accept,
      ProposalActionIds.edit,
      ProposalActionIds.dismiss,
    ]);
  });

  it('names the approval the paths will need', () => {
    const card = proposalCard(
      proposal(['/assets/*'], { approvalRules: [{ rule: 'wildcard', paths: ['/assets/*'] }] }),
    );
    expect(texts(card)).toContain(':lock: Will need approval:');
  });

  it('offers only Dismiss when nothing is left to invalidate', () => {
    const card = proposalCard(
      proposal([], { objects: { changed: 3, created: 3, deleted: 0 }, leftOut: { hashed: 0, created: 3 } }),
    );
    expect(texts(card)).toContain('nothing to invalidate');
    expect(actionIds(card)).toEqual([ProposalActionIds.dismiss]);
  });

  it('keeps what it was, without buttons, once accepted, dismissed or expired', () => {
    const open = proposal(paths);
    const accepted = accept(open, 'U0DEV', 'INV-0000000007', addMs(AT, 60_000));
    const dismissed = dismiss(open, 'U0LEAD', addMs(AT, 60_000));
    if (!accepted.ok || !dismissed.ok) throw new Error('not open');
    const expired = expire(open, addMs(AT, 121 * 60_000));
    expect(texts(proposalCard(accepted.proposal))).toContain('<@U0DEV> made it request *INV-0000000007*');
    expect(texts(proposalCard(dismissed.proposal))).toContain('Dismissed by <@U0LEAD>');
    expect(texts(proposalCard(expired))).toContain('Expired');
    for (const closed of [accepted.proposal, dismissed.proposal, expired])
      expect(actionIds(proposalCard(closed))).toEqual([]);
  });

  it('stays within Slack’s limits with thousands of long paths and a hostile bucket name', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `/${'é'.repeat(300)}/${i}<!here>.html`);
    const card = proposalCard(proposal(many, { bucket: 'my`site<!channel>' }));
    for (const block of card.blocks) {
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    const all = texts(card);
    expect(all).not.toContain('<!here>');
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('…and');
  });
});

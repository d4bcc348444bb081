import { describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../src/adapters/aws/dynamodb/stores.js';
import { parsePolicyFile } from '../../src/config.js';
import { type Proposal, proposalPosted } from '../../src/core/proposal.js';
import { addMs } from '../../src/core/schedule.js';
import type { Cards } from '../../src/usecases/ports.js';
import { SlackPostError } from '../../src/usecases/ports.js';
import {
  acceptProposal,
  dismissProposal,
  type ProposalInput,
  propose,
  requestIdOf,
  runProposalStep,
} from '../../src/usecases/proposals.js';
import { useDynalite } from '../support/dynalite.js';
import { countingIds, noGroups, silentLogger } from '../support/usecase-services.js';

const AT = '2026-12-07T14:05:00.000Z';
const FILE = {
  distributions: {
    web: { id: 'E2ABCDEF123XYZ', approval: 'wildcard', approvers: { users: ['U0LEAD'] } },
    team: { id: 'E3TEAM0000001', approval: 'never', requesters: { users: ['U0LEAD'] } },
  },
};

/** Slack as far as proposals go: what was posted and redrawn, and a post that fails on demand. */
function slackCards() {
  const drawn: Proposal[] = [];
  let failNext = false;
  let whilePosting: ((proposal: Proposal) => Promise<unknown>) | undefined;
  const cards: Pick<Cards, 'postProposal' | 'updateProposal'> = {
    postProposal: async (proposal) => {
      if (failNext) {
        failNext = false;
        throw new SlackPostError('timed out', false, 0);
      }
      drawn.push(proposal);
      // The card is in the channel now, before Slack's answer reaches the bot: someone may click on it.
      const click = whilePosting;
      whilePosting = undefined;
      await click?.(proposal);
      return { ok: true, card: { channel: proposal.channel, ts: `17000.${drawn.length}` } };
    },
    updateProposal: async (proposal) => void drawn.push(proposal),
  };
  return {
    cards,
    drawn,
    failPost: () => (failNext = true),
    clickWhilePosting: (click: (proposal: Proposal) => Promise<unknown>) => (whilePosting = click),
  };
}

describe('deploy proposals through their store (DynamoDB through dynalite)', () => {
  const client = useDynalite();
  let tables = 0;

  async function setUp() {
    const table = `proposals-${++tables}`;
    await ensureTable(client(), table);
    const stores = openStores(client(), table);
    const policy = parsePolicyFile({ path: 'invalidator.config.yml', content: FILE });
    const slack = slackCards();
    let now = AT;
    const services = {
      ...stores,
      policy,
      cards: slack.cards as Cards,
      clock: { now: () => now },
      ids: countingIds(),
      logger: silentLogger,
      directory: noGroups,
    };
    const distributionOf = (alias: string) => {
      const found = policy.distributions.find((d) => d.alias === alias);
      if (!found) throw new Error(`no distribution ${alias}`);
      return found;
    };
    const input = (alias = 'web', paths = ['/index.html', '/', '/docs/guide.html']): ProposalInput => ({
      distribution: distributionOf(alias),
      bucket: 'my-site',
      channel: 'C0DEPLOY',
      source: 'events',
      deployedAt: '2026-12-07T14:02:41.000Z',
      objects: { changed: 5, created: 1, deleted: 1 },
      leftOut: { hashed: 1, created: 1 },
      paths,
      proposalMinutes: 120,
    });
    return { stores, services, slack, input, at: (t: string) => (now = t) };
  }

  it('is recorded, priced and posted; its card is posted again by a worker when Slack failed', async () => {
    const { stores, services, slack, input } = await setUp();
    slack.failPost();
    const { proposal } = await propose(services, input());
    expect(proposal.id).toMatch(/^PRO-[0-9A-Z]{10}$/);
    expect(proposal.cost).toMatchObject({ paths: 3, billable: 0 });
    const unposted = await stores.proposals.get(proposal.id);
    expect(unposted?.proposal.card).toBeUndefined();
    expect(unposted?.events.map((e) => e.type)).toEqual(['proposed']);
    // Due again, found by a worker's look at the due work, which posts it.
    const due = await stores.work.due(addMs(AT, 60_000), 10);
    const work = due.find((w) => w.kind === 'proposal');
    expect(work).toBeDefined();
    if (work?.kind !== 'proposal') return;
    expect(await stores.work.claimProposal(work.proposal, 'w1', AT, addMs(AT, 30_000))).toBe(true);
    expect(await stores.work.claimProposal(work.proposal, 'w2', AT, addMs(AT, 30_000))).toBe(false);
    await runProposalStep(services, work.proposal);
    const posted = await stores.proposals.get(proposal.id);
    expect(posted?.proposal.card).toEqual({ channel: 'C0DEPLOY', ts: '17000.1' });
    expect(posted?.proposal.dueAt).toBe(posted?.proposal.expiresAt);
  });

  it('makes one request of two clicks at once, under the proposal’s own id, with the deploy as its reason', async () => {
    const { stores, services, input } = await setUp();
    const { proposal } = await propose(services, input());
    const [first, second] = await Promise.all([
      acceptProposal(services, proposal.id, 'U0DEV', 'caller'),
      acceptProposal(services, proposal.id, 'U0OTHER', 'caller'),
    ]);
    const made = [first, second].filter((r) => r.ok);
    expect(made).toHaveLength(1);
    const refused = [first, second].find((r) => !r.ok);
    expect(refused).toEqual({ ok: false, error: { code: 'made_already', requestId: requestIdOf(proposal) } });
    const request = await stores.requests.get(requestIdOf(proposal));
    expect(request?.request).toMatchObject({
      paths: ['/index.html', '/', '/docs/guide.html'],
      reason: 'deploy to my-site at 14:02',
      channel: 'C0DEPLOY',
    });
    const stored = await stores.proposals.get(proposal.id);
    expect(stored?.proposal).toMatchObject({ status: 'accepted', requestId: requestIdOf(proposal) });
    expect(stored?.events.map((e) => e.type)).toEqual(['proposed', 'accepted']);
    expect(await dismissProposal(services, proposal.id, 'U0LEAD', 'caller')).toEqual({
      ok: false,
      error: { code: 'made_already', requestId: requestIdOf(proposal) },
    });
  });

  it('folds a deploy of more paths than one request carries into wildcards, and the request it becomes is made', async () => {
    const { stores, services, input } = await setUp();
    // 3,000 paths of about 900 bytes: some 2.7 MB, far past one item's 400 KB
    const long = (folder: string, i: number) => `/${folder}/${'x'.repeat(880)}-${i}.html`;
    const paths = [
      '/index.html',
      ...Array.from({ length: 2000 }, (_, i) => long('docs', i)),
      ...Array.from({ length: 990 }, (_, i) => long('blog', i)),
      ...Array.from({ length: 9 }, (_, i) => `/img/${i}.png`),
    ];
    const { proposal } = await propose(services, input('web', paths));
    expect(proposal.folded).toEqual(['/docs/*', '/blog/*']);
    expect(proposal.paths).toEqual(['/index.html', '/docs/*', '/blog/*', ...paths.slice(2991)]);
    expect(proposal.approvalRules.map((rule) => rule.rule)).toContain('wildcard');
    const made = await acceptProposal(services, proposal.id, 'U0DEV', 'caller');
    expect(made.ok).toBe(true);
    expect((await stores.requests.get(requestIdOf(proposal)))?.request.paths).toEqual(proposal.paths);
  });

  it('refuses a clicker who may not request the distribution, and stays open', async () => {
    const { stores, services, input } = await setUp();
    const { proposal } = await propose(services, input('team'));
    const refused = await acceptProposal(services, proposal.id, 'U0DEV', 'caller');
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_a_requester' } });
    expect((await stores.proposals.get(proposal.id))?.proposal.status).toBe('open');
    expect(await acceptProposal(services, proposal.id, 'U0LEAD', 'caller')).toMatchObject({ ok: true });
  });

  it('expires once its minutes are up: recorded, redrawn, and nothing can be done with it after', async () => {
    const { stores, services, slack, input, at } = await setUp();
    const { proposal } = await propose(services, input());
    const later = addMs(AT, 120 * 60_000);
    at(later);
    const due = (await stores.work.due(later, 10)).find((w) => w.kind === 'proposal');
    expect(due?.kind).toBe('proposal');
    if (due?.kind !== 'proposal') return;
    await runProposalStep(services, due.proposal);
    const stored = await stores.proposals.get(proposal.id);
    expect(stored?.proposal.status).toBe('expired');
    expect(stored?.events.map((e) => e.type)).toEqual(['proposed', 'expired']);
    expect(slack.drawn.at(-1)?.status).toBe('expired');
    expect((await stores.work.due(addMs(later, 60_000), 10)).filter((w) => w.kind === 'proposal')).toEqual(
      [],
    );
    expect(await acceptProposal(services, proposal.id, 'U0DEV', 'caller')).toEqual({
      ok: false,
      error: { code: 'not_open', status: 'expired' },
    });
  });

  it('is dismissed once, with who did it; a worker redraws the card where the clicker could not', async () => {
    const { stores, services, slack, input } = await setUp();
    const { proposal } = await propose(services, input());
    const dismissed = await dismissProposal(services, proposal.id, 'U0LEAD', 'worker');
    expect(dismissed).toMatchObject({
      ok: true,
      value: { status: 'dismissed', by: 'U0LEAD', cardStale: true },
    });
    const due = (await stores.work.due(AT, 10)).find((w) => w.kind === 'proposal');
    if (due?.kind !== 'proposal') throw new Error('the redraw is not due');
    await runProposalStep(services, due.proposal);
    expect(slack.drawn.at(-1)).toMatchObject({ status: 'dismissed' });
    const stored = await stores.proposals.get(proposal.id);
    expect(stored?.proposal.cardStale).toBeUndefined();
    expect(stored?.proposal.dueAt).toBeUndefined();
  });

  it('keeps the card of a proposal accepted the moment it was posted, and draws the outcome on it', async () => {
    const { stores, services, slack, input } = await setUp();
    let clicked: Awaited<ReturnType<typeof acceptProposal>> | undefined;
    slack.clickWhilePosting(async (posting) => {
      clicked = await acceptProposal(services, posting.id, 'U0DEV', 'caller');
    });
    const { proposal } = await propose(services, input());
    expect(clicked).toMatchObject({ ok: true, value: { proposal: { status: 'accepted' } } });
    const stored = await stores.proposals.get(proposal.id);
    expect(stored?.proposal).toMatchObject({
      status: 'accepted',
      card: { channel: 'C0DEPLOY', ts: '17000.1' },
    });
    expect(stored?.proposal.dueAt).toBeUndefined();
    expect(stored?.events.map((e) => e.type)).toEqual(['proposed', 'accepted']);
    expect(slack.drawn.at(-1)).toMatchObject({ status: 'accepted', card: { ts: '17000.1' } });
  });

  it('keeps the card of a proposal dismissed the moment it was posted, and draws the outcome on it', async () => {
    const { stores, services, slack, input } = await setUp();
    let clicked: Awaited<ReturnType<typeof dismissProposal>> | undefined;
    slack.clickWhilePosting(async (posting) => {
      clicked = await dismissProposal(services, posting.id, 'U0LEAD', 'caller');
    });
    const { proposal } = await propose(services, input());
    expect(clicked).toMatchObject({ ok: true, value: { status: 'dismissed' } });
    const stored = await stores.proposals.get(proposal.id);
    expect(stored?.proposal).toMatchObject({ status: 'dismissed', card: { ts: '17000.1' } });
    expect(slack.drawn.at(-1)).toMatchObject({ status: 'dismissed', card: { ts: '17000.1' } });
  });

  it('records the acceptance over a write that came first (its card recorded), and dismisses over one too', async () => {
    const { stores, services, slack, input } = await setUp();
    slack.failPost();
    const { proposal } = await propose(services, input());
    // Each first closing write loses to the card's being recorded in between, as a worker's post would.
    let cardTs = 0;
    const racing = {
      ...services,
      proposals: {
        get: (id: string) => stores.proposals.get(id),
        create: stores.proposals.create.bind(stores.proposals),
        save: async (next: Proposal, event?: Parameters<typeof stores.proposals.save>[1]) => {
          if (next.status !== 'open' && cardTs < 2) {
            const now = await stores.proposals.get(next.id);
            if (now && !now.proposal.card)
              await stores.proposals.save(
                proposalPosted(now.proposal, { channel: 'C0DEPLOY', ts: `9.${++cardTs}` }),
              );
          }
          return stores.proposals.save(next, event);
        },
      },
    };
    const accepted = await acceptProposal(racing, proposal.id, 'U0DEV', 'caller');
    expect(accepted).toMatchObject({ ok: true, value: { proposal: { status: 'accepted' } } });
    const stored = await stores.proposals.get(proposal.id);
    expect(stored?.proposal).toMatchObject({ status: 'accepted', by: 'U0DEV', card: { ts: '9.1' } });
    expect(stored?.events.map((e) => e.type)).toEqual(['proposed', 'accepted']);

    const other = await propose(services, { ...input(), id: 'PRO-0000000002' });
    expect(await dismissProposal(racing, other.proposal.id, 'U0LEAD', 'caller')).toMatchObject({
      ok: true,
      value: { status: 'dismissed' },
    });
    expect((await stores.proposals.get(other.proposal.id))?.proposal).toMatchObject({
      status: 'dismissed',
      card: { ts: '17000.1' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../src/adapters/aws/dynamodb/stores.js';
import { parsePolicyFile } from '../../src/config.js';
import type { OriginEvent } from '../../src/core/origin.js';
import type { Proposal } from '../../src/core/proposal.js';
import { addMs } from '../../src/core/schedule.js';
import { originTask, periodProposalId, watchOrigin } from '../../src/usecases/origin-watch.js';
import type { Cards } from '../../src/usecases/ports.js';
import { useDynalite } from '../support/dynalite.js';
import { countingIds, silentLogger } from '../support/usecase-services.js';

const T0 = '2026-12-07T14:02:00.000Z';
const CHANNEL = 'C0123DEPLOY';

/** Two distributions served from one bucket under different origin paths. */
const policy = parsePolicyFile({
  path: 'invalidator.config.yml',
  content: {
    distributions: {
      alpha: {
        id: 'EALPHA0000001',
        approval: 'never',
        origin: {
          bucket: 'shared',
          prefix: 'a',
          settleSeconds: 1,
          channel: CHANNEL,
          queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/deploys',
        },
      },
      beta: {
        id: 'EBETA00000001',
        approval: 'never',
        origin: {
          bucket: 'shared',
          prefix: '/b/',
          settleSeconds: 1,
          channel: CHANNEL,
          queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/deploys',
        },
      },
    },
  },
});

/** Cards that keep the proposals posted; nothing else is posted here. */
function postedCards(posted: Proposal[]): Cards {
  const none = async () => {
    throw new Error('only proposals are posted here');
  };
  return {
    permalink: async () => undefined,
    post: none,
    update: none,
    postProposal: async (proposal) => {
      posted.push(proposal);
      return { ok: true, card: { channel: proposal.channel, ts: `${posted.length}.000100` } };
    },
    updateProposal: async () => {},
    warnBudget: none,
    notify: none,
    hasNotice: async () => false,
  };
}

const created = (key: string, sequencer: string): OriginEvent => ({
  bucket: 'shared',
  key,
  kind: 'created',
  sequencer,
  time: T0,
});

let tables = 0;

describe('watching an origin bucket (DynamoDB through dynalite)', () => {
  const client = useDynalite();

  async function watcher() {
    const table = `origin-watch-${++tables}`;
    await ensureTable(client(), table);
    const posted: Proposal[] = [];
    let now = T0;
    // one counter for every set of stores made here, as one table's ids would be
    const ids = countingIds();
    const make = () => ({
      ...openStores(client(), table),
      policy,
      cards: postedCards(posted),
      clock: { now: () => now },
      ids,
      logger: silentLogger,
      workerId: 'test-worker',
    });
    const services = make();
    /** One run of the bucket's task at `at` (made due then at the latest), claimed as the work queue would. */
    const run = async (at: string, on = services) => {
      now = at;
      await on.work.scheduleTask(originTask('shared'), at);
      const due = (await on.work.due(at, 10)).find((work) => work.kind === 'task');
      if (due?.kind !== 'task') throw new Error('the task is due');
      expect(await on.work.claimTask(due.task, 'test-worker', at, addMs(at, 5_000))).toBe(true);
      await watchOrigin(on, 'shared', due.dueAt);
    };
    return { services, posted, run, fresh: make };
  }

  it('proposes, once writes were quiet, each distribution its own keys under its origin path, once', async () => {
    const { services, posted, run } = await watcher();
    await services.originChanges.record(
      [created('a/index.html', '10'), created('b/x.css', '11'), created('c/outside.html', '12')],
      T0,
    );
    await run(addMs(T0, 500));
    expect(posted).toHaveLength(0);
    await run(addMs(T0, 1_300));
    const byAlias = Object.fromEntries(posted.map((p) => [p.distribution.alias, p.paths]));
    expect(byAlias).toEqual({ alpha: ['/index.html', '/'], beta: ['/x.css'] });
    expect(posted.map((p) => p.id).sort()).toEqual(
      [periodProposalId('shared', 1, 'alpha'), periodProposalId('shared', 1, 'beta')].sort(),
    );
    expect(posted[0]?.id).toMatch(/^PRO-[0-9A-HJKMNP-TV-Z]{10}$/);
    await run(addMs(T0, 5_000));
    expect(posted).toHaveLength(2);
    // Events mode, nothing pending: the task rests until events make it due.
    const due = await services.work.due(addMs(T0, 3_600_000), 10);
    expect(due.filter((work) => work.kind === 'task')).toEqual([]);
  });

  it('proposes a period whose claimer died between its claim and its proposals, on the next run, once', async () => {
    const { services, posted, run, fresh } = await watcher();
    await services.originChanges.record([created('a/page.html', '20'), created('b/page.html', '21')], T0);
    // The claimer takes the period and dies before proposing anything.
    const claimed = await services.originChanges.claimQuiet('shared', addMs(T0, 2_000), 1_000);
    expect(claimed?.changes).toHaveLength(2);
    expect(posted).toHaveLength(0);

    await run(addMs(T0, 3_000));
    expect(posted.map((p) => p.distribution.alias).sort()).toEqual(['alpha', 'beta']);
    // named by the deploy's last write, not by when it was proposed at last
    expect(posted.map((p) => p.deployedAt)).toEqual([T0, T0]);
    expect(posted.map((p) => p.paths)).toContainEqual(['/page.html']);
    // Another process (stores of its own, nothing remembered) looks again: proposed already, nothing posted.
    await run(addMs(T0, 4_000), fresh());
    expect(posted).toHaveLength(2);
  });
});

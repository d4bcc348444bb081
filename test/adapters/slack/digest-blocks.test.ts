import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { digestMessage } from '../../../src/adapters/slack/digest-blocks.js';
import type { DistributionConfig } from '../../../src/config.js';
import type { DigestFigures, DigestPeriod } from '../../../src/core/digest.js';

const WEEK: DigestPeriod = {
  kind: 'weekly',
  start: '2026-11-30T00:00:00.000Z',
  end: '2026-12-07T00:00:00.000Z',
  key: 'weekly#2026-11-30',
};
const MONTH: DigestPeriod = {
  kind: 'monthly',
  start: '2026-11-01T00:00:00.000Z',
  end: '2026-12-01T00:00:00.000Z',
  key: 'monthly#2026-11',
};

const WEB: DistributionConfig = {
  alias: 'web',
  id: 'EWEB',
  policy: { mode: 'never', rootWildcard: false, pastFreeAllowance: false },
  approvers: { users: ['U0LEAD'] },
  selfApproval: false,
};

function figures(over: Partial<DigestFigures> = {}): DigestFigures {
  return {
    period: WEEK,
    paths: 0,
    externalPaths: 0,
    costUsd: 0,
    byDistribution: [],
    byRequester: [],
    denied: [],
    expired: [],
    completed: 0,
    ...over,
  };
}

function texts(blocks: readonly KnownBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'section') return [block.text?.text ?? ''];
    if (block.type === 'context') return block.elements.map((e) => ('text' in e ? e.text : ''));
    return [];
  });
}

describe('digestMessage', () => {
  it('says so when the week had no invalidations', () => {
    const message = digestMessage(figures(), [WEB]);
    const all = texts(message.blocks).join('\n');
    expect(all).toContain('Week of 30 Nov – 6 Dec 2026');
    expect(all).toContain('No invalidations this week.');
    expect(all).toContain('No request completed.');
    expect(all).toContain('Denied: none');
  });

  it('draws the month with its free allowance, aliases, pipelines by name, outcomes and the median', () => {
    const message = digestMessage(
      figures({
        period: MONTH,
        paths: 1200,
        costUsd: 1,
        freeAllowance: { used: 1200, free: 1000 },
        byDistribution: [{ distributionId: 'EWEB', paths: 1200 }],
        byRequester: [
          { requester: 'pipeline:web-deploy', paths: 1000 },
          { requester: 'U0DEV', paths: 150 },
          { restricted: true, paths: 50 },
        ],
        denied: ['INV-0000000001'],
        expired: ['INV-0000000002', 'INV-0000000003'],
        completed: 3,
        medianCompletionMs: 95_000,
        savings: { requests: 2, paths: 251, usd: 1.255 },
        externalPaths: 30,
      }),
      [WEB],
    );
    const all = texts(message.blocks).join('\n');
    expect(all).toContain('November 2026');
    expect(all).toContain('Free allowance: ▇▇▇▇▇▇▇▇▇▇ 120% · 1,200 of 1,000 paths');
    expect(all).toContain('cost: *$1.00*');
    expect(all).toContain('`web`');
    expect(all).toContain('pipeline `web-deploy`');
    expect(all).toContain('<@U0DEV>');
    expect(all).toContain(':lock: restricted distributions 50 paths');
    expect(all).toContain('3 requests completed · median time from request to completion: *1m 35s*');
    expect(all).toContain('Denied: 1 (INV-0000000001)');
    expect(all).toContain('Expired: 2 (INV-0000000002, INV-0000000003)');
    expect(all).toContain('Made outside Invalidator: 30 paths');
    expect(all).toContain('Cheaper forms chosen: 2 requests, 251 fewer paths, *$1.26* saved');
    expect(message.text).toBe('Invalidation digest · November 2026: 1,200 paths, $1.00');
  });

  it('stays within Slack limits for the busiest period', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `INV-${String(i).padStart(10, '0')}`);
    const long = 'x'.repeat(2000);
    const message = digestMessage(
      figures({
        paths: 10_000_000,
        byDistribution: Array.from({ length: 5 }, (_, i) => ({ distributionId: `${long}${i}`, paths: 1 })),
        byRequester: Array.from({ length: 5 }, (_, i) => ({ requester: `pipeline:${long}${i}`, paths: 1 })),
        denied: ids,
        expired: ids,
      }),
      [],
    );
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const text of texts(message.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    expect(texts(message.blocks).join('\n')).toContain('and 4,990 more');
  });
});

import { describe, expect, it } from 'vitest';
import { rowsAsSeen, summariseUsage, type UsageRow } from '../../src/core/usage.js';
import {
  type Access,
  distributionAccess,
  type ResolvedGroups,
  type Restrictions,
  requestAccess,
  type Viewer,
} from '../../src/core/visibility.js';

const OPEN: Restrictions = { approvers: { users: ['ULEAD'] } };
const BY_CHANNEL: Restrictions = {
  approvers: { usergroup: 'SONCALL', users: ['ULEAD'] },
  channels: ['CLOCKED'],
};
const BY_REQUESTERS: Restrictions = {
  approvers: { users: ['ULEAD'] },
  requesters: { usergroup: 'STEAM', users: ['UNAMED'] },
};
const OUTSIDER = 'UOUTSIDE';

describe('distributionAccess', () => {
  it.each<[string, Restrictions, Viewer, ResolvedGroups, Access]>([
    ['an open distribution, to anyone anywhere', OPEN, { user: OUTSIDER, channel: 'COTHER' }, {}, 'full'],
    ['an open distribution, on the App Home tab', OPEN, { user: OUTSIDER }, {}, 'full'],
    [
      'a channel-limited one, asked from its channel',
      BY_CHANNEL,
      { user: OUTSIDER, channel: 'CLOCKED' },
      {},
      'full',
    ],
    [
      'a channel-limited one, asked elsewhere',
      BY_CHANNEL,
      { user: OUTSIDER, channel: 'COTHER' },
      {},
      'restricted',
    ],
    ['a channel-limited one, on the App Home tab', BY_CHANNEL, { user: OUTSIDER }, {}, 'restricted'],
    ['a listed approver, elsewhere', BY_CHANNEL, { user: 'ULEAD', channel: 'COTHER' }, {}, 'full'],
    ['a listed approver, on the App Home tab', BY_CHANNEL, { user: 'ULEAD' }, {}, 'full'],
    ['a member of the approvers group', BY_CHANNEL, { user: 'UONCALL' }, { approvers: ['UONCALL'] }, 'full'],
    ['anyone, when the approvers group is unresolved', BY_CHANNEL, { user: 'UONCALL' }, {}, 'restricted'],
    ['a listed requester', BY_REQUESTERS, { user: 'UNAMED', channel: 'COTHER' }, {}, 'full'],
    ['a member of the requesters group', BY_REQUESTERS, { user: 'UTEAM' }, { requesters: ['UTEAM'] }, 'full'],
    [
      'a member of a group given as the other set’s',
      BY_REQUESTERS,
      { user: 'UTEAM' },
      { approvers: ['UTEAM'] },
      'full',
    ],
    [
      'someone outside both sets',
      BY_REQUESTERS,
      { user: OUTSIDER, channel: 'COTHER' },
      { requesters: ['UTEAM'] },
      'restricted',
    ],
  ])('%s', (_, distribution, viewer, groups, expected) => {
    expect(distributionAccess(distribution, viewer, groups)).toBe(expected);
  });
});

describe('requestAccess', () => {
  it('lets whoever made a request see it, wherever they ask', () => {
    expect(requestAccess(BY_CHANNEL, OUTSIDER, { user: OUTSIDER }, {})).toBe('full');
    expect(requestAccess(BY_CHANNEL, 'USOMEONE', { user: OUTSIDER }, {})).toBe('restricted');
  });

  it('keeps the requests of a distribution no longer configured to their requesters', () => {
    expect(requestAccess(undefined, 'USOMEONE', { user: OUTSIDER, channel: 'CLOCKED' }, {})).toBe(
      'restricted',
    );
    expect(requestAccess(undefined, OUTSIDER, { user: OUTSIDER }, {})).toBe('full');
  });
});

describe('usage as a viewer sees it', () => {
  const row = (
    id: string,
    distributionId: string,
    requester: string | undefined,
    paths: number,
  ): UsageRow => ({
    id,
    paths,
    distributionId,
    ...(requester ? { requester } : {}),
    external: requester === undefined,
    submittedAt: '2026-11-10T10:00:00.000Z',
  });
  const rows = [
    row('INV-1', 'EOPEN', 'UALICE', 3),
    row('INV-2', 'ELOCKED', 'UBOB', 5),
    row('INV-3', 'ELOCKED', 'UCAROL', 4),
    row('I-EXTERNAL', 'ELOCKED', undefined, 7),
  ];

  it('sums the requests it may not see under one restricted line and counts every path in the totals', () => {
    const seen = rowsAsSeen(
      rows,
      (distributionId) => (distributionId === 'ELOCKED' ? 'restricted' : 'full'),
      () => true,
    );
    expect(seen.some((r) => r.distributionId === 'ELOCKED' && r.requester !== undefined)).toBe(false);
    const summary = summariseUsage(
      '2026-11',
      seen,
      { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 },
      '2026-11-30T00:00:00.000Z',
    );
    expect(summary.paths).toBe(19);
    expect(summary.byRequester).toEqual([
      { restricted: true, paths: 9 },
      { requester: 'UALICE', paths: 3 },
    ]);
    // The invalidation made outside the bot on the restricted distribution follows its requests' rule.
    expect(summary.outside).toEqual([{ restricted: true, invalidations: 1, paths: 7 }]);
  });

  it('names the distribution of an outside invalidation the config does not restrict', () => {
    const outside = [row('I-ONE', 'EUNLISTED', undefined, 2), row('I-TWO', 'EUNLISTED', undefined, 3)];
    const seen = rowsAsSeen(
      outside,
      () => 'restricted',
      (id) => id !== 'EUNLISTED',
    );
    const summary = summariseUsage(
      '2026-11',
      seen,
      { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 },
      '2026-11-30T00:00:00.000Z',
    );
    expect(summary.outside).toEqual([{ distributionId: 'EUNLISTED', invalidations: 2, paths: 5 }]);
    expect(summary.byRequester).toEqual([]);
  });

  it('leaves every row as it is for a viewer who may see everything', () => {
    expect(
      rowsAsSeen(
        rows,
        () => 'full',
        () => true,
      ),
    ).toEqual(rows);
  });
});

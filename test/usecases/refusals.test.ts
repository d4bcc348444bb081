import { describe, expect, it } from 'vitest';
import type { DistributionConfig, PolicyConfig } from '../../src/config.js';
import { previewCost } from '../../src/core/cost.js';
import { cardPosted, createRequest, type InvalidationRequest } from '../../src/core/request.js';
import { cancelRequest } from '../../src/usecases/cancel.js';
import type { DecideServices } from '../../src/usecases/decide.js';
import { decideRequest } from '../../src/usecases/decide.js';
import type { Services } from '../../src/usecases/ports.js';
import { recordRequest, recordUnauthorizedCommand } from '../../src/usecases/request-invalidation.js';
import { prepareOffline } from '../support/facts.js';
import { MemoryStores } from '../support/memory-ports.js';

const NOW = '2026-05-04T10:05:00.000Z';
const REQUESTER = 'U0DEV';
const LEAD = 'U0LEAD';

const web: DistributionConfig = {
  alias: 'web',
  id: 'E2ABCDEF123XYZ',
  policy: { mode: 'wildcard', rootWildcard: false, pastFreeAllowance: false },
  approvers: { users: [LEAD] },
  selfApproval: false,
  requesters: { users: [REQUESTER] },
  channels: ['C0DEPLOY'],
};

const policy = {
  distributions: [web],
  approvalTimeoutMinutes: 30,
  maxPathsPerRequest: 3000,
  cost: { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 },
} as PolicyConfig;

function pendingRequest(): InvalidationRequest {
  const { request } = createRequest({
    id: 'INV-0000000001',
    distribution: { alias: web.alias, id: web.id },
    paths: ['/images/*'],
    requester: REQUESTER,
    channel: 'C0DEPLOY',
    createdAt: '2026-05-04T10:00:00.000Z',
    approval: { required: true, rules: [], approvers: web.approvers, selfApproval: false },
    cost: previewCost(1, 0, policy.cost),
  });
  // Waiting for approval for an hour: still pending at NOW.
  return cardPosted(request, { channel: 'C0DEPLOY', ts: '1.000100' }, request.createdAt, 3_600_000).request;
}

/** The store ports in memory holding one pending request; `failing` makes every write throw. */
function fakeServices() {
  const store = new MemoryStores();
  store.seed(pendingRequest());
  const errors: string[] = [];
  let ids = 0;
  const services: DecideServices & Pick<Services, 'cards' | 'counters' | 'directory' | 'wake'> = {
    requests: store.requests,
    refusals: store.refusals,
    counters: {
      reserve: async () => ({ ok: true, before: { amount: 0, holders: 0 } }),
      release: async () => true,
      commit: async () => true,
      adjust: async () => true,
      figures: async () => ({ amount: 0, holders: 0 }),
    },
    cards: {
      post: async () => ({ ok: false, error: 'channel_not_found' }),
      update: async () => {},
      notify: async () => {},
      hasNotice: async () => false,
      warnBudget: async () => {},
      permalink: async () => undefined,
      postProposal: async () => ({ ok: false, error: 'channel_not_found' }),
      updateProposal: async () => {},
    },
    directory: {
      members: async () => undefined,
      confirm: async () => ({ ok: false, reason: 'unreachable' }),
    },
    clock: { now: () => NOW },
    ids: { requestId: () => 'INV-0000000002', refusalId: () => `REF-${++ids}`, random: () => 0.5 },
    logger: {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (message: string) => errors.push(message),
    },
    policy,
    operations: {
      polling: { firstCheckSeconds: 5, maxIntervalSeconds: 60, slowNoticeMinutes: 15 },
      workLeaseSeconds: 30,
      usergroupCacheSeconds: 60,
      reconciliation: { enabled: false, intervalMinutes: 60 },
    },
    workerId: 'test-worker',
    wake: () => {},
  };
  return { services, store, errors };
}

describe('recording authorization refusals', () => {
  it.each([
    ['the requester approving their own request', REQUESTER, 'approved', 'own_request'],
    ['a non-approver approving', 'U0OTHER', 'approved', 'not_an_approver'],
    ['a non-approver denying', 'U0OTHER', 'denied', 'not_an_approver'],
  ] as const)('records %s as a refused click and changes nothing', async (_case, by, outcome, code) => {
    const { services, store } = fakeServices();
    const input = outcome === 'approved' ? { outcome, by } : { outcome, by, reason: 'no' };
    const result = await decideRequest(services, 'INV-0000000001', input);
    expect(result).toMatchObject({ ok: false, error: { code } });
    expect(store.saved).toHaveLength(0);
    expect(store.refusedClicks()).toEqual([
      {
        requestId: 'INV-0000000001',
        type: 'refused',
        key: 'refused#REF-1',
        at: NOW,
        actor: by,
        details: { action: outcome === 'approved' ? 'approve' : 'deny', refusal: code },
      },
    ]);
  });

  it('records a cancel by someone other than the requester', async () => {
    const { services, store } = fakeServices();
    const result = await cancelRequest(services, 'INV-0000000001', 'U0OTHER');
    expect(result).toMatchObject({ ok: false, error: { code: 'not_requester' } });
    expect(store.refusedClicks().map((e) => [e.actor, e.details])).toEqual([
      ['U0OTHER', { action: 'cancel', refusal: 'not_requester' }],
    ]);
  });

  it('records nothing for an allowed decision or a click on a request that does not exist', async () => {
    const { services, store } = fakeServices();
    expect((await decideRequest(services, 'INV-0000000001', { outcome: 'approved', by: LEAD })).ok).toBe(
      true,
    );
    expect((await decideRequest(services, 'INV-NOSUCHONE', { outcome: 'approved', by: 'U0X' })).ok).toBe(
      false,
    );
    expect(store.refusedClicks()).toHaveLength(0);
  });

  it('still answers the refusal when it cannot be recorded, and logs that as an error', async () => {
    const { services, store, errors } = fakeServices();
    store.failing = true;
    const result = await decideRequest(services, 'INV-0000000001', { outcome: 'approved', by: REQUESTER });
    expect(result).toMatchObject({ ok: false, error: { code: 'own_request' } });
    expect(errors).toEqual(['recording a refusal failed; the refusal was still answered']);
  });

  it('records a command from a channel outside `channels`, with who, where and the text', async () => {
    const { services, store } = fakeServices();
    const text = 'web /a.html';
    const prepared = await prepareOffline(policy, text, 'C0ELSEWHERE');
    if (prepared.ok) throw new Error('expected a refusal');
    await recordUnauthorizedCommand(services, prepared.error, {
      user: REQUESTER,
      channel: 'C0ELSEWHERE',
      text,
    });
    expect(store.commandRefusals).toEqual([
      {
        id: 'REF-1',
        at: NOW,
        user: REQUESTER,
        channel: 'C0ELSEWHERE',
        distribution: { alias: 'web', id: web.id },
        code: 'channel_not_allowed',
        command: text,
        truncated: false,
      },
    ]);
  });

  it.each([
    ['a path without a leading slash', 'web a.html'],
    ['an unknown distribution', 'nowhere /a.html'],
    ['a missing path', 'web'],
  ])('records nothing for a mistake in the command: %s', async (_case, text) => {
    const { services, store } = fakeServices();
    const prepared = await prepareOffline(policy, text, 'C0DEPLOY');
    if (prepared.ok) throw new Error('expected a refusal');
    await recordUnauthorizedCommand(services, prepared.error, { user: REQUESTER, channel: 'C0DEPLOY', text });
    expect(store.commandRefusals).toHaveLength(0);
  });

  it('records a requester outside `requesters` instead of their request', async () => {
    const { services, store } = fakeServices();
    const prepared = await prepareOffline(policy, 'web /a.html', 'C0DEPLOY');
    if (!prepared.ok || prepared.value.kind !== 'invalidate') throw new Error('expected a request');
    const result = await recordRequest(services, prepared.value, 'U0OUTSIDER', 'C0DEPLOY');
    expect(result).toMatchObject({ ok: false, error: { code: 'not_a_requester' } });
    expect(store.created).toHaveLength(0);
    expect(store.commandRefusals).toMatchObject([
      { user: 'U0OUTSIDER', code: 'not_a_requester', command: 'web /a.html' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { DistributionConfig, PolicyConfig } from '../../src/config.js';
import { previewCost } from '../../src/core/cost.js';
import { cardPosted, createRequest, pipelineRequester } from '../../src/core/request.js';
import type { ApproverDirectory, OnCallAnswer, OnCallDirectory } from '../../src/usecases/ports.js';
import { waitingDecisions } from '../../src/usecases/waiting-decisions.js';
import { MemoryStores } from '../support/memory-ports.js';

const NOW = '2026-05-04T10:05:00.000Z';
const LEAD = 'U0LEAD';
const MEMBER = 'U0ONCALL';
const REQUESTER = 'U0DEV';
const GROUP = 'S0ONCALL';

function distribution(alias: string, id: string, more: Partial<DistributionConfig> = {}): DistributionConfig {
  return {
    alias,
    id,
    policy: { mode: 'always', rootWildcard: false, pastFreeAllowance: false },
    approvers: { users: [LEAD] },
    selfApproval: false,
    ...more,
  };
}

const web = distribution('web', 'EWEB', { approvers: { usergroup: GROUP, users: [LEAD] } });
const docs = distribution('docs', 'EDOCS', { approvers: { users: [LEAD, REQUESTER] }, selfApproval: true });
const locked = distribution('locked', 'ELOCKED', { channels: ['C0LOCKED'] });

let sequence = 0;
/** A request on `on` by `requester`, waiting for approval until `expiresInMs` after NOW. */
function pending(on: DistributionConfig, requester = REQUESTER, expiresInMs = 3_600_000) {
  const { request } = createRequest({
    id: `INV-WAIT${String(++sequence).padStart(4, '0')}`,
    distribution: { alias: on.alias, id: on.id },
    paths: ['/images/*'],
    requester,
    channel: 'C0DEPLOY',
    createdAt: '2026-05-04T10:00:00.000Z',
    approval: { required: true, rules: [], approvers: on.approvers, selfApproval: on.selfApproval },
    cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
  return cardPosted(request, { channel: 'C0DEPLOY', ts: `1.${sequence}` }, NOW, expiresInMs).request;
}

/** The use case over requests in memory; the group's members as Slack would name them (undefined: unresolved). */
function waitingFor(
  user: string,
  groupMembers: string[] | undefined,
  distributions: DistributionConfig[] = [web, docs, locked],
) {
  const store = new MemoryStores();
  const requests = [
    pending(web),
    pending(web, MEMBER),
    pending(docs),
    pending(locked),
    pending(web, REQUESTER, -10_000),
    pending(distribution('gone', 'EGONE')),
  ];
  for (const request of requests) store.seed(request);
  const directory: ApproverDirectory = {
    members: async () => groupMembers,
    confirm: async () => ({ ok: false, reason: 'unreachable' }),
  };
  const policy = { distributions } as PolicyConfig;
  const services = { audit: store.audit, clock: { now: () => NOW }, directory, policy };
  return { requests, waiting: waitingDecisions(services, user) };
}

const ids = async (found: ReturnType<typeof waitingFor>) =>
  (await found.waiting).requests.map((r) => r.distribution.alias + (r.requester === MEMBER ? ':member' : ''));

describe('what waits for a person’s decision', () => {
  it('lists for a listed approver every pending request they may decide, restricted ones too', async () => {
    const found = waitingFor(LEAD, [MEMBER]);
    expect((await found.waiting).approver).toBe(true);
    // Not the expired one, nor the one of a distribution no longer configured.
    expect((await ids(found)).sort()).toEqual(['docs', 'locked', 'web', 'web:member']);
  });

  it('lists for a group member their distribution’s requests, but not their own', async () => {
    expect(await ids(waitingFor(MEMBER, [MEMBER]))).toEqual(['web']);
  });

  it('lets a requester decide their own request only where self-approval is allowed', async () => {
    expect((await ids(waitingFor(REQUESTER, [REQUESTER]))).sort()).toEqual(['docs', 'web:member']);
  });

  it('shows only what can be confirmed when Slack cannot name the group just now', async () => {
    const member = await waitingFor(MEMBER, undefined).waiting;
    expect(member).toEqual({ approver: false, requests: [], unconfirmed: ['web'] });
    // A listed approver of web needs no group to be confirmed.
    const lead = await waitingFor(LEAD, undefined).waiting;
    expect(lead.unconfirmed).toEqual([]);
    expect(lead.requests.map((r) => r.distribution.alias)).toContain('web');
  });

  it('lists nothing for someone who approves nothing', async () => {
    expect(await waitingFor('U0OUTSIDER', [MEMBER]).waiting).toEqual({
      approver: false,
      requests: [],
      unconfirmed: [],
    });
  });

  it('lists a pipeline’s request for every approver who may decide it, self-approval or not', async () => {
    const store = new MemoryStores();
    const onWeb = pending(web, pipelineRequester('web-deploy'));
    const onDocs = pending(docs, pipelineRequester('docs-deploy'));
    store.seed(onWeb);
    store.seed(onDocs);
    const services = {
      audit: store.audit,
      clock: { now: () => NOW },
      directory: { members: async () => [MEMBER], confirm: async () => ({ ok: true as const, members: [] }) },
      policy: { distributions: [web, docs] } as PolicyConfig,
    };
    const listed = async (user: string) => (await waitingDecisions(services, user)).requests.map((r) => r.id);
    expect((await listed(LEAD)).sort()).toEqual([onWeb.id, onDocs.id].sort());
    expect(await listed(MEMBER)).toEqual([onWeb.id]);
    // A docs approver who requests there may decide the pipeline's request: it is not their own.
    expect(await listed(REQUESTER)).toEqual([onDocs.id]);
  });

  it('puts the soonest to expire first', async () => {
    const store = new MemoryStores();
    const later = pending(docs, REQUESTER, 7_200_000);
    const sooner = pending(docs, REQUESTER, 600_000);
    store.seed(later);
    store.seed(sooner);
    const services = {
      audit: store.audit,
      clock: { now: () => NOW },
      directory: { members: async () => [], confirm: async () => ({ ok: true as const, members: [] }) },
      policy: { distributions: [docs] } as PolicyConfig,
    };
    const { requests } = await waitingDecisions(services, LEAD);
    expect(requests.map((r) => r.id)).toEqual([sooner.id, later.id]);
  });
});

describe('what waits for a person on call', () => {
  const ONCALL = 'U0PAGED';
  const paged = distribution('paged', 'EPAGED', {
    approvers: { users: [LEAD], pagerduty: { schedule: 'P1ABCDE' } },
  });

  function waitingOnCall(user: string, answer: OnCallAnswer) {
    const store = new MemoryStores();
    const request = pending(paged);
    store.seed(request);
    const onCall: OnCallDirectory = {
      confirm: async () => ({ ok: false, reason: 'a list never confirms' }),
      snapshot: async () => answer,
    };
    const services = {
      audit: store.audit,
      clock: { now: () => NOW },
      directory: { members: async () => [], confirm: async () => ({ ok: true as const, members: [] }) },
      onCall,
      policy: { distributions: [paged] } as PolicyConfig,
    };
    return { request, waiting: waitingDecisions(services, user) };
  }

  it('lists the requests of a schedule’s distribution for whoever is on call in it now', async () => {
    const { request, waiting } = waitingOnCall(ONCALL, { ok: true, users: [ONCALL] });
    const found = await waiting;
    expect(found.requests.map((r) => r.id)).toEqual([request.id]);
    // What rests on a snapshot says so.
    expect(found.onCallSnapshot).toBe(true);
    expect((await waitingOnCall(LEAD, { ok: true, users: [ONCALL] }).waiting).onCallSnapshot).toBeUndefined();
  });

  it('lists nothing for them once their shift ended, or while the schedule cannot be read', async () => {
    expect((await waitingOnCall(ONCALL, { ok: true, users: ['U0NEXT'] }).waiting).requests).toEqual([]);
    expect((await waitingOnCall(ONCALL, { ok: false, reason: 'down' }).waiting).requests).toEqual([]);
  });
});

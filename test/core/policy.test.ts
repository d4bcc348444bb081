import { describe, expect, it } from 'vitest';
import { previewCost } from '../../src/core/cost.js';
import {
  type ApprovalMode,
  type ApprovalNeed,
  type ApprovalPolicy,
  type Approvers,
  approvalNeed,
  type DecideRefusal,
  decideRefusal,
} from '../../src/core/policy.js';

const EXACT = ['/index.html', '/css/site.css'];
const FREE = previewCost(2, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 });
const RULES_OFF = { rootWildcard: false, pastFreeAllowance: false };
const MIXED = ['/index.html', '/images/*', '/app.*', '#product-42'];

describe('approvalNeed', () => {
  it.each<[string, ApprovalMode, string[], ApprovalNeed]>([
    ['always, for exact paths', 'always', EXACT, { required: true, rules: [{ rule: 'always' }] }],
    [
      'always, for wildcards too, under the always rule only',
      'always',
      MIXED,
      { required: true, rules: [{ rule: 'always' }] },
    ],
    [
      'wildcard, naming each wildcard path',
      'wildcard',
      MIXED,
      { required: true, rules: [{ rule: 'wildcard', paths: ['/images/*', '/app.*'] }] },
    ],
    [
      'wildcard, for a lone /*',
      'wildcard',
      ['/*'],
      { required: true, rules: [{ rule: 'wildcard', paths: ['/*'] }] },
    ],
    ['never, even for wildcards', 'never', MIXED, { required: false, rules: [] }],
  ])('requires approval under %s', (_, mode, paths, need) => {
    expect(approvalNeed(paths, FREE, { mode, ...RULES_OFF })).toEqual(need);
  });

  it.each<[string, ApprovalMode, string[]]>([
    ['wildcard mode without wildcards', 'wildcard', EXACT],
    ['wildcard mode for cache tags only', 'wildcard', ['#product-42', '#Homepage']],
    ['never mode without wildcards', 'never', EXACT],
  ])('needs no approval in %s', (_, mode, paths) => {
    expect(approvalNeed(paths, FREE, { mode, ...RULES_OFF })).toEqual({ required: false, rules: [] });
  });
});

describe('approvalNeed, rules that also require approval', () => {
  const pricing = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };
  const paths = (n: number) => Array.from({ length: n }, (_, i) => `/p/${i}.html`);

  it.each<[string, string[], number, Partial<ApprovalPolicy>, ApprovalNeed['rules']]>([
    ['/* when the root-wildcard rule is on', ['/*'], 0, { rootWildcard: true }, [{ rule: 'root_wildcard' }]],
    [
      'more paths than approvalAbovePaths',
      paths(11),
      0,
      { abovePaths: 10 },
      [{ rule: 'above_paths', count: 11, limit: 10 }],
    ],
    [
      'a cost above approvalAboveUsd',
      paths(300),
      900,
      { aboveUsd: 0.5 },
      [{ rule: 'above_usd', costUsd: 1, limit: 0.5 }],
    ],
    [
      'a request that goes past the free allowance',
      paths(20),
      990,
      { pastFreeAllowance: true },
      [{ rule: 'past_free_allowance', usedBefore: 990, free: 1000 }],
    ],
    [
      'every rule that applies, in order',
      ['/*', ...paths(11)],
      995,
      { rootWildcard: true, abovePaths: 10, pastFreeAllowance: true },
      [
        { rule: 'root_wildcard' },
        { rule: 'above_paths', count: 12, limit: 10 },
        { rule: 'past_free_allowance', usedBefore: 995, free: 1000 },
      ],
    ],
  ])('requires approval for %s, even in never mode', (_, requested, used, rules, expected) => {
    const cost = previewCost(requested.length, used, pricing);
    const need = approvalNeed(requested, cost, { mode: 'never', ...RULES_OFF, ...rules });
    expect(need).toEqual({ required: true, rules: expected });
  });

  it('gives the configured allowance and the paths used, once the month is already past it', () => {
    const cost = previewCost(3, 25, { ...pricing, freePathsPerMonth: 20 });
    const need = approvalNeed(paths(3), cost, { mode: 'never', ...RULES_OFF, pastFreeAllowance: true });
    expect(need.rules).toEqual([{ rule: 'past_free_allowance', usedBefore: 25, free: 20 }]);
  });

  it.each<[string, string[], number, Partial<ApprovalPolicy>]>([
    ['/* when the root-wildcard rule is off', ['/*'], 0, {}],
    ['exactly approvalAbovePaths paths', paths(10), 0, { abovePaths: 10 }],
    ['a cost equal to approvalAboveUsd', paths(100), 1000, { aboveUsd: 0.5 }],
    ['a request that ends exactly at the free allowance', paths(10), 990, { pastFreeAllowance: true }],
  ])('needs no approval for %s', (_, requested, used, rules) => {
    const cost = previewCost(requested.length, used, pricing);
    expect(approvalNeed(requested, cost, { mode: 'never', ...RULES_OFF, ...rules }).required).toBe(false);
  });
});

describe('decideRefusal', () => {
  const LEAD = 'U0LEAD';
  const ONCALL = 'U0ONCALL';
  const REQUESTER = 'U0DEV';
  const STRANGER = 'U0STRANGER';
  const both: Approvers = { usergroup: 'S0ONCALL', users: [LEAD] };
  const usersOnly: Approvers = { users: [LEAD] };
  const groupOnly: Approvers = { usergroup: 'S0ONCALL', users: [] };
  const nobody: Approvers = { users: [] };

  it.each<[string, string, Approvers, string[] | undefined]>([
    ['a listed user', LEAD, both, [ONCALL]],
    ['a listed user when the group has no members', LEAD, both, []],
    ['a listed user when the group could not be resolved', LEAD, both, undefined],
    ['a listed user when no group is configured', LEAD, usersOnly, undefined],
    ['a member of the group', ONCALL, both, [ONCALL, LEAD]],
    ['a member of the group when no users are listed', ONCALL, groupOnly, [ONCALL]],
  ])('allows a decision by %s', (_, actor, approvers, groupMembers) => {
    expect(decideRefusal(actor, REQUESTER, approvers, groupMembers)).toBeUndefined();
  });

  it.each<[string, string, Approvers, string[] | undefined]>([
    ['who is not an approver', REQUESTER, both, [ONCALL]],
    ['who is a listed user', LEAD, both, [ONCALL]],
    ['who is a member of the group', ONCALL, both, [ONCALL]],
    ['even when the group could not be resolved', LEAD, both, undefined],
  ])('refuses a decision by the requester %s', (_, requester, approvers, groupMembers) => {
    expect(decideRefusal(requester, requester, approvers, groupMembers)).toEqual({ code: 'own_request' });
  });

  it.each<[string, Approvers, string[] | undefined]>([
    ['neither listed nor in the group', both, [ONCALL]],
    ['not listed, with no group configured', usersOnly, undefined],
    ['not in the group, with no users listed', groupOnly, [ONCALL]],
    ['anyone, when no approvers are configured', nobody, undefined],
  ])('refuses a user who is %s as not an approver', (_, approvers, groupMembers) => {
    expect(decideRefusal(STRANGER, REQUESTER, approvers, groupMembers)).toEqual<DecideRefusal>({
      code: 'not_an_approver',
      approvers,
    });
  });

  it.each<[string, string, Approvers]>([
    ['a group member', ONCALL, both],
    ['a stranger', STRANGER, both],
    ['anyone when only a group is configured', ONCALL, groupOnly],
  ])(
    'says the approvers are unresolved to %s when the group could not be resolved',
    (_, actor, approvers) => {
      expect(decideRefusal(actor, REQUESTER, approvers, undefined)).toEqual<DecideRefusal>({
        code: 'approvers_unresolved',
        approvers,
      });
    },
  );
});

describe('decideRefusal with self-approval', () => {
  it('lets an approver approve their own request when the distribution allows it', () => {
    expect(decideRefusal('U0DEV', 'U0DEV', { users: ['U0DEV'] }, undefined, true)).toBeUndefined();
  });

  it('still refuses a requester who is not an approver, even with self-approval on', () => {
    expect(decideRefusal('U0DEV', 'U0DEV', { users: ['U0LEAD'] }, undefined, true)).toEqual({
      code: 'not_an_approver',
      approvers: { users: ['U0LEAD'] },
    });
  });
});

describe('decideRefusal on a pipeline’s request', () => {
  // The requester of record is `pipeline:<name>`, never a Slack user: nobody clicks as it.
  const PIPELINE = 'pipeline:web-deploy';
  const approvers: Approvers = { usergroup: 'S0ONCALL', users: ['U0LEAD'] };

  it.each([
    ['a listed approver', 'U0LEAD', false],
    ['a member of the group', 'U0ONCALL', false],
    ['an approver, self-approval on', 'U0LEAD', true],
  ])('lets %s decide', (_, actor, selfApproval) => {
    expect(decideRefusal(actor, PIPELINE, approvers, ['U0ONCALL'], selfApproval)).toBeUndefined();
  });

  it('still refuses someone who is not an approver', () => {
    expect(decideRefusal('U0DEV', PIPELINE, approvers, ['U0ONCALL'])).toEqual({
      code: 'not_an_approver',
      approvers,
    });
  });
});

describe('approvalNeed with the findings of the reservations', () => {
  const pricing = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };
  const paths = ['/a.html', '/b.html', '/c.html'];

  it('requires approval for a request whose budget reservation was refused, in any mode', () => {
    const cost = previewCost(3, 4998, pricing, 5000);
    const need = approvalNeed(
      paths,
      cost,
      { mode: 'never', ...RULES_OFF },
      {
        overBudget: { usedAfter: 5001, budget: 5000 },
      },
    );
    expect(need).toEqual({ required: true, rules: [{ rule: 'over_budget', usedAfter: 5001, budget: 5000 }] });
  });

  it('does not judge the budget from a figure it was given: only the reservation decides', () => {
    const cost = previewCost(3, 4998, pricing, 5000);
    expect(approvalNeed(paths, cost, { mode: 'never', ...RULES_OFF }).required).toBe(false);
  });

  it('requires approval past a requester limit', () => {
    const rule = { rule: 'requester_limit' as const, requests: 11, paths: 40, requestsPerHour: 10 };
    const need = approvalNeed(paths, FREE, { mode: 'never', ...RULES_OFF }, { requesterLimit: rule });
    expect(need).toEqual({ required: true, rules: [rule] });
  });
});

import { describe, expect, it } from 'vitest';
import { previewCost } from '../../src/core/cost.js';
import type { ApprovalRule } from '../../src/core/policy.js';
import { applyDecision, cardPosted, createRequest, type RequestIn } from '../../src/core/request.js';

const AT = '2026-05-04T10:00:00.000Z';

function pending(rules: ApprovalRule[]): RequestIn<'pending_approval'> {
  const { request } = createRequest({
    id: 'INV-0000000001',
    distribution: { alias: 'docs', id: 'EDOCS00000001' },
    paths: ['/a.html'],
    requester: 'U0DEV',
    channel: 'C0DEPLOY',
    createdAt: AT,
    approval: { required: true, rules, approvers: { users: ['U0LEAD'] }, selfApproval: false },
    cost: previewCost(1, 10, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }, 10),
  });
  return cardPosted(request, { channel: 'C0DEPLOY', ts: '1.000100' }, AT, 60_000)
    .request as RequestIn<'pending_approval'>;
}

describe('approving past a limit', () => {
  it('records the budget override, with the figures the card showed, on the approved event', () => {
    const request = pending([{ rule: 'over_budget', usedAfter: 11, budget: 10 }]);
    const { event } = applyDecision(request, { outcome: 'approved', by: 'U0LEAD' }, AT);
    expect(event?.details).toEqual({ overBudget: true, usedAfter: 11, budgetPaths: 10 });
  });

  it('records a requester-limit override', () => {
    const request = pending([{ rule: 'requester_limit', requests: 4, paths: 4, requestsPerHour: 3 }]);
    const { event } = applyDecision(request, { outcome: 'approved', by: 'U0LEAD' }, AT);
    expect(event?.details).toEqual({ overRequesterLimit: true });
  });

  it('records no override where no limit was crossed', () => {
    const request = pending([{ rule: 'always' }]);
    expect(applyDecision(request, { outcome: 'approved', by: 'U0LEAD' }, AT).event?.details).toEqual({});
  });
});

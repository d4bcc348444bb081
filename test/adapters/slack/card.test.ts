import { describe, expect, it } from 'vitest';
import { requestCard } from '../../../src/adapters/slack/blocks.js';
import { previewCost } from '../../../src/core/cost.js';
import { approvalNeed } from '../../../src/core/policy.js';
import type { InvalidationRequest } from '../../../src/core/request.js';
import {
  approved,
  cancelled,
  completed,
  created,
  denied,
  expired,
  failedRequest,
  pending,
} from '../../core/request/fixtures.js';

const drawn = (request: InvalidationRequest) => JSON.stringify(requestCard(request));
/** What the card says, as Slack shows it: each text once, mentions and dates as written. */
const said = (request: InvalidationRequest) => {
  const { text, blocks } = requestCard(request);
  return [text, ...(JSON.stringify(blocks).match(/"text":"(?:[^"\\]|\\.)*"/g) ?? [])].join('\n');
};

const INSTRUCTIONS = ['Only the requester can cancel', 'cannot approve their own request', 'Approvers:'];

describe('the request card', () => {
  it("says when a pending request expires, in the viewer's own time, and how long that is", () => {
    const request = pending();
    const unix = Math.floor(Date.parse(request.expiresAt) / 1000);
    const card = said(request);
    expect(card).toContain(
      `expires <!date^${unix}^at {time}|at ${request.expiresAt.slice(11, 16)} UTC>, in 30 min`,
    );
  });

  it('tells approvers what to do while a decision is awaited', () => {
    for (const request of [pending(), created()]) {
      for (const instruction of INSTRUCTIONS) expect(said(request)).toContain(instruction);
    }
  });

  it.each<[string, () => InvalidationRequest, string]>([
    ['approved', approved, 'Approved by <@U0LEAD>'],
    ['completed', completed, 'Completed in'],
    ['denied', denied, 'Denied by <@U0LEAD>'],
    ['expired', expired, 'Expired'],
    ['cancelled', cancelled, 'Cancelled by <@U0DEV>'],
    ['failed', failedRequest, 'AccessDenied'],
  ])('drops the instructions once %s, and says what happened instead', (_status, request, happened) => {
    const card = said(request());
    for (const instruction of INSTRUCTIONS) expect(card).not.toContain(instruction);
    expect(card).toContain('Needed approval');
    expect(card).toContain(happened);
    expect(drawn(request())).not.toContain('invalidator.approve');
  });

  it('gives the cost in whole cents, and the free allowance as configured with the paths used', () => {
    const paths = ['/a.html', '/b.html', '/c.html'];
    const cost = previewCost(paths.length, 25, { freePathsPerMonth: 20, pricePerPathUsd: 0.005 });
    const need = approvalNeed(paths, cost, { mode: 'never', rootWildcard: false, pastFreeAllowance: true });
    const request = created({
      paths,
      cost,
      approval: { ...need, approvers: { users: ['U0LEAD'] }, selfApproval: false },
    });
    const card = said(request);
    expect(card).toContain("goes past this month's 20 free paths (25 used)");
    expect(card).toContain('3 billable, $0.02');
  });

  it('asks to confirm an Approve of /*, and lets Deny go straight to its reason form', () => {
    const request = created({ paths: ['/*'] });
    const actions = requestCard(request).blocks.find((block) => block.type === 'actions');
    const buttons = actions?.type === 'actions' ? actions.elements : [];
    const byAction = (id: string) => buttons.find((b) => 'action_id' in b && b.action_id === id);
    expect(byAction('invalidator.approve')).toHaveProperty('confirm');
    expect(byAction('invalidator.deny')).not.toHaveProperty('confirm');
    expect(drawn(request)).not.toContain('refuses a purge');
  });
});

import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../../src/core/policy.js';
import {
  applyChoice,
  CHOICE_TICK_MS,
  type Choice,
  cardChanged,
  cardPosted,
  cardRedrawn,
  countedDown,
  goAsIs,
  nextStep,
  type RequestIn,
  redrawLater,
} from '../../../src/core/request.js';
import { addMs } from '../../../src/core/schedule.js';
import {
  as,
  CARD,
  CHOICE_WAIT_MS,
  choosing,
  DECIDED,
  deployPaths,
  OPEN_POLICY,
  offering,
  POSTED,
  PRICING,
  TIMEOUT_MS,
  WILDCARD_POLICY,
} from './fixtures.js';

const ASSETS: Choice = { kind: 'wildcard', wildcard: '/assets/*' };

function apply(
  request: RequestIn<'awaiting_choice' | 'pending_approval'>,
  choice: Choice,
  policy: ApprovalPolicy = OPEN_POLICY,
) {
  return applyChoice(request, choice, {
    policy,
    pricing: PRICING,
    approvalTimeoutMs: TIMEOUT_MS,
    now: DECIDED,
  });
}

function applied(...args: Parameters<typeof apply>) {
  const result = apply(...args);
  if ('code' in result) throw new Error(`not offered: ${JSON.stringify(args[1])}`);
  return result;
}

describe('a request with cheaper forms waits for its requester', () => {
  it('offers /assets/* and the hashed files, and waits once its card is posted', () => {
    const request = offering(deployPaths());
    expect(request.offers).toEqual({
      wildcards: [{ wildcard: '/assets/*', replaces: 240, savesUsd: 1.195, needsApproval: false }],
      hashed: 240,
    });
    const posted = cardPosted(request, CARD, POSTED, TIMEOUT_MS).request;
    expect(posted).toMatchObject({
      status: 'awaiting_choice',
      choiceUntil: addMs(POSTED, CHOICE_WAIT_MS),
      countdownFrom: POSTED,
      dueAt: addMs(POSTED, CHOICE_TICK_MS),
    });
  });

  it('counts down in ticks, then goes as it is at the deadline', () => {
    let request = choosing();
    expect(nextStep(request, addMs(POSTED, CHOICE_TICK_MS)).kind).toBe('count_down');
    const tick = countedDown(request, addMs(POSTED, CHOICE_TICK_MS)).request;
    expect(cardChanged(request, tick)).toBe(true);
    request = countedDown(tick, addMs(POSTED, 2 * CHOICE_TICK_MS)).request;
    // The last tick is the deadline itself.
    expect(request.dueAt).toBe(request.choiceUntil);
    expect(nextStep(request, request.choiceUntil).kind).toBe('go_as_is');
    const gone = goAsIs(request, undefined, request.choiceUntil);
    expect(gone.request).toMatchObject({
      status: 'approved',
      decision: { by: 'policy' },
      dueAt: request.choiceUntil,
    });
    expect(gone.event).toMatchObject({
      type: 'approved',
      actor: 'policy',
      details: { choiceTimedOut: true },
    });
    expect(gone.request).not.toHaveProperty('choiceUntil');
  });

  it('goes at once when its requester says Submit as is', () => {
    const gone = goAsIs(choosing(), 'U0DEV', DECIDED);
    expect(gone.event).toMatchObject({ actor: 'U0DEV', details: { asIs: true } });
    expect(gone.request.paths).toHaveLength(242);
  });

  it('does not wait when there is nothing to choose, nor for a request that needs approval', () => {
    const plain = offering(['/index.html', '/docs/guide.html']);
    expect(plain.offers).toBeUndefined();
    expect(cardPosted(plain, CARD, POSTED, TIMEOUT_MS).request.status).toBe('approved');
    const approval = offering(deployPaths(), { policy: { ...OPEN_POLICY, abovePaths: 100 } });
    expect(approval.choiceWaitMs).toBeUndefined();
    expect(approval.offers?.wildcards).toHaveLength(1);
    expect(cardPosted(approval, CARD, POSTED, TIMEOUT_MS).request.status).toBe('pending_approval');
  });
});

describe('choosing a cheaper form', () => {
  it('replaces the paths by the wildcard, prices it again, records what it saved, and goes', () => {
    const request = choosing();
    const { request: after, event } = applied(request, ASSETS);
    expect(after.paths).toEqual(['/index.html', '/assets/*', '/docs/guide.html']);
    expect(after.cost).toMatchObject({ paths: 3, usedBefore: 1000, billable: 3, costUsd: 0.015 });
    expect(after).toMatchObject({ revision: 1, savings: { paths: 239, usd: 1.195 } });
    // Nothing more to offer: it goes as it is now.
    expect(after).toMatchObject({ status: 'awaiting_choice', choiceUntil: DECIDED, dueAt: DECIDED });
    expect(after.offers).toBeUndefined();
    expect(event).toMatchObject({
      type: 'changed',
      key: 'changed#1',
      actor: 'U0DEV',
      details: {
        choice: 'wildcard',
        wildcard: '/assets/*',
        pathsBefore: 242,
        pathsAfter: 3,
        savedUsd: 1.195,
      },
    });
  });

  it('asks for approval when the distribution wants it for wildcards, with a fresh timeout', () => {
    const { request: after } = applied(choosing(), ASSETS, WILDCARD_POLICY);
    expect(after).toMatchObject({
      status: 'pending_approval',
      expiresAt: addMs(DECIDED, TIMEOUT_MS),
      approval: { required: true, rules: [{ rule: 'wildcard', paths: ['/assets/*'] }] },
    });
    expect(after).not.toHaveProperty('choiceUntil');
  });

  it('drops the hashed files, keeps waiting while there is more to choose', () => {
    const paths = [...deployPaths(10), ...Array.from({ length: 6 }, (_, n) => `/img/photo-${n}.png`)];
    const request = choosing(paths);
    const { request: after } = applied(request, { kind: 'drop_hashed' });
    expect(after.paths).toEqual(['/index.html', '/docs/guide.html', ...paths.slice(12)]);
    expect(after.status).toBe('awaiting_choice');
    if (after.status !== 'awaiting_choice') return;
    // /img/* is still on offer: the deadline stands.
    expect(after.choiceUntil).toBe(request.choiceUntil);
    expect(after.offers?.wildcards.map((offer) => offer.wildcard)).toEqual(['/img/*']);
  });

  it('stays due when the worker draws its card (Lambda): a redraw keeps the countdown going', () => {
    const { request: after } = applied(choosing(), ASSETS);
    const stale = redrawLater({ request: after }, DECIDED).request;
    const redrawn = cardRedrawn(stale, DECIDED);
    expect(redrawn.dueAt).toBe(DECIDED);
    const waiting = choosing();
    const later = addMs(POSTED, 5_000);
    expect(cardRedrawn(redrawLater({ request: waiting }, later).request, later).dueAt).toBe(
      addMs(later, CHOICE_TICK_MS),
    );
  });

  it('refuses a choice the card does not offer (any more)', () => {
    const request = choosing();
    expect(apply(request, { kind: 'wildcard', wildcard: '/*' })).toMatchObject({ code: 'not_offered' });
    const { request: after } = applied(request, ASSETS);
    expect(apply(as('awaiting_choice', after), ASSETS)).toMatchObject({ code: 'not_offered' });
  });

  it('never drops every path: a request of hashed files alone is the requester’s to cancel', () => {
    const request = choosing(deployPaths(8).slice(1, 9));
    expect(request.offers?.hashed).toBe(8);
    expect(apply(request, { kind: 'drop_hashed' })).toMatchObject({ code: 'not_offered' });
  });

  it('lets a pending request go once its new paths need no approval, keeping budget findings', () => {
    const policy = { ...OPEN_POLICY, abovePaths: 100 };
    const pending = as(
      'pending_approval',
      cardPosted(offering(deployPaths(), { policy }), CARD, POSTED, TIMEOUT_MS).request,
    );
    const { request: after } = applied(pending, ASSETS, policy);
    expect(after).toMatchObject({
      status: 'awaiting_choice',
      choiceUntil: DECIDED,
      approval: { required: false },
    });
    const overBudget = {
      ...pending,
      approval: {
        ...pending.approval,
        rules: [...pending.approval.rules, { rule: 'over_budget' as const, usedAfter: 9, budget: 5 }],
      },
    };
    expect(applied(overBudget, ASSETS, policy).request).toMatchObject({
      status: 'pending_approval',
      revision: 1,
      expiresAt: pending.expiresAt,
      approval: { required: true, rules: [{ rule: 'over_budget', usedAfter: 9, budget: 5 }] },
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { InvalidationRequest } from '../../src/core/request.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';
import { sleep, until } from '../support/until.js';

/** `web` needs approval for wildcards; `docs` for nothing but the budget. Both have someone to approve. */
function budgetConfig(overrides: Record<string, unknown>): Record<string, unknown> {
  return testConfig({
    distributions: {
      web: {
        id: DISTRIBUTIONS.web,
        approval: 'wildcard',
        approvers: { usergroup: 'SONCALL001', users: [USERS.lead] },
      },
      docs: { id: DISTRIBUTIONS.docs, approval: 'never', approvers: { users: [USERS.lead] } },
    },
    ...overrides,
  });
}

interface Stored {
  request: InvalidationRequest;
  events: Array<{ type: string; details: Record<string, unknown> }>;
}

async function storedRequests(stack: Stack): Promise<Stored[]> {
  const items = await stack.plainItems();
  return items.filter((item) => String(item.pk).startsWith('REQ#')) as unknown as Stored[];
}

async function waitForRequests(stack: Stack, count: number, settled: (s: Stored) => boolean) {
  return until(async () => {
    const all = await storedRequests(stack);
    return all.length >= count && all.every(settled) ? all : undefined;
  });
}

const creates = (stack: Stack) => stack.cloudfront.calls.filter((call) => call.operation === 'create');
const onPaths = (all: Stored[], path: string) => all.find((s) => s.request.paths.includes(path));
const settledStatus = (s: Stored) => !['new', 'approved', 'queued'].includes(s.request.status);

async function monthCounter(stack: Stack) {
  const items = await stack.plainItems();
  const counter = items.find((item) => String(item.pk).startsWith('COUNTER#paths#'));
  return counter as { amount: number; committed?: number; open?: Set<string> } | undefined;
}

describe('a monthly budget under concurrent requests', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it('lets exactly the requests that fit go out without a person, and asks approval for the rest', async () => {
    stack = await startStack({ config: budgetConfig({ budget: { monthlyPaths: 10 } }) });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, 'docs /first/1.html /first/2.html /first/3.html /first/4.html');
    await stack.slack.waitFor(() => (creates(stack as Stack).length === 1 ? true : undefined));

    // 6 paths of the budget are left; 12 requests of one path arrive at once.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => slack.command(USERS.requester, `docs /burst/${i}.html`)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    const all = await waitForRequests(stack, 13, settledStatus);
    await sleep(1_000);
    expect(creates(stack)).toHaveLength(7);
    const burst = all.filter((s) => s.request.paths[0]?.startsWith('/burst/'));
    const waiting = burst.filter((s) => s.request.status === 'pending_approval');
    expect(waiting).toHaveLength(6);
    expect(burst.filter((s) => s.request.approval.required)).toHaveLength(6);
    for (const s of waiting) {
      expect(s.request.approval.rules).toEqual([{ rule: 'over_budget', usedAfter: 11, budget: 10 }]);
    }
    // Each request that went out saw its own place in line: 4 to 9 paths used before it.
    const wentOut = burst.filter((s) => !s.request.approval.required);
    expect(wentOut.map((s) => s.request.cost.usedBefore).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9]);

    // The card says approving overrides the budget, before the click (the Approve button's confirm too).
    const over = waiting[0] as Stored;
    const card = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => m.text.includes(over.request.id)),
    );
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain('Approving overrides the monthly budget of 10 paths');
    expect(blocks).toContain('Override the budget?');
    expect(blocks).toContain('this month goes to 11 paths, past the budget of 10');

    // The approver overrides it: the request goes out, and the approval records the override.
    await slack.click(USERS.lead, 'invalidator.approve', over.request.id);
    await stack.slack.waitFor(() => (creates(stack as Stack).length === 8 ? true : undefined));
    const approved = onPaths(await storedRequests(stack), over.request.paths[0] as string);
    const event = approved?.events.find((e) => e.type === 'approved');
    expect(event?.details).toMatchObject({ overBudget: true, usedAfter: 11, budgetPaths: 10 });
    await until(async () => {
      const counter = await monthCounter(stack as Stack);
      return counter?.committed === 11 ? counter : undefined;
    });
    // Counted once each: 10 that fitted and the one overridden, all submitted, none still open.
    const counter = await monthCounter(stack);
    expect(counter?.amount).toBe(11);
    expect(counter?.open).toBeUndefined();
  });

  it('gives a reservation back when its request is denied, cancelled or expires', async () => {
    // 9 seconds to decide.
    const config = budgetConfig({ budget: { monthlyPaths: 6 }, approvalTimeoutMinutes: 0.15 });
    stack = await startStack({ config });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    // Three requests needing approval for their wildcard hold 2 paths each: the whole budget.
    for (const name of ['deny', 'cancel', 'expire']) {
      await slack.command(USERS.requester, `web /${name}/* /${name}.html`);
    }
    const held = await waitForRequests(stack, 3, (s) => s.request.status === 'pending_approval');
    const byName = (name: string) => onPaths(held, `/${name}/*`)?.request.id as string;
    expect(held.every((s) => s.request.approval.rules.every((rule) => rule.rule === 'wildcard'))).toBe(true);

    // No room: a plain request waits for approval over the budget.
    await slack.command(USERS.requester, 'docs /none.html');
    const none = await until(async () => {
      const s = onPaths(await storedRequests(stack as Stack), '/none.html');
      return s && settledStatus(s) ? s : undefined;
    });
    expect(none.request.approval.rules.map((rule) => rule.rule)).toEqual(['over_budget']);

    const fitsAfter = async (path: string) => {
      await slack.command(USERS.requester, `docs ${path}/a.html ${path}/b.html`);
      const s = await until(async () => {
        const found = onPaths(await storedRequests(stack as Stack), `${path}/a.html`);
        return found && settledStatus(found) ? found : undefined;
      });
      return s?.request.approval.required;
    };
    await slack.submitDeny(USERS.lead, byName('deny'), 'not now');
    await until(async () =>
      onPaths(await storedRequests(stack as Stack), '/deny/*')?.request.status === 'denied'
        ? true
        : undefined,
    );
    expect(await fitsAfter('/after-deny')).toBe(false);

    await slack.click(USERS.requester, 'invalidator.cancel', byName('cancel'));
    await until(async () =>
      onPaths(await storedRequests(stack as Stack), '/cancel/*')?.request.status === 'cancelled'
        ? true
        : undefined,
    );
    expect(await fitsAfter('/after-cancel')).toBe(false);
    // Nothing else is free until the last one expires.
    expect(await fitsAfter('/too-soon')).toBe(true);

    await until(
      async () =>
        onPaths(await storedRequests(stack as Stack), '/expire/*')?.request.status === 'expired'
          ? true
          : undefined,
      15_000,
    );
    expect(await fitsAfter('/after-expiry')).toBe(false);
    const paths = creates(stack).flatMap((call) => call.paths ?? []);
    expect(paths.sort()).toEqual(
      ['/after-cancel/a.html', '/after-cancel/b.html', '/after-deny/a.html', '/after-deny/b.html']
        .concat(['/after-expiry/a.html', '/after-expiry/b.html'])
        .sort(),
    );
  });
});

describe('requester limits', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it('asks approval past a requester’s requests or paths per hour, worded on the card', async () => {
    const config = budgetConfig({ requesterLimits: { requestsPerHour: 3 } });
    const web = (config.distributions as Record<string, Record<string, unknown>>).web as Record<
      string,
      unknown
    >;
    web.requesterLimits = { pathsPerHour: 2 };
    stack = await startStack({ config });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => slack.command(USERS.requester, `docs /hourly/${i}.html`)),
    );
    // Another requester has an hour of their own.
    await slack.command(USERS.oncall2, 'docs /someone-else.html');
    const all = await waitForRequests(stack, 6, settledStatus);
    const mine = all.filter((s) => s.request.requester === USERS.requester);
    expect(mine.filter((s) => !s.request.approval.required)).toHaveLength(3);
    const limited = mine.filter((s) => s.request.approval.required);
    expect(limited).toHaveLength(2);
    for (const s of limited) {
      expect(s.request.approval.rules).toEqual([
        { rule: 'requester_limit', requests: 4, paths: 4, requestsPerHour: 3 },
      ]);
    }
    expect(onPaths(all, '/someone-else.html')?.request.approval.required).toBe(false);
    const card = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => m.text.includes((limited[0] as Stored).request.id)),
    );
    expect(JSON.stringify(card.blocks)).toContain(
      'the requester has made 4 requests of 4 paths this hour with this one, past their limit of 3 requests an hour',
    );

    // `web` overrides the limits: 2 paths an hour.
    await slack.command(USERS.lead, 'web /w/1.html /w/2.html /w/3.html');
    const overPaths = await until(async () => {
      const s = onPaths(await storedRequests(stack as Stack), '/w/1.html');
      return s && settledStatus(s) ? s : undefined;
    });
    expect(overPaths.request.approval.rules).toEqual([
      { rule: 'requester_limit', requests: 1, paths: 3, pathsPerHour: 2 },
    ]);
    await sleep(500);
    expect(creates(stack)).toHaveLength(4);
  });
});

describe('the budget and invalidations made outside the bot', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it('counts them, once, in the month the next requests reserve against', async () => {
    const config = budgetConfig({
      budget: { monthlyPaths: 5 },
      reconciliation: { enabled: true, intervalMinutes: 0.02 },
    });
    stack = await startStack({ config });
    stack.cloudfront.addExternal(DISTRIBUTIONS.docs, ['/from-ci/*', '/from-ci/index.html'], 'ci-4711');
    const bot = await stack.startBot();
    // Several reconciliation rounds pass (every 1.2 s here).
    await until(async () => ((await monthCounter(stack as Stack))?.committed === 2 ? true : undefined));
    await sleep(3_000);
    expect((await monthCounter(stack))?.amount).toBe(2);
    await stack.sender(bot).command(USERS.requester, 'docs /one.html /two.html /three.html /four.html');
    const request = await until(async () => {
      const s = onPaths(await storedRequests(stack as Stack), '/one.html');
      return s && settledStatus(s) ? s : undefined;
    });
    expect(request.request.approval.rules).toEqual([{ rule: 'over_budget', usedAfter: 6, budget: 5 }]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { InvalidationRequest } from '../../src/core/request.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';
import { sleep, until } from '../support/until.js';

/** `web` needs approval for wildcards; `docs` for nothing but a budget. Both have someone to approve. */
function budgetConfig(overrides: Record<string, unknown>, webBudget?: Record<string, unknown>) {
  return testConfig({
    distributions: {
      web: {
        id: DISTRIBUTIONS.web,
        approval: 'wildcard',
        approvers: { usergroup: 'SONCALL001', users: [USERS.lead] },
        ...(webBudget ? { budget: webBudget } : {}),
      },
      docs: { id: DISTRIBUTIONS.docs, approval: 'never', approvers: { users: [USERS.lead] } },
    },
    ...overrides,
  });
}

async function requests(stack: Stack): Promise<InvalidationRequest[]> {
  const items = await stack.plainItems();
  return items
    .filter((item) => String(item.pk).startsWith('REQ#'))
    .map((item) => (item as unknown as { request: InvalidationRequest }).request);
}

async function settled(stack: Stack, path: string): Promise<InvalidationRequest> {
  return until(async () => {
    const found = (await requests(stack)).find((r) => r.paths.includes(path));
    return found && !['new', 'approved', 'queued'].includes(found.status) ? found : undefined;
  });
}

const warnings = (stack: Stack, share: string) =>
  stack.slack.messages.filter((m) => m.thread_ts && m.text.includes(`past ${share} of its budget`));

async function usage(stack: Stack, slack: ReturnType<Stack['sender']>): Promise<string> {
  const before = stack.slack.responses.length;
  await slack.command(USERS.requester, 'usage');
  return JSON.stringify((await stack.slack.waitFor(() => stack.slack.responses[before])).body);
}

describe('budgets people use, through the running bot', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it('warns in the thread at 50% and 80% once each, refuses past a refusing budget with the figures, and draws the bar', async () => {
    stack = await startStack({ config: budgetConfig({ budget: { monthlyPaths: 10, onExceed: 'refuse' } }) });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);

    // 0 → 5 crosses 50%, by a request that waits for approval (a wildcard on web) and is then denied.
    await slack.command(USERS.requester, 'web /x/* /y/1.html /y/2.html /y/3.html /y/4.html');
    const denied = await settled(stack, '/x/*');
    await stack.slack.waitFor(() => warnings(stack as Stack, '50%')[0]);
    await slack.submitDeny(USERS.lead, denied.id, 'not now');
    await until(async () => ((await settled(stack as Stack, '/x/*')).status === 'denied' ? true : undefined));
    // Its paths went back: 0 → 5 crosses 50% again, and the month's warning is not repeated.
    // 5 → 8 crosses 80%; 8 → 9 crosses nothing.
    await slack.command(USERS.requester, 'docs /a/1.html /a/2.html /a/3.html /a/4.html /a/5.html');
    await settled(stack, '/a/1.html');
    await slack.command(USERS.requester, 'docs /b/1.html /b/2.html /b/3.html');
    await stack.slack.waitFor(() => warnings(stack as Stack, '80%')[0]);
    await slack.command(USERS.requester, 'docs /c/1.html');
    await settled(stack, '/c/1.html');
    await sleep(500);
    expect(warnings(stack, '50%')).toHaveLength(1);
    expect(warnings(stack, '80%')).toHaveLength(1);
    expect(warnings(stack, '80%')[0]?.text).toContain(
      "This request takes the account's month past 80% of its budget in paths: ▇▇▇▇▇▇▇▇▁▁ 80% · 8 of 10 paths.",
    );
    const card = stack.slack.messages.find((m) => !m.thread_ts && m.text.includes(denied.id));
    expect(warnings(stack, '50%')[0]?.thread_ts).toBe(card?.ts);

    // 2 more paths would make 11 of 10: refused at once, with the figures; nothing recorded but the refusal.
    const cardsBefore = stack.slack.messages.filter((m) => !m.thread_ts).length;
    const answer = await slack.command(USERS.requester, 'docs /d/1.html /d/2.html');
    expect(JSON.stringify(answer.json())).toContain(
      "This would bring the account's month to 11 paths, past its budget of 10 paths. Used so far: 9 of 10 paths. Ask for fewer paths, or ask the platform team to raise `budget.monthlyPaths`.",
    );
    await sleep(500);
    expect((await requests(stack)).some((r) => r.paths.includes('/d/1.html'))).toBe(false);
    expect(stack.slack.messages.filter((m) => !m.thread_ts)).toHaveLength(cardsBefore);
    const refusals = (await stack.plainItems()).filter((item) => String(item.pk).startsWith('REFUSAL#'));
    expect(refusals.map((item) => (item.refusal as { code: string }).code)).toEqual(['over_budget']);
    // What it reserved went back: one more path still fits.
    await slack.command(USERS.requester, 'docs /e/1.html');
    expect((await settled(stack, '/e/1.html')).approval.required).toBe(false);

    expect(await usage(stack, slack)).toContain('Budget (paths): ▇▇▇▇▇▇▇▇▇▇ 100% · 10 of 10 paths');
  });

  it("asks approval past a distribution's own budget, saying whose and which figure, and shows its bar", async () => {
    const config = budgetConfig({}, { monthlyPaths: 4, monthlyUsd: 1 });
    stack = await startStack({ config });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, 'web /w/1.html /w/2.html /w/3.html');
    expect((await settled(stack, '/w/1.html')).approval.required).toBe(false);
    // `docs` has no budget of its own: its paths do not count in web's.
    await slack.command(USERS.requester, 'docs /d/1.html /d/2.html');
    expect((await settled(stack, '/d/1.html')).approval.required).toBe(false);
    await slack.command(USERS.requester, 'web /w/4.html /w/5.html');
    const over = await settled(stack, '/w/4.html');
    expect(over.status).toBe('pending_approval');
    expect(over.approval.rules).toEqual([
      { rule: 'over_budget', usedAfter: 5, budget: 4, distribution: 'web' },
    ]);
    const card = await stack.slack.waitFor(() =>
      stack?.slack.messages.find((m) => !m.thread_ts && m.text.includes(over.id)),
    );
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain("it takes `web`'s month to 5 paths, past its budget of 4 paths");
    expect(blocks).toContain("Approving overrides `web`'s monthly budget of 4 paths");

    await slack.click(USERS.lead, 'invalidator.approve', over.id);
    await until(async () => {
      const items = await stack?.plainItems();
      const stored = items?.find((item) => item.pk === `REQ#${over.id}`) as
        | { events?: Array<{ type: string; details: Record<string, unknown> }> }
        | undefined;
      return stored?.events?.find((e) => e.type === 'approved');
    }).then((event) =>
      expect(event.details).toMatchObject({
        overBudget: true,
        distributionUsedAfter: 5,
        distributionBudgetLimit: 4,
        budgetDistribution: 'web',
      }),
    );
    const shown = await until(async () => {
      const text = await usage(stack as Stack, slack);
      return text.includes('5 of 4 paths') ? text : undefined;
    });
    expect(shown).toContain('Budget of `web` (paths): ▇▇▇▇▇▇▇▇▇▇ 125% · 5 of 4 paths');
    expect(shown).toContain('Budget of `web` (USD): ▁▁▁▁▁▁▁▁▁▁ 0% · $0.00 of $1.00');
  });
});

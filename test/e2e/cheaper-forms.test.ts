import { afterEach, describe, expect, it } from 'vitest';
import type { InvalidationRequest } from '../../src/core/request.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';
import { sleep, until } from '../support/until.js';

/**
 * Cheaper forms through the running bot: the card offers a wildcard and dropping hashed files, the request
 * waits for its requester's choice, and CloudFront gets what was chosen (or everything, as it was).
 */

const HASHED = Array.from({ length: 12 }, (_, n) => `/assets/app.${(0x3f9a1c2e + n).toString(16)}.js`);
const DEPLOY = ['/index.html', ...HASHED, '/img/a.png', '/img/b.png'];

interface Stored {
  request: InvalidationRequest;
  events: Array<{ type: string; actor?: string; details: Record<string, unknown> }>;
}

/** Every path billable, so a wildcard saves money; `docs` needs no approval, `web` wants it for wildcards. */
function config(overrides: Record<string, unknown> = {}) {
  return testConfig({ cost: { freePathsPerMonth: 0, pricePerPathUsd: 0.005 }, ...overrides });
}

const creates = (stack: Stack) => stack.cloudfront.calls.filter((call) => call.operation === 'create');

async function stored(stack: Stack): Promise<Stored> {
  const items = await stack.plainItems();
  const found = items.find((item) => String(item.pk).startsWith('REQ#')) as unknown as Stored | undefined;
  if (!found) throw new Error('no request recorded');
  return found;
}

async function inStatus(stack: Stack, status: InvalidationRequest['status']): Promise<Stored> {
  return until(async () => {
    const s = await stored(stack).catch(() => undefined);
    return s?.request.status === status ? s : undefined;
  });
}

/** The card of the request as last drawn, its blocks as JSON. */
async function cardOf(stack: Stack, id: string, contains: string): Promise<string> {
  return until(async () => {
    const card = stack.slack.messages.find((m) => m.text.includes(id) && !m.thread_ts);
    const blocks = card ? JSON.stringify(card.blocks) : '';
    return blocks.includes(contains) ? blocks : undefined;
  });
}

/** The value of the button `text` on the card (its JSON escaped once more inside the blocks' JSON). */
function buttonValue(blocks: string, text: string): string {
  const parsed = JSON.parse(blocks) as Array<{
    elements?: Array<{ text?: { text: string }; value?: string }>;
  }>;
  for (const block of parsed)
    for (const element of block.elements ?? []) if (element.text?.text === text) return element.value ?? '';
  throw new Error(`no button ${text}`);
}

describe('cheaper forms on the card', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it('waits for the requester, who takes /assets/*: CloudFront gets the wildcard, the month holds 4 paths', async () => {
    stack = await startStack({ config: config() });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    const answer = await slack.command(USERS.requester, `docs ${DEPLOY.join(' ')}`);
    expect(answer.status).toBe(200);
    const waiting = await inStatus(stack, 'awaiting_choice');
    // The card as drawn once the request waits (its first draw, while still new, has no countdown yet).
    const card = await cardOf(stack, waiting.request.id, 'goes to CloudFront as it is');
    expect(card).toContain('`/assets/*`: 1 path instead of 12, saves $0.06 this month');
    expect(card).toContain('12 files carry a content hash in their names');
    expect(card).toContain('Drop hashed files');
    expect(card).toContain('Submit as is');
    expect(card).toContain("Waiting for the requester's choice");
    expect(card).toMatch(/goes to CloudFront as it is <!date\^\d+\^at \{time_secs\}/);
    expect(creates(stack)).toHaveLength(0);

    // Someone else's click changes nothing, is told why, and is recorded.
    const value = buttonValue(card, 'Use /assets/*');
    await slack.click(USERS.outsider, 'invalidator.use_wildcard.0', value);
    const refusal = await stack.slack.waitFor(() =>
      stack?.slack.responses.find((r) => JSON.stringify(r.body).includes('can choose how')),
    );
    expect(JSON.stringify(refusal.body)).toContain(`Only <@${USERS.requester}> can choose`);

    await slack.click(USERS.requester, 'invalidator.use_wildcard.0', value);
    await stack.slack.waitFor(() => (creates(stack as Stack).length === 1 ? true : undefined));
    expect(creates(stack)[0]?.paths).toEqual(['/index.html', '/assets/*', '/img/a.png', '/img/b.png']);
    const done = await inStatus(stack, 'completed');
    expect(done.request).toMatchObject({ revision: 1, savings: { paths: 11, usd: 0.055 } });
    expect(done.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['requested', 'refused', 'changed', 'approved', 'submitted', 'completed']),
    );
    expect(done.events.find((e) => e.type === 'refused')?.details).toMatchObject({ action: 'choose' });
    // The month holds what was submitted, not what was first asked for.
    const counter = await until(async () => {
      const items = await stack?.plainItems();
      const c = items?.find((item) => String(item.pk).startsWith('COUNTER#paths#')) as
        | { amount: number; committed?: number }
        | undefined;
      return c?.committed === 4 ? c : undefined;
    });
    expect(counter.amount).toBe(4);
    // A second click finds nothing left to choose.
    await slack.click(USERS.requester, 'invalidator.use_wildcard.0', value);
    await stack.slack.waitFor(() =>
      stack?.slack.responses.find((r) => JSON.stringify(r.body).includes('no longer waits for your choice')),
    );
    expect(creates(stack)).toHaveLength(1);
  });

  it('goes as it is when nobody chooses in time, and at once on Submit as is', async () => {
    stack = await startStack({ config: config({ suggestionWaitSeconds: 2 }) });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, `docs ${DEPLOY.join(' ')}`);
    await stack.slack.waitFor(() => (creates(stack as Stack).length === 1 ? true : undefined), 10_000);
    expect(creates(stack)[0]?.paths).toHaveLength(DEPLOY.length);
    const gone = await inStatus(stack, 'completed');
    const approval = gone.events.find((e) => e.type === 'approved');
    expect(approval).toMatchObject({ actor: 'policy', details: { choiceTimedOut: true } });
    // Waited its 2 seconds first.
    const waited =
      Date.parse(gone.request.status === 'completed' ? gone.request.submittedAt : '') -
      Date.parse(gone.request.createdAt);
    expect(waited).toBeGreaterThanOrEqual(2_000);
  });

  it('submits as it is on the requester’s word, long before the countdown ends', async () => {
    stack = await startStack({ config: config({ suggestionWaitSeconds: 600 }) });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, `docs ${DEPLOY.join(' ')}`);
    const waiting = await inStatus(stack, 'awaiting_choice');
    await cardOf(stack, waiting.request.id, 'Submit as is');
    await slack.click(USERS.requester, 'invalidator.submit_as_is', waiting.request.id);
    await stack.slack.waitFor(() => (creates(stack as Stack).length === 1 ? true : undefined));
    expect(creates(stack)[0]?.paths).toHaveLength(DEPLOY.length);
    const done = await inStatus(stack, 'completed');
    expect(done.events.find((e) => e.type === 'approved')).toMatchObject({
      actor: USERS.requester,
      details: { asIs: true },
    });
  });

  it('drops the hashed files', async () => {
    stack = await startStack({ config: config({ suggestionWaitSeconds: 600 }) });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);
    await slack.command(USERS.requester, `docs ${DEPLOY.join(' ')}`);
    const waiting = await inStatus(stack, 'awaiting_choice');
    const card = await cardOf(stack, waiting.request.id, 'Drop hashed files');
    await slack.click(USERS.requester, 'invalidator.drop_hashed', buttonValue(card, 'Drop hashed files'));
    await stack.slack.waitFor(() => (creates(stack as Stack).length === 1 ? true : undefined));
    expect(creates(stack)[0]?.paths).toEqual(['/index.html', '/img/a.png', '/img/b.png']);
  });

  it('a wildcard chosen on `web` needs approval; an approval clicked on the older card is refused', async () => {
    // Over approvalAbovePaths on `web`: approval is needed, and the offer shows while it waits.
    const web = config({
      distributions: {
        web: {
          id: DISTRIBUTIONS.web,
          approval: 'wildcard',
          approvalAbovePaths: 10,
          approvers: { usergroup: 'SONCALL001', users: [USERS.lead] },
        },
      },
    });
    stack = await startStack({ config: web });
    const sender = stack.sender(await stack.startBot());
    await sender.command(USERS.requester, `web ${DEPLOY.join(' ')}`);
    const pending = await inStatus(stack, 'pending_approval');
    const card = await cardOf(stack, pending.request.id, 'Use /assets/*');
    expect(card).toContain('(then it needs approval)');
    expect(buttonValue(card, 'Approve')).toBe(pending.request.id);

    await sender.click(USERS.requester, 'invalidator.use_wildcard.0', buttonValue(card, 'Use /assets/*'));
    const changed = await until(async () => {
      const s = await stored(stack as Stack);
      return s.request.revision === 1 ? s : undefined;
    });
    expect(changed.request).toMatchObject({
      status: 'pending_approval',
      approval: { required: true, rules: [{ rule: 'wildcard', paths: ['/assets/*'] }] },
    });
    // The approver clicks Approve on the card as it was before the change: refused, nothing submitted.
    await sender.click(USERS.lead, 'invalidator.approve', pending.request.id);
    await stack.slack.waitFor(() =>
      stack?.slack.responses.find((r) => JSON.stringify(r.body).includes('changed the paths')),
    );
    await sleep(500);
    expect(creates(stack)).toHaveLength(0);
    // On the card as redrawn, the approval goes through with the wildcard.
    const redrawn = await cardOf(stack, pending.request.id, `${pending.request.id}@1`);
    await sender.click(USERS.lead, 'invalidator.approve', buttonValue(redrawn, 'Approve'));
    await stack.slack.waitFor(() => (creates(stack as Stack).length === 1 ? true : undefined));
    expect(creates(stack)[0]?.paths).toEqual(['/index.html', '/assets/*', '/img/a.png', '/img/b.png']);
  });
});

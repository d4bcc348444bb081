import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackRuntime } from '../../src/adapters/slack/app.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import { composeServices } from '../../src/compose/services.js';
import { previewCost } from '../../src/core/cost.js';
import { cardPosted, createRequest, type RequestIn } from '../../src/core/request.js';
import { loadConfig } from '../../src/entrypoints/load-config.js';
import { newSlackLane, runDueWork } from '../../src/usecases/run-due-work.js';
import { submitInTurn } from '../../src/usecases/submit.js';
import { DISTRIBUTIONS, type Stack, startStack, USERS } from '../support/stack.js';

/** Slack's answer to each chat.update comes this late: well inside the client's timeout, far above a submission. */
const SLOW_UPDATE_MS = 2_000;

describe('due work composed in process, with Slack slow', () => {
  let stack: Stack;
  let runtime: Awaited<ReturnType<typeof composeServices>>;

  beforeAll(async () => {
    stack = await startStack();
    // The SDK clients read their endpoints and credentials from the environment, as in a bot process.
    Object.assign(process.env, stack.env);
    // The bot's own adapters and use cases, composed in this process: no work loop and no Slack listener run.
    const config = await loadConfig({
      ...stack.env,
      INVALIDATOR_CONFIG: join(stack.cwd, 'invalidator.config.yml'),
    });
    const logger = createLogger({ level: 'error', secrets: [stack.botToken] });
    const slack = createSlackRuntime(config.slack, logger, async () => true);
    runtime = await composeServices(
      config,
      logger,
      { client: slack.app.client, postClient: slack.postClient },
      () => {},
    );
  });
  afterAll(async () => {
    await runtime?.close();
    await stack?.close();
  });

  /** A request for `docs` with its card in the channel, approved by the policy and due for submission. */
  async function approved(n: number): Promise<RequestIn<'approved'>> {
    const { services } = runtime;
    const made = createRequest({
      id: `INV-ROUND00000${n}`,
      distribution: { alias: 'docs', id: DISTRIBUTIONS.docs },
      paths: [`/round/${n}.html`],
      requester: USERS.requester,
      channel: 'C0123DEPLOY',
      createdAt: new Date(Date.now() - 1_000 + n).toISOString(),
      approval: { required: false, rules: [], approvers: { users: [] }, selfApproval: false },
      cost: previewCost(1, 0, services.policy.cost),
    });
    await services.requests.create(made);
    const posted = await services.cards.post(made.request, { lookFirst: false });
    if (!posted.ok) throw new Error(`the card was not posted: ${posted.error}`);
    const transition = cardPosted(made.request, posted.card, new Date().toISOString(), 60_000);
    expect(await services.requests.save(transition)).toBe(true);
    return transition.request as RequestIn<'approved'>;
  }

  it('makes every CreateInvalidation and returns before the first card redraw answers, then redraws every card', async () => {
    const requests = [await approved(1), await approved(2), await approved(3)];
    stack.slack.inject({ method: 'chat.update', delayMs: SLOW_UPDATE_MS, times: Infinity });
    const started = Date.now();
    const slackLane = newSlackLane(runtime.services);
    await submitInTurn(runtime.services, requests, slackLane);
    // The round is over; the redraws are still waiting for Slack, in the Slack lane.
    expect(Date.now() - started).toBeLessThan(SLOW_UPDATE_MS);
    expect(stack.cloudfront.createdCount()).toBe(3);
    const creates = stack.cloudfront.calls.filter((call) => call.operation === 'create');
    expect(creates.map((call) => call.callerReference)).toEqual(requests.map((r) => `${r.id}`));
    for (const request of requests) expect(slackLane.holds(request.id)).toBe(true);
    await slackLane.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_UPDATE_MS);
    stack.slack.clearFaults();
    for (const request of requests) {
      const stored = await runtime.services.requests.get(request.id);
      expect(stored?.request.status).toBe('in_progress');
      const card = stack.slack.messages.find((m) => m.ts === request.card?.ts);
      expect(JSON.stringify(card?.blocks)).toContain('In progress');
    }
    // The first was alone in flight on the distribution: it polls itself, and the others share a poll.
    const pollsItself = await Promise.all(
      requests.map(async (r) => (await runtime.services.requests.get(r.id))?.request),
    );
    expect(pollsItself.map((r) => r?.status === 'in_progress' && r.pollsItself === true)).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('claims a due request whose delivery still waits here, so it leaves the head of the due work, and leaves its delivery to that one', async () => {
    const { services } = runtime;
    // A request whose card was never posted: due for its card 15 s after it was made, so due now.
    const made = createRequest({
      id: 'INV-HELD00000001',
      distribution: { alias: 'docs', id: DISTRIBUTIONS.docs },
      paths: ['/held/1.html'],
      requester: USERS.requester,
      channel: 'C0123DEPLOY',
      createdAt: new Date(Date.now() - 60_000).toISOString(),
      approval: { required: false, rules: [], approvers: { users: [] }, selfApproval: false },
      cost: previewCost(1, 0, services.policy.cost),
    });
    await services.requests.create(made);
    const dueIds = async () =>
      (await services.work.due(services.clock.now(), 100)).flatMap((work) =>
        work.kind === 'request' ? [work.request.id] : [],
      );
    expect(await dueIds()).toContain(made.request.id);
    const slackLane = newSlackLane(services);
    let release = () => {};
    slackLane.add(made.request.id, () => new Promise<void>((resolve) => (release = resolve)));
    await runDueWork(services, slackLane);
    expect(await dueIds()).not.toContain(made.request.id);
    release();
    await slackLane.idle();
    const cards = stack.slack
      .callsTo('chat.postMessage')
      .filter((call) => JSON.stringify(call).includes('/held/1.html'));
    expect(cards).toHaveLength(0);
  });
});

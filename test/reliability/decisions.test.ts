import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSigned, type SlackAnswer } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack } from '../support/stack.js';
import {
  APPROVE,
  CANCEL,
  cardsByRequest,
  clickBody,
  decisionsOf,
  denialBody,
  eventually,
  type RequestRecord,
  requestRecords,
  responseText,
  signedRequests,
  sleep,
} from './records.js';
import { RELIABILITY_COMMAND, reportFigures, size } from './scale.js';

const APPROVERS = Array.from({ length: size(20, 50) }, (_, i) => `UAPPR${String(i).padStart(5, '0')}`);
const RACES = size(5, 20);
const REMINDER_RACES = size(3, 8);
const REQUESTER = 'UREQUEST01';
const GROUP = 'SAPPROVER1';
const WEB = DISTRIBUTIONS.web;
/** Approvals expire this soon in the expiry races (6 seconds; the reminder goes out after 3). */
const SHORT_TIMEOUT_MINUTES = 0.1;
/** Clicks in an expiry race land between this long before the request expires… */
const BEFORE_EXPIRY_MS = 200;
/** …and this long after it (more after than before, so that expiry wins some races). */
const AFTER_EXPIRY_MS = 400;

function config(approvalTimeoutMinutes = 30) {
  return {
    distributions: { web: { id: WEB, approval: 'always', approvers: { usergroup: GROUP } } },
    polling: { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 },
    workLeaseSeconds: 2,
    approvalTimeoutMinutes,
    // With short timeouts every click asks Slack for the group's members, so a slow answer can hold a click.
    usergroupCacheSeconds: approvalTimeoutMinutes < 1 ? 0 : 60,
  };
}

type ClickKind = 'approve' | 'deny' | 'cancel';

/** One person's click in a race, prepared ahead so that all of a race's clicks leave at the same instant. */
interface Click {
  user: string;
  kind: ClickKind;
  /** the response_url id of a button click (a denial form is answered in its HTTP response) */
  responseId: string;
  body: string;
  /** delay before sending, relative to the race's start */
  delayMs: number;
  answer?: SlackAnswer;
}

const EVENT_OF: Record<ClickKind, string> = { approve: 'approved', deny: 'denied', cancel: 'cancelled' };

/** How the loser of a race must be told who decided (the words of messages.ts). */
function loserWords(id: string, decision: { type: string; actor?: string }): string {
  switch (decision.type) {
    case 'approved':
      return `Too late: <@${decision.actor}> already approved ${id}`;
    case 'denied':
      return `Too late: <@${decision.actor}> already denied ${id}`;
    case 'cancelled':
      return `<@${decision.actor}> already cancelled ${id}`;
    default:
      return `${id} expired`;
  }
}

interface Tally {
  requests: number;
  clicks: number;
  outcomes: Record<string, number>;
  losersTold: number;
  creates: number;
}

const newTally = (): Tally => ({ requests: 0, clicks: 0, outcomes: {}, losersTold: 0, creates: 0 });

describe('decisions: one decision per request however the clicks race', () => {
  const figures: string[] = [];

  function tallyRow(name: string, tally: Tally): string {
    const outcomes = Object.entries(tally.outcomes)
      .sort()
      .map(([outcome, count]) => `${count} ${outcome}`)
      .join(', ');
    const approved = tally.outcomes.approved ?? 0;
    return `| ${name} | ${tally.requests} | ${tally.clicks} | ${outcomes} | ${tally.losersTold} of ${tally.clicks - (tally.requests - (tally.outcomes.expired ?? 0))} | ${tally.creates} (approved: ${approved}) |`;
  }

  /** Starts a stack whose approvers are a user group of APPROVERS.length members, and one bot. */
  async function startWith(approvalTimeoutMinutes?: number): Promise<{ stack: Stack; bot: BotProcess }> {
    const stack = await startStack({ config: config(approvalTimeoutMinutes) });
    stack.slack.setUserGroup(GROUP, [...APPROVERS]);
    return { stack, bot: await stack.startBot() };
  }

  /** Makes a request waiting for approval; resolves with its id and when it expires. */
  async function pendingRequest(stack: Stack, bot: BotProcess, label: string) {
    const answer = await signedRequests(stack).command(
      bot,
      REQUESTER,
      `web /decide/${label}.html`,
      `open-${label}`,
    );
    expect(answer.status).toBe(200);
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find(
        (m) => !m.thread_ts && JSON.stringify(m.blocks).includes(`/decide/${label}.html`),
      ),
    );
    const id = requestIdOf(card.text);
    const record = await eventually(
      async () => {
        const found = (await requestRecords(stack)).get(id);
        return found?.status === 'pending_approval' ? found : undefined;
      },
      10_000,
      () => `${id} waiting for approval`,
      50,
    );
    return {
      id,
      expiresAt: Date.parse(String(record.request.expiresAt)),
      remindAt: Date.parse(String(record.request.remindAt)),
    };
  }

  function prepare(stack: Stack, id: string, user: string, kind: ClickKind, delayMs = 0): Click {
    const responseId = `${id}-${kind}-${user}`;
    const body =
      kind === 'deny'
        ? denialBody(user, id, `race ${responseId}`)
        : clickBody(stack, user, kind === 'approve' ? APPROVE : CANCEL, id, responseId);
    return { user, kind, responseId, body, delayMs };
  }

  /** Sends every click of a race, each after its delay, all started together. */
  async function race(stack: Stack, bot: BotProcess, clicks: Click[]): Promise<void> {
    await Promise.all(
      clicks.map(async (click) => {
        if (click.delayMs > 0) await sleep(click.delayMs);
        click.answer = await postSigned(bot.url, stack.secret, click.body);
        expect(click.answer.status).toBe(200);
      }),
    );
  }

  /** Waits until the request is decided for good (an approved one: completed at CloudFront). */
  async function settled(stack: Stack, id: string): Promise<RequestRecord> {
    return eventually(
      async () => {
        const record = (await requestRecords(stack)).get(id);
        return record && ['completed', 'denied', 'cancelled', 'expired'].includes(record.status)
          ? record
          : undefined;
      },
      30_000,
      () => `${id} decided and settled`,
    );
  }

  /**
   * Checks one race: exactly one decision recorded, every other clicker told who decided (the winner told
   * nothing), at most one CreateInvalidation (none unless approved). Returns the decision.
   */
  async function checkRace(stack: Stack, id: string, clicks: Click[], tally: Tally) {
    const record = await settled(stack, id);
    const decisions = decisionsOf(record);
    expect(decisions, `${id}: ${JSON.stringify(record.events)}`).toHaveLength(1);
    const [decision] = decisions;
    if (!decision) throw new Error('unreachable');
    expect(record.status).toBe(decision.type === 'approved' ? 'completed' : decision.type);
    const winner = clicks.find(
      (click) => click.user === decision.actor && EVENT_OF[click.kind] === decision.type,
    );
    if (decision.type === 'expired') expect(winner).toBeUndefined();
    else
      expect(
        winner,
        `${id}: the decision ${decision.type} by ${decision.actor} came from a click`,
      ).toBeDefined();

    const words = loserWords(id, decision);
    const losers = clicks.filter((click) => click !== winner);
    for (const loser of losers) {
      const told =
        loser.kind === 'deny'
          ? loser.answer?.text
          : await stack.slack.waitFor(() => responseText(stack, loser.responseId), 10_000);
      expect(told, `${loser.kind} by ${loser.user} on ${id}`).toContain(words);
      tally.losersTold += 1;
    }
    if (winner?.kind === 'deny') expect(winner.answer?.text ?? '').not.toContain('response_action');
    // Answers to losers are sent after their acknowledgement; by now every one has arrived. The winner's
    // click is answered by the card itself, never by a message of its own.
    await sleep(200);
    if (winner && winner.kind !== 'deny') expect(responseText(stack, winner.responseId)).toBeUndefined();

    const creates = stack.cloudfront.calls.filter(
      (c) => c.operation === 'create' && c.callerReference === id,
    );
    expect(creates).toHaveLength(decision.type === 'approved' ? 1 : 0);
    expect(stack.cloudfront.calls.filter((c) => c.callerReference?.startsWith(id))).toHaveLength(
      creates.length,
    );
    const cards = cardsByRequest(stack).get(id) ?? [];
    expect(cards).toHaveLength(1);

    tally.requests += 1;
    tally.clicks += clicks.length;
    tally.outcomes[decision.type] = (tally.outcomes[decision.type] ?? 0) + 1;
    tally.creates += creates.length;
    return { decision, record };
  }

  describe('with the default approval timeout', () => {
    let stack: Stack;
    let bot: BotProcess;

    beforeAll(async () => {
      ({ stack, bot } = await startWith());
    });
    afterAll(async () => {
      if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.slice(-40).join('\n'));
      await stack?.close();
    });

    it(`records one approval and makes one CreateInvalidation when ${APPROVERS.length} approvers click Approve at once`, async () => {
      const tally = newTally();
      const { id } = await pendingRequest(stack, bot, 'everyone');
      const clicks = APPROVERS.map((user) => prepare(stack, id, user, 'approve'));
      await race(stack, bot, clicks);
      const { decision } = await checkRace(stack, id, clicks, tally);
      expect(decision.type).toBe('approved');
      const [card] = cardsByRequest(stack).get(id) ?? [];
      expect(JSON.stringify(card?.blocks)).toContain(`Approved by <@${decision.actor}>`);
      figures.push(tallyRow(`${APPROVERS.length} approvers click Approve at once`, tally));
    });

    it(`lets exactly one of Approve and Deny win on each of ${RACES} requests, and tells the other`, async () => {
      const tally = newTally();
      for (let n = 0; n < RACES; n++) {
        const { id } = await pendingRequest(stack, bot, `approve-deny-${n}`);
        const [approver, denier] = [
          APPROVERS[n % APPROVERS.length] ?? '',
          APPROVERS[(n + 1) % APPROVERS.length] ?? '',
        ];
        // Which one leaves first alternates; both are in flight together.
        const clicks =
          n % 2 === 0
            ? [prepare(stack, id, approver, 'approve'), prepare(stack, id, denier, 'deny')]
            : [prepare(stack, id, denier, 'deny'), prepare(stack, id, approver, 'approve')];
        await race(stack, bot, clicks);
        await checkRace(stack, id, clicks, tally);
      }
      expect(tally.requests).toBe(RACES);
      figures.push(tallyRow('Approve races Deny', tally));
    });

    it(`lets exactly one of Cancel and Approve win on each of ${RACES} requests, and tells the other`, async () => {
      const tally = newTally();
      for (let n = 0; n < RACES; n++) {
        const { id } = await pendingRequest(stack, bot, `cancel-approve-${n}`);
        const approver = APPROVERS[n % APPROVERS.length] ?? '';
        const clicks =
          n % 2 === 0
            ? [prepare(stack, id, REQUESTER, 'cancel'), prepare(stack, id, approver, 'approve')]
            : [prepare(stack, id, approver, 'approve'), prepare(stack, id, REQUESTER, 'cancel')];
        await race(stack, bot, clicks);
        await checkRace(stack, id, clicks, tally);
      }
      expect(tally.requests).toBe(RACES);
      figures.push(tallyRow('Cancel (requester) races Approve', tally));
    });
  });

  describe('with a short approval timeout', () => {
    let stack: Stack;
    let bot: BotProcess;

    beforeAll(async () => {
      ({ stack, bot } = await startWith(SHORT_TIMEOUT_MINUTES));
    });
    afterAll(async () => {
      if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.slice(-40).join('\n'));
      await stack?.close();
    });

    it(`records an approval whose check outlasts the reminder being sent, on each of ${REMINDER_RACES} requests`, async () => {
      const tally = newTally();
      for (let n = 0; n < REMINDER_RACES; n++) {
        const { id, remindAt } = await pendingRequest(stack, bot, `reminder-${n}`);
        await sleep(Math.max(0, remindAt - 500 - Date.now()));
        // Slack takes 1.5 s to list the group: the click read the request before the reminder went out,
        // and decides after it did.
        stack.slack.inject({ method: 'usergroups.users.list', delayMs: 1_500, times: 1 });
        const clicks = [prepare(stack, id, APPROVERS[n % APPROVERS.length] ?? '', 'approve')];
        await race(stack, bot, clicks);
        const { decision, record } = await checkRace(stack, id, clicks, tally);
        expect(decision.type).toBe('approved');
        expect(record.events.filter((event) => event.type === 'reminder_sent')).toHaveLength(1);
      }
      figures.push(
        tallyRow('Approve whose approver check (a slow Slack group lookup) outlasts the reminder', tally),
      );
    });

    it(`records exactly one outcome on each of ${RACES} requests whose clicks race their expiry, none after it`, async () => {
      const tally = newTally();
      const offsets: number[] = [];
      // The requests are opened a little apart and raced side by side, each at its own expiry time.
      const races = Array.from({ length: RACES }, async (_, n) => {
        await sleep(n * 300);
        const { id, expiresAt } = await pendingRequest(stack, bot, `expiry-${n}`);
        const at = (user: string, kind: ClickKind) => {
          const offset = Math.round(Math.random() * (BEFORE_EXPIRY_MS + AFTER_EXPIRY_MS) - BEFORE_EXPIRY_MS);
          offsets.push(offset);
          return prepare(stack, id, user, kind, Math.max(0, expiresAt + offset - Date.now()));
        };
        const approvers = [
          APPROVERS[(2 * n) % APPROVERS.length] ?? '',
          APPROVERS[(2 * n + 1) % APPROVERS.length] ?? '',
        ];
        const clicks = [
          at(approvers[0] ?? '', 'approve'),
          at(approvers[1] ?? '', 'deny'),
          at(REQUESTER, 'cancel'),
        ];
        await race(stack, bot, clicks);
        return { id, expiresAt, clicks };
      });
      for (const { id, expiresAt, clicks } of await Promise.all(races)) {
        const { decision } = await checkRace(stack, id, clicks, tally);
        // A pending request's card says when it expires: no decision may be recorded after that moment.
        if (decision.type !== 'expired') expect(Date.parse(decision.at)).toBeLessThanOrEqual(expiresAt);
      }
      expect(tally.requests).toBe(RACES);
      const early = offsets.filter((offset) => offset < 0).length;
      figures.push(
        tallyRow(
          `Approve, Deny and Cancel race expiry (clicks from ${BEFORE_EXPIRY_MS} ms before to ${AFTER_EXPIRY_MS} ms after it: ${early} before, ${offsets.length - early} after)`,
          tally,
        ),
      );
      reportFigures(
        'Decisions',
        `Suite: \`test/reliability/decisions.test.ts\`. Command: \`${RELIABILITY_COMMAND}\` (this suite alone:
\`RELIABILITY=full npx vitest run test/reliability/decisions.test.ts\`). One bot over HTTP, as \`npm start\`
runs it; the approvers are a Slack user group of ${APPROVERS.length} members; every click is a correctly
signed Slack request, and the clicks of one race leave together.

For every request: exactly one of the audit events approved, denied, cancelled, expired (never two);
every other clicker told who decided ("Too late: <@…> already approved …", "… already cancelled …",
"… expired at …"), the winner told nothing beyond the card; one card; one CreateInvalidation call for an
approved request (after it completed at CloudFront) and none otherwise. In the expiry races, a decision
is only ever recorded before the expiry time the card shows. In the reminder races, Slack took 1.5 s to
list the approvers' group, so the click read the request before its reminder went out and decided after:
the approval must still be recorded (and the reminder too). The expiry and reminder races run with
\`approvalTimeoutMinutes: ${SHORT_TIMEOUT_MINUTES}\` and no group cache.

| Race | Requests | Clicks | Decisions recorded | Losers told who decided | CreateInvalidation calls |
| --- | ---: | ---: | --- | ---: | --- |
${figures.join('\n')}`,
      );
    });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_OPTIONS } from '../../src/adapters/slack/app.js';
import type { BotProcess } from '../support/bot-process.js';
import type { SlackFault } from '../support/slack-standin.js';
import { DISTRIBUTIONS, type Stack, startStack, USERS } from '../support/stack.js';
import {
  APPROVE,
  cardsByRequest,
  completionReplies,
  duplicateKeys,
  eventually,
  type RequestRecord,
  requestRecords,
  signedRequests,
  sleep,
} from './records.js';
import { RELIABILITY_COMMAND, reportFigures, size } from './scale.js';

const REQUESTS = size(20, 100);
/** Requests sent while DynamoDB is unreachable: refused, then sent again once it is back. */
const DURING_OUTAGE = size(3, 6);
const OUTAGE_MS = size(4_000, 8_000);
/** Each burst of TooManyInvalidationsInProgress answers this many CreateInvalidation calls. */
const TOO_MANY_BURST = size(3, 6);
const WEB = DISTRIBUTIONS.web;
const DOCS = DISTRIBUTIONS.docs;
const APPROVER = USERS.lead;
/** @slack/web-api gives up on a call after this long (src/adapters/slack/app.ts, CLIENT_OPTIONS.timeout). */
const SLACK_CLIENT_TIMEOUT_MS = CLIENT_OPTIONS.timeout;
const SLOW_MS = SLACK_CLIENT_TIMEOUT_MS + 3_000;

const config = {
  distributions: {
    web: { id: WEB, approval: 'wildcard', approvers: { users: [APPROVER] } },
    docs: { id: DOCS, approval: 'never' },
  },
  polling: { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 },
  workLeaseSeconds: 2,
};

function requestOf(n: number): string {
  const prefix = `/fault/${n}/`;
  return n % 4 === 0 ? `web ${prefix}*` : `docs ${prefix}a.html ${prefix}b.html`;
}

function indexOf(record: RequestRecord): number {
  const match = /^\/fault\/(\d+)\//.exec((record.request.paths as string[])[0] ?? '');
  if (!match) throw new Error(`${record.id} is not a request of this run`);
  return Number(match[1]);
}

/**
 * A burst of Slack failures on the two methods every request uses: 429s with Retry-After and 500s, or
 * answers slower than the bot's client waits (Slack still acts on those: the message is posted late).
 */
function slackBurst(kind: 'errors' | 'slow', scale: number): SlackFault[] {
  const burst: SlackFault[] = [];
  for (const method of ['chat.postMessage', 'chat.update']) {
    if (kind === 'slow')
      burst.push({ method, delayMs: SLOW_MS, times: method === 'chat.update' ? 1 : scale });
    else
      burst.push(
        { method, status: 429, retryAfterSeconds: 1, times: scale },
        { method, status: 500, times: scale },
      );
  }
  return burst;
}

describe('outside faults: CloudFront, Slack and DynamoDB failing together, then recovering', () => {
  let stack: Stack | undefined;
  let bot: BotProcess | undefined;
  /** Cleared when the suite ends, so that no loop of a failed run outlives it. */
  let running = true;

  afterAll(async () => {
    running = false;
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.filter((l) => !l.includes('"debug"')).join('\n'));
    await stack?.close();
  });

  it(`completes all ${REQUESTS} requests once the faults clear, submitting nothing unrecorded and announcing each once`, async () => {
    const started = Date.now();
    // The stand-in reads this object on every call, so setting its rate to 0 clears the random faults.
    const faultRate = { rate: 0.3, codes: ['Throttling', 'ServiceUnavailable'] };
    const s = await startStack({
      config,
      cloudfront: { completeAfterMs: () => 300 + Math.random() * 700, faultRate },
    });
    stack = s;
    const theBot = await s.startBot();
    bot = theBot;
    const requests = signedRequests(s);
    const injected = { slack429: 0, slack500: 0, slackSlow: 0, slowUpdates: 0, tooMany: 0 };
    const inject = (burst: SlackFault[]) => {
      for (const fault of burst) {
        s.slack.inject(fault);
        const times = fault.times ?? 1;
        if (fault.status === 429) injected.slack429 += times;
        else if (fault.status === 500) injected.slack500 += times;
        else injected.slackSlow += times;
        if (fault.delayMs !== undefined && fault.method === 'chat.update') injected.slowUpdates += times;
      }
    };
    const tooMany = () => {
      s.cloudfront.inject({
        operation: 'create',
        code: 'TooManyInvalidationsInProgress',
        times: TOO_MANY_BURST,
      });
      injected.tooMany += TOO_MANY_BURST;
    };

    // The approver approves every request waiting for them, again a little later if a click got lost.
    let approving = true;
    let clicks = 0;
    const lastClick = new Map<string, number>();
    const approvals = (async () => {
      while (approving && running) {
        for (const record of (await requestRecords(s)).values()) {
          if (record.status !== 'pending_approval' || Date.now() - (lastClick.get(record.id) ?? 0) < 3_000)
            continue;
          lastClick.set(record.id, Date.now());
          clicks += 1;
          requests
            .click(theBot, APPROVER, APPROVE, record.id, `click-${record.id}-${clicks}`)
            .catch(() => undefined);
        }
        await sleep(300);
      }
    })();
    // A failed run ends without awaiting it; its error then belongs to the failure already reported.
    approvals.catch(() => undefined);

    const accepted = new Set<number>();
    const send = async (n: number) => {
      const answer = await requests.command(theBot, USERS.requester, requestOf(n), `cmd-${n}`);
      expect(answer.status).toBe(200);
      if (!answer.text.includes('could not record')) accepted.add(n);
      return answer.text;
    };
    const sendAll = async (from: number, to: number) => {
      for (let n = from; n < to; n += 5) {
        await Promise.all(Array.from({ length: Math.min(5, to - n) }, (_, i) => send(n + i)));
        await sleep(150);
      }
    };

    // First half: CloudFront throttles and fails 30% of calls and has no room for a burst; Slack fails.
    tooMany();
    inject(slackBurst('errors', size(2, 4)));
    const half = Math.floor(REQUESTS / 2);
    await sendAll(0, half - DURING_OUTAGE);

    // DynamoDB goes away for a while: requests made meanwhile are refused, and sent again later.
    s.dynamoProxy.cut();
    const outageStarted = Date.now();
    const refusedTexts: string[] = [];
    for (let n = half - DURING_OUTAGE; n < half; n++) refusedTexts.push(await send(n));
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
    s.dynamoProxy.restore();
    const outageMs = Date.now() - outageStarted;
    for (const text of refusedTexts) expect(text).toContain('could not record your request');

    // Second half, with more bursts, and Slack answering too slowly; the refused requests are sent again.
    tooMany();
    inject(slackBurst('errors', size(2, 4)));
    inject(slackBurst('slow', size(2, 3)));
    await sendAll(half - DURING_OUTAGE, half);
    await sendAll(half, REQUESTS);
    expect(accepted.size).toBe(REQUESTS);

    // The faults are cleared once every request has reached CloudFront at least once and every scripted
    // fault has been answered.
    const counts = () => ({
      slack429: s.slack.calls.filter((c) => c.status === 429).length,
      slack500: s.slack.calls.filter((c) => c.status === 500).length,
      // @slack/web-api logs each call it gave up on once, as "http request failed …due to timeout".
      slackTimeouts: theBot.logs.filter((line) => /http request failed.*due to timeout/i.test(line)).length,
      tooMany: s.cloudfront.calls.filter((c) => c.errorCode === 'TooManyInvalidationsInProgress').length,
      throttling: s.cloudfront.calls.filter((c) => c.errorCode === 'Throttling').length,
      unavailable: s.cloudfront.calls.filter((c) => c.errorCode === 'ServiceUnavailable').length,
    });
    await eventually(
      async () => {
        const now = counts();
        const creates = s.cloudfront.calls.filter((c) => c.operation === 'create');
        const attempted = new Set(creates.map((c) => c.callerReference));
        const records = await requestRecords(s);
        return records.size >= REQUESTS &&
          [...records.keys()].every((id) => attempted.has(id)) &&
          now.slack429 >= injected.slack429 &&
          now.slack500 >= injected.slack500 &&
          now.slackTimeouts >= injected.slackSlow &&
          now.tooMany >= injected.tooMany
          ? now
          : undefined;
      },
      60_000,
      () =>
        `every request sent to CloudFront, every scripted fault answered: injected ${JSON.stringify(injected)}, seen ${JSON.stringify(counts())}`,
      250,
    );
    faultRate.rate = 0;
    s.slack.clearFaults();
    s.cloudfront.clearFaults();
    const cleared = Date.now();
    const survived = counts();

    // Once the faults are gone, every request completes and its completion is announced.
    await eventually(
      async () => {
        const records = await requestRecords(s);
        const cards = cardsByRequest(s);
        const done =
          records.size >= REQUESTS &&
          [...records.values()].every((record) => {
            const card = cards.get(record.id)?.[0];
            return (
              record.status === 'completed' && card !== undefined && completionReplies(s, card).length > 0
            );
          });
        return done ? records : undefined;
      },
      size(60_000, 120_000),
      () => 'every request completed and announced',
      500,
    );
    const settledMs = Date.now() - cleared;
    // Time for anything still due (a retry of a post that did arrive) to show itself.
    await sleep(3_000);
    approving = false;
    await approvals;
    const records = await requestRecords(s);
    const cards = cardsByRequest(s);

    // Every request typed and accepted is on record once, and completed.
    expect([...records.values()].map(indexOf).sort((a, b) => a - b)).toEqual(
      Array.from({ length: REQUESTS }, (_, n) => n),
    );
    for (const record of records.values()) expect(record.status, record.id).toBe('completed');

    // Nothing was submitted unrecorded: every CreateInvalidation call (failed ones too) names a request
    // that was already recorded as approved, hence due for submission, when the call arrived.
    const creates = s.cloudfront.calls.filter((call) => call.operation === 'create');
    for (const call of creates) {
      const reference = call.callerReference ?? '';
      const record = records.get(reference.replace(/-\d+$/, ''));
      expect(record, `CreateInvalidation with CallerReference ${reference}`).toBeDefined();
      const approved = record?.events.find((event) => event.type === 'approved');
      expect(approved, reference).toBeDefined();
      expect(Date.parse(approved?.at ?? ''), reference).toBeLessThanOrEqual(call.at);
    }
    // Every invalidation made is recorded on its request (batches and `submitted`), and made once.
    const invalidations = s.cloudfront.invalidations();
    expect(new Set(invalidations.map((inv) => inv.callerReference)).size).toBe(invalidations.length);
    expect(s.cloudfront.createdCount()).toBe(REQUESTS);
    let eventsChecked = 0;
    let overtaken = 0;
    for (const invalidation of invalidations) {
      const record = records.get(invalidation.callerReference);
      const batches = (record?.request.batches ?? []) as Array<{ invalidationId: string }>;
      expect(
        batches.map((batch) => batch.invalidationId),
        invalidation.callerReference,
      ).toEqual([invalidation.id]);
      const submitted = record?.events.filter((event) => event.type === 'submitted') ?? [];
      expect(submitted.flatMap((event) => event.details.invalidationIds as string[])).toContain(
        invalidation.id,
      );
    }
    for (const record of records.values()) {
      expect(duplicateKeys(record), record.id).toEqual([]);
      for (const type of ['requested', 'approved', 'completed', 'notice_sent'])
        expect(record.events.filter((event) => event.type === type).length, `${record.id} ${type}`).toBe(1);
      eventsChecked += record.events.length;
      // One card, drawn in its final state, with one completion in its thread.
      const cardsOf = cards.get(record.id) ?? [];
      expect(cardsOf, record.id).toHaveLength(1);
      const card = cardsOf[0];
      if (!card) continue;
      expect(completionReplies(s, card), record.id).toHaveLength(1);
      // The bot drew every card in its final state. An older state's update that Slack applied after it
      // (a slow answer: the client gave up and the bot moved on) can still leave a card behind; the bot
      // cannot see that happen (see docs/reliability.md), so it is counted, and bounded by the slow ones.
      const updates = s.slack
        .callsTo('chat.update')
        .filter((call) => call.args.ts === card.ts && call.status === 200)
        .map((call) => String(call.args.text));
      const lastFinal = updates.findLastIndex((text) => text.includes('Completed'));
      expect(lastFinal, `${record.id} drawn as completed`).toBeGreaterThanOrEqual(0);
      if (!s.slack.message(card.channel, card.ts)?.text.includes('Completed')) {
        expect(updates.length - 1, `${record.id}: a later update landed after the final one`).toBeGreaterThan(
          lastFinal,
        );
        overtaken += 1;
      }
    }

    expect(overtaken).toBeLessThanOrEqual(injected.slowUpdates);

    const seconds = Math.round((Date.now() - started) / 1000);
    reportFigures(
      'Outside faults',
      `Suite: \`test/reliability/faults.test.ts\`. Command: \`${RELIABILITY_COMMAND}\` (this suite alone:
\`RELIABILITY=full npx vitest run test/reliability/faults.test.ts\`). One bot as \`npm start\` runs it,
\`AWS_MAX_ATTEMPTS=1\` (every CloudFront retry is the bot's own), Slack client timeout 10 s.

One run of ${REQUESTS} requests (one in four needing approval, approved by a click) with every outside fault
at once: CloudFront answered 30% of all calls (create, list, get) with \`Throttling\` or
\`ServiceUnavailable\` (503), plus two bursts of \`TooManyInvalidationsInProgress\` on CreateInvalidation;
Slack answered \`chat.postMessage\` and \`chat.update\` with 429s (Retry-After 1 s), 500s, and answers
${SLOW_MS / 1000} s late (after the client gave up; the message still posted), in two bursts; DynamoDB was cut
at the TCP level for ${(outageMs / 1000).toFixed(1)} s in the middle of the run, and the ${DURING_OUTAGE} requests made
meanwhile were refused ("could not record your request") and sent again afterwards. The faults were
cleared once every request had reached CloudFront at least once and every scripted fault had been answered.

Afterwards every request completed; every CreateInvalidation call (failed ones included) named a request
already recorded as approved when the call arrived; every invalidation made was recorded on its request,
once; each request had one card and one completion message, and the bot drew every card in its final
state. One thing the bot cannot prevent: a \`chat.update\` of an older state that Slack applies after the
client gave up on it (the slow answers) and after the final one leaves that card showing the older state;
the thread still says it completed. Counted below; a redraw after a settle time, as for posts, would cure it.

| Fault | Injected and survived |
| --- | ---: |
| CloudFront \`Throttling\` answers | ${survived.throttling} |
| CloudFront \`ServiceUnavailable\` (503) answers | ${survived.unavailable} |
| CloudFront \`TooManyInvalidationsInProgress\` answers | ${survived.tooMany} |
| Slack 429 (Retry-After) answers | ${survived.slack429} |
| Slack 500 answers | ${survived.slack500} |
| Slack answers slower than the client timeout | ${injected.slackSlow} (${survived.slackTimeouts} client timeouts logged) |
| DynamoDB unreachable | ${(outageMs / 1000).toFixed(1)} s, ${DURING_OUTAGE} requests refused and sent again |

| Outcome | Value |
| --- | ---: |
| Requests completed | ${records.size} of ${REQUESTS} |
| CreateInvalidation calls / invalidations made | ${creates.length} / ${s.cloudfront.createdCount()} |
| Calls naming a request not yet recorded as approved | 0 |
| Invalidations made twice, or not recorded on their request | 0 |
| Audit events checked (no key twice) | ${eventsChecked} |
| Cards posted twice / completions announced twice | 0 / 0 |
| Cards left in an older state by a late slow \`chat.update\` | ${overtaken} (of ${injected.slowUpdates} slow updates) |
| Time from clearing the faults to the last completion | ${(settledMs / 1000).toFixed(1)} s |
| Run time | ${seconds} s |`,
    );
  });
});

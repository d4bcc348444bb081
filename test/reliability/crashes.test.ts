import { afterAll, describe, expect, it } from 'vitest';
import type { BotProcess } from '../support/bot-process.js';
import { DISTRIBUTIONS, type Stack, startStack, USERS } from '../support/stack.js';
import {
  APPROVE,
  type AuditRecord,
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

const REQUESTS = size(30, 100);
/** The run goes on killing until at least this many kills happened (and every request was sent). */
const KILLS_AT_LEAST = size(5, 15);
const SETTLE_TIMEOUT_MS = size(90_000, 240_000);
const WEB = DISTRIBUTIONS.web;
const DOCS = DISTRIBUTIONS.docs;
const BULK = 'EBULK00000001';
const APPROVERS = [USERS.oncall, USERS.oncall2];

const config = {
  distributions: {
    web: { id: WEB, approval: 'wildcard', approvers: { usergroup: 'SONCALL001', users: [USERS.lead] } },
    docs: { id: DOCS, approval: 'never' },
    bulk: { id: BULK, approval: 'never' },
  },
  polling: { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 },
  workLeaseSeconds: 2,
};

type Path = 'policy' | 'approved' | 'denied';

/** Request n of the run: what is typed, and the way it is meant to go. */
function requestOf(n: number): { text: string; path: Path; prefix: string } {
  const prefix = `/crash/${n}/`;
  // More wildcards than CloudFront runs at once: two batches, with CallerReferences <id> and <id>-2.
  if (n % 20 === 7) {
    const paths = Array.from({ length: 16 }, (_, i) => `${prefix}w${i}/*`);
    return { text: `bulk ${paths.join(' ')}`, path: 'policy', prefix };
  }
  if (n % 3 === 0) return { text: `web ${prefix}*`, path: n % 12 === 0 ? 'denied' : 'approved', prefix };
  return { text: `docs ${prefix}a.html ${prefix}b.html`, path: 'policy', prefix };
}

function indexOf(record: RequestRecord): number {
  const paths = record.request.paths as string[];
  const match = /^\/crash\/(\d+)\//.exec(paths[0] ?? '');
  if (!match) throw new Error(`${record.id} is not a request of this run: ${paths[0]}`);
  return Number(match[1]);
}

/** The audit events each way through the lifecycle must have, once each (`submitted` once per batch set). */
const REQUIRED: Record<Path, string[]> = {
  policy: ['requested', 'approved', 'submitted', 'completed', 'notice_sent'],
  approved: ['requested', 'approved', 'submitted', 'completed', 'notice_sent'],
  denied: ['requested', 'denied', 'notice_sent'],
};
/** Events a request may have on the way besides those (waiting for CloudFront capacity). */
const OPTIONAL = new Set(['queued']);

describe('crashes: SIGKILL at random moments, sometimes two processes on one table', () => {
  let stack: Stack | undefined;
  const live: BotProcess[] = [];
  const liveLogs: string[][] = [];
  /** Cleared when the suite ends, so that no loop of a failed run outlives it. */
  let running = true;

  afterAll(async () => {
    running = false;
    if (process.env.DEBUG_BOT_LOGS) for (const logs of liveLogs) console.log(logs.slice(-30).join('\n'));
    await stack?.close();
  });

  it(`brings all ${REQUESTS} requests to their end, each submitted, recorded and announced once`, async () => {
    const started = Date.now();
    const s = await startStack({ config, cloudfront: { completeAfterMs: () => 300 + Math.random() * 1200 } });
    stack = s;
    const requests = signedRequests(s);
    const tally = { kills: 0, starts: 0, resent: 0, twoAtOnceMs: 0, clicks: 0 };
    let target = 1;
    let twoSince: number | undefined;
    const startOne = async () => {
      const bot = await s.startBot();
      live.push(bot);
      liveLogs.push(bot.logs);
      tally.starts += 1;
      if (live.length >= 2 && twoSince === undefined) twoSince = Date.now();
    };
    const killOne = async () => {
      const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0];
      if (!victim) return;
      if (live.length < 2 && twoSince !== undefined) {
        tally.twoAtOnceMs += Date.now() - twoSince;
        twoSince = undefined;
      }
      await victim.stop('SIGKILL');
      tally.kills += 1;
    };
    /** Starts bots until `target` run; one caller at a time, so the two loops never overshoot it. */
    let ensuring: Promise<void> | undefined;
    const ensure = () => {
      ensuring ??= (async () => {
        while (live.length < target) await startOne();
      })().finally(() => {
        ensuring = undefined;
      });
      return ensuring;
    };
    /** A live bot, waiting for one while every bot is being restarted. */
    const anyBot = async (): Promise<BotProcess> => {
      for (;;) {
        const bot = live[Math.floor(Math.random() * live.length)];
        if (bot) return bot;
        if (!running) throw new Error('the run has ended');
        await sleep(50);
      }
    };

    await startOne();
    let sending = true;
    let chaosUntil = Number.POSITIVE_INFINITY;
    const chaos = (async () => {
      while (running && (sending || tally.kills < KILLS_AT_LEAST || Date.now() < chaosUntil)) {
        await sleep(300 + Math.random() * 1_200);
        await killOne();
        await ensure();
      }
    })();
    // A failed run ends without awaiting it; its error then belongs to the failure already reported.
    chaos.catch(() => undefined);

    // On-call approve (or deny) every request waiting for them, through whichever bot is up; a click lost
    // with a killed bot is made again a moment later, as a person would.
    let approving = true;
    const lastClick = new Map<string, number>();
    const approvals = (async () => {
      while (approving && running) {
        for (const record of (await requestRecords(s)).values()) {
          if (record.status !== 'pending_approval' || Date.now() - (lastClick.get(record.id) ?? 0) < 2_000)
            continue;
          lastClick.set(record.id, Date.now());
          const n = indexOf(record);
          const approver = APPROVERS[n % APPROVERS.length] ?? USERS.lead;
          const bot = await anyBot();
          tally.clicks += 1;
          const click =
            requestOf(n).path === 'denied'
              ? requests.denial(bot, approver, record.id, `crash run ${n}`)
              : requests.click(bot, approver, APPROVE, record.id, `click-${record.id}-${tally.clicks}`);
          click.catch(() => undefined);
        }
        await sleep(250);
      }
    })();
    // A failed run ends without awaiting it; its error then belongs to the failure already reported.
    approvals.catch(() => undefined);

    /** Sends request n until a bot acknowledges it; a bot killed under it loses it, so it is sent again. */
    const send = async (n: number) => {
      for (let attempt = 0; ; attempt++) {
        const bot = await anyBot();
        try {
          const answer = await requests.command(
            bot,
            USERS.requester,
            requestOf(n).text,
            `cmd-${n}-${attempt}`,
          );
          if (answer.status === 200 && !answer.text.includes('could not record')) return;
        } catch {
          // The connection died with the bot.
        }
        tally.resent += 1;
        await sleep(200);
      }
    };
    for (let n = 0; n < REQUESTS; n += 5) {
      // A second process shares the table through the middle half of the run.
      if (n >= REQUESTS / 4 && n < (3 * REQUESTS) / 4) target = 2;
      else target = 1;
      await ensure();
      await Promise.all(Array.from({ length: Math.min(5, REQUESTS - n) }, (_, i) => send(n + i)));
      // Slower while two processes share the table, so that they do for a while.
      await sleep(target === 2 ? 400 + Math.random() * 600 : 100 + Math.random() * 300);
    }
    // Kills go on for a while after the last request, while cards, submissions and notices are under way.
    chaosUntil = Date.now() + 4_000;
    sending = false;
    await chaos;
    target = 1;
    await ensure();
    if (twoSince !== undefined) tally.twoAtOnceMs += Date.now() - twoSince;
    while (live.length > 1) await killOne();

    // Settled: every request at its end, every completion and denial announced.
    const records = await eventually(
      async () => {
        const found = await requestRecords(s);
        const cards = cardsByRequest(s);
        const done = [...found.values()].every((record) => {
          if (record.status === 'denied') return !record.request.outbox;
          if (record.status !== 'completed') return false;
          const card = cards.get(record.id)?.[0];
          return card !== undefined && completionReplies(s, card).length > 0 && !record.request.outbox;
        });
        return done && found.size >= REQUESTS ? found : undefined;
      },
      SETTLE_TIMEOUT_MS,
      () => 'every request completed or denied, and every completion and denial announced',
      500,
    );
    // Anything still due (a stray retry) would show itself within a few work-loop rounds.
    await sleep(2_000);
    approving = false;
    await approvals;
    const after = await requestRecords(s);
    expect([...after.values()].map((r) => [r.id, r.status])).toEqual(
      [...records.values()].map((r) => [r.id, r.status]),
    );

    // Every request acknowledged is on record (resent ones may be there twice: both are real requests).
    const byIndex = new Map<number, RequestRecord[]>();
    for (const record of after.values())
      byIndex.set(indexOf(record), [...(byIndex.get(indexOf(record)) ?? []), record]);
    for (let n = 0; n < REQUESTS; n++)
      expect(byIndex.get(n)?.length ?? 0, `request ${n}`).toBeGreaterThanOrEqual(1);

    // CloudFront: one invalidation per (request, batch), none for a denied request, no reference twice.
    const invalidations = s.cloudfront.invalidations();
    const references = invalidations.map((inv) => inv.callerReference);
    expect(new Set(references).size).toBe(references.length);
    expect(s.cloudfront.createdCount()).toBe(invalidations.length);
    let batches = 0;
    let eventsChecked = 0;
    const cards = cardsByRequest(s);
    const paths: Record<Path, number> = { policy: 0, approved: 0, denied: 0 };
    for (const record of after.values()) {
      const n = indexOf(record);
      const path = requestOf(n).path;
      paths[path] += 1;
      const made = invalidations.filter(
        (inv) => inv.callerReference.split('-').slice(0, 2).join('-') === record.id,
      );
      if (path === 'denied') {
        expect(record.status, record.id).toBe('denied');
        expect(made, record.id).toHaveLength(0);
      } else {
        expect(record.status, record.id).toBe('completed');
        // A batch refers to its slice of the request's paths (each path is stored once).
        const paths = record.request.paths as string[];
        const recorded = (
          record.request.batches as Array<{
            callerReference: string;
            invalidationId: string;
            start: number;
            end: number;
          }>
        ).map((batch) => ({ ...batch, paths: paths.slice(batch.start, batch.end) }));
        batches += recorded.length;
        expect(recorded.length, record.id).toBe(requestOf(n).text.startsWith('bulk') ? 2 : 1);
        expect(made.map((inv) => [inv.callerReference, inv.id, [...inv.paths].sort()]).sort()).toEqual(
          recorded
            .map((batch) => [batch.callerReference, batch.invalidationId, [...batch.paths].sort()])
            .sort(),
        );
      }

      // Audit: no key twice, every step of its way there once, nothing else.
      expect(duplicateKeys(record), record.id).toEqual([]);
      const types = record.events.map((event) => event.type);
      for (const type of REQUIRED[path]) {
        const count = types.filter((t) => t === type).length;
        if (type === 'submitted') expect(count, `${record.id} ${type}`).toBeGreaterThanOrEqual(1);
        else expect(count, `${record.id} ${type} in ${types.join(',')}`).toBe(1);
      }
      for (const type of types)
        expect(REQUIRED[path].includes(type) || OPTIONAL.has(type), `${record.id} ${type}`).toBe(true);
      const decision = record.events.find(
        (event) => event.type === 'approved' || event.type === 'denied',
      ) as AuditRecord;
      expect(decision.actor, record.id).toBe(path === 'policy' ? 'policy' : APPROVERS[n % APPROVERS.length]);
      if (path !== 'denied') {
        const submittedIds = record.events
          .filter((event) => event.type === 'submitted')
          .flatMap((event) => event.details.invalidationIds as string[]);
        expect(new Set(submittedIds)).toEqual(new Set(made.map((inv) => inv.id)));
      }
      eventsChecked += record.events.length;

      // Slack: one card; one completion in its thread (none for a denial); no notice twice.
      const cardsOf = cards.get(record.id) ?? [];
      expect(cardsOf, record.id).toHaveLength(1);
      const card = cardsOf[0];
      if (!card) continue;
      expect(completionReplies(s, card), record.id).toHaveLength(path === 'denied' ? 0 : 1);
      const kinds = s.slack
        .threadReplies(card.channel, card.ts)
        .map(
          (m) =>
            (m.metadata as { event_payload?: { kind?: string } } | undefined)?.event_payload?.kind ?? m.text,
        );
      expect(new Set(kinds).size, `${record.id}: ${kinds.join(', ')}`).toBe(kinds.length);
    }
    expect(batches).toBe(s.cloudfront.createdCount());
    expect(tally.kills).toBeGreaterThanOrEqual(KILLS_AT_LEAST);

    const seconds = Math.round((Date.now() - started) / 1000);
    reportFigures(
      'Crashes',
      `Suite: \`test/reliability/crashes.test.ts\`. Command: \`${RELIABILITY_COMMAND}\` (this suite alone:
\`RELIABILITY=full npx vitest run test/reliability/crashes.test.ts\`). The built bot as \`npm start\` runs it,
on one DynamoDB table (dynalite); invalidations complete after 0.3–1.5 s; \`workLeaseSeconds: 2\`.

${REQUESTS} requests were sent in groups of five while a bot process was killed with SIGKILL every
0.3–1.5 s (at random moments: while recording, posting cards, submitting, polling and announcing) and a
new one started; through the middle half of the run two processes shared the table. A command lost with
a killed bot was sent again, as a person would; on-call approved (or denied) every request that waited for
them, through whichever bot was up. Kills went on until at least ${KILLS_AT_LEAST} had happened and for 4 s
after the last request; then one bot ran until everything settled.

| Figure | Value |
| --- | ---: |
| SIGKILLs | ${tally.kills} |
| Bot processes started (restarts included) | ${tally.starts} |
| Time with two processes on the table | ${(tally.twoAtOnceMs / 1000).toFixed(1)} s |
| Commands sent again after a kill | ${tally.resent} |
| Requests recorded | ${after.size} (${paths.policy} needing no approval, ${paths.approved} approved, ${paths.denied} denied) |
| … of them recorded, then sent again because the bot died before answering | ${after.size - REQUESTS} |
| Approve/deny clicks sent | ${tally.clicks} |
| Requests that did not reach their end | 0 |
| CloudFront invalidations made / distinct (request, batch) submissions | ${s.cloudfront.createdCount()} / ${batches} |
| CallerReferences created twice | 0 |
| Audit events checked (no key twice, none missing for the request's path) | ${eventsChecked} |
| Cards posted twice / completion messages posted twice | 0 / 0 |
| Run time | ${seconds} s |`,
    );
  });
});

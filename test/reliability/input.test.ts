import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plain } from '../../src/adapters/slack/blocks.js';
import { SLOW_RECORD_TEXT } from '../../src/adapters/slack/listeners/command.js';
import { commandRefusalText, UNRECORDED_TEXT } from '../../src/adapters/slack/messages.js';
import { parseStoreConfig } from '../../src/config.js';
import { CHANNEL, type SlackSender } from '../../src/standins/slack-requests.js';
import type { PreparedCommand } from '../../src/usecases/request-invalidation.js';
import type { BotProcess } from '../support/bot-process.js';
import {
  cacheTag,
  cloudFrontPath,
  cloudFrontRejection,
  commandItem,
  hugeCommand,
  pathLikeItem,
  unicodePath,
} from '../support/cloudfront-paths.js';
import { prepareOffline } from '../support/facts.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';
import { FULL, RELIABILITY_COMMAND, reportFigures, size } from './scale.js';

const COMMANDS = size(500, 10_000);
const IN_FLIGHT = 12;
const SEED = 20_260_511;
/** Slack shows `operation_timeout` when a command is not acknowledged within 3 seconds. */
const ACK_DEADLINE_MS = 3_000;
/** What a refusal must say: each sentence of the bot's refusals points at the thing to change. */
const SAYS_WHAT_TO_CHANGE =
  /Usage: |is not a request id|needs some text|Shorten the reason|Name at least one path|Use one of|Run the command there|Fix these paths|split the request|Split it into smaller requests|Send the paths in|Leave out the|Check the URL|Send one command per distribution|Ask the platform team to add it|set a cache tag header/;
/** A stack trace, an error's name or a value that was never set, shown to a person. */
const LEAKS = /Error:|^\s*at \S+ \(|^\s*at (file|node):|undefined|\[object Object\]/m;

type Expected =
  | { kind: 'accepted'; paths: string[]; recordBytes: number }
  | { kind: 'refused'; category: string; text: string }
  | { kind: 'help' }
  /** nothing typed: the request form opens (views.open), the acknowledgement itself says nothing */
  | { kind: 'form' }
  | { kind: 'report'; category: string };

interface Outcome {
  text: string;
  expected: Expected;
  ms: number;
  status: number;
  body: string;
}

const separator = fc.constantFrom(' ', '  ', ',', ', ', '\n', '\t', '\r\n', '\u00a0', '\u3000');
const reason = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(' --reason ', ' --reason=', '\n--reason '),
        fc.string({ unit: 'binary', maxLength: 60 }),
      )
      .map(([flag, text]) => `${flag}${text}`),
  },
);
const validItem = fc.oneof(
  { weight: 6, arbitrary: cloudFrontPath },
  { weight: 3, arbitrary: unicodePath },
  { weight: 1, arbitrary: cacheTag },
);

const request = (alias: fc.Arbitrary<string>, item: fc.Arbitrary<string>) =>
  fc
    .tuple(alias, separator, fc.array(item, { minLength: 1, maxLength: 12 }), separator, reason)
    .map(([target, first, items, between, why]) => `${target}${first}${items.join(between)}${why}`);

const requestId = fc.oneof(
  fc.stringMatching(/^INV-[0-9A-HJKMNP-TV-Z]{10}$/),
  fc.stringMatching(/^inv-[0-9a-z]{10}$/),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.integer({ min: 1_000, max: 5_000 }).map((n) => 'X'.repeat(n)),
);
const subcommand = fc.oneof(
  fc.constantFrom('help', 'HELP', '', '  \n ', 'list', 'list mine', 'list docs', 'list web mine', 'usage'),
  fc.constantFrom('usage 2026-11', 'usage 2026-13', 'list nowhere', 'list a b c', 'status', 'cancel a b'),
  fc.tuple(fc.constantFrom('status ', 'cancel ', 'STATUS '), requestId).map(([word, id]) => `${word}${id}`),
  fc
    .tuple(fc.constantFrom('usage ', 'list '), fc.string({ unit: 'binary', maxLength: 20 }))
    .map(([w, a]) => w + a),
);
const controls = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
    .map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 40,
});
/** 100 to 400 KB of one fragment repeated: a path, garbage, whitespace. */
const huge = hugeCommand(
  ['docs ', 'web ', '', 'docs /a --reason ', 'status '],
  fc.oneof(validItem, pathLikeItem, fc.constantFrom(' ', '\u00a0', 'é', '😀', '%', '*')),
  [' ', '', ','],
);
/** 1,000 to 4,000 paths: at most 3,000 fit in one request. */
const thousands = fc
  .tuple(
    fc.integer({ min: 1_000, max: 4_000 }),
    fc.constantFrom('docs', 'web'),
    fc.constantFrom(' ', '\n', ','),
    fc.nat(),
  )
  .map(([n, alias, between, salt]) => {
    const paths = Array.from({ length: n }, (_, i) => `/bulk/${salt.toString(36)}/${i}.html`);
    return `${alias} ${paths.join(between)}`;
  });

/** The mix sent to the bot: mostly requests a person would type, then every kind of trouble. */
const command = fc.oneof(
  { weight: 8, arbitrary: request(fc.constantFrom('docs', 'DOCS', 'EDOCS00000001'), validItem) },
  { weight: 3, arbitrary: request(fc.constantFrom('web', 'Web'), validItem) },
  { weight: 6, arbitrary: request(fc.constantFrom('docs', 'web', 'locked', 'nowhere', ''), commandItem) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: controls },
  { weight: 4, arbitrary: subcommand },
  { weight: 1, arbitrary: thousands },
  { weight: 1, arbitrary: huge },
);

/**
 * DynamoDB holds at most 400 KB in one item, and a request is one item. The bot does not yet refuse a
 * request too large to record (it answers that the database did not answer): such answers are counted
 * apart, and accepted only for requests whose paths, notes and reason alone come near that size.
 */
const ITEM_BYTES_NEAR_LIMIT = 350_000;

/** Form encoding (and Slack) cannot carry a lone surrogate: it arrives as U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

// The same environment as the bot under test, which polls the stand-in faster than a deployment may.
const policy = parseStoreConfig(
  { INVALIDATOR_ALLOW_FAST_POLLING: 'true' },
  { path: 'invalidator.config.yml', content: testConfig() },
).policy;

/** What the bot should answer, from the same grammar it runs: the oracle the answers are held to. */
async function expectedFor(text: string): Promise<Expected> {
  // As the command listener decides: nothing but blanks opens the request form.
  if (text.trim() === '') return { kind: 'form' };
  const prepared = await prepareOffline(policy, wellFormed(text), CHANNEL);
  if (!prepared.ok) {
    const { error } = prepared;
    const category = error.code === 'bad_command' ? `bad_command (${error.error.code})` : error.code;
    return { kind: 'refused', category, text: plain(commandRefusalText(error)).text };
  }
  const value: PreparedCommand = prepared.value;
  if (value.kind === 'help') return { kind: 'help' };
  if (value.kind === 'invalidate') {
    const { paths, encoded, duplicates, covered } = value.normalised;
    const strings = [
      ...paths,
      ...encoded.flatMap((entry) => [entry.input, entry.path]),
      ...duplicates,
      ...covered.flatMap((entry) => [entry.path, entry.by]),
      // the reason is kept on the request and on its first audit event
      value.reason ?? '',
      value.reason ?? '',
    ];
    const recordBytes = strings.reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
    return { kind: 'accepted', paths, recordBytes };
  }
  return { kind: 'report', category: value.kind };
}

async function send(slack: SlackSender, texts: readonly string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < texts.length) {
      const text = texts[next++] ?? '';
      const started = performance.now();
      const answer = await slack.command(USERS.requester, text);
      const ms = performance.now() - started;
      outcomes.push({
        text,
        expected: await expectedFor(text),
        ms,
        status: answer.status,
        body: answer.text,
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return outcomes;
}

function ephemeralText(outcome: Outcome): string {
  const answer = JSON.parse(outcome.body) as { response_type?: string; text?: string };
  expect(answer.response_type, outcome.text.slice(0, 200)).toBe('ephemeral');
  return answer.text ?? '';
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

interface RecordedRequest {
  paths: string[];
  status: string;
  failure?: { code: string };
}

async function requestItems(stack: Stack): Promise<RecordedRequest[]> {
  return (await stack.plainItems())
    .filter((item) => String(item.pk).startsWith('REQ#') && item.sk === 'REQUEST')
    .map((item) => item.request as RecordedRequest);
}

const pathsKey = (paths: readonly string[]) => JSON.stringify(paths);

describe('random commands through the running bot', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack();
    // Both distributions keep cache tags, as the grammar's own check (prepareOffline) takes them to.
    for (const id of [DISTRIBUTIONS.docs, DISTRIBUTIONS.web])
      stack.cloudfront.addDistribution({ id, cacheTagHeader: 'Cache-Tag' });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  it(
    'answers each command within 3 seconds with a recorded request or an error that says what to change',
    async () => {
      const texts = fc.sample(command, { numRuns: COMMANDS, seed: SEED });
      const started = performance.now();
      const outcomes = await send(slack, texts);
      const sendingSeconds = (performance.now() - started) / 1000;

      const categories = new Map<string, number>();
      const tally = (key: string, by = 1) => categories.set(key, (categories.get(key) ?? 0) + by);
      const accepted: Array<Extract<Expected, { kind: 'accepted' }>> = [];
      let reports = 0;
      let unrecordedAcks = 0;
      for (const outcome of outcomes) {
        const label = JSON.stringify(outcome.text.slice(0, 300));
        expect(outcome.status, label).toBe(200);
        expect(outcome.ms, label).toBeLessThan(ACK_DEADLINE_MS);
        const { expected } = outcome;
        switch (expected.kind) {
          case 'refused': {
            const text = ephemeralText(outcome);
            expect(text.trim().length, label).toBeGreaterThan(0);
            expect(text, label).toMatch(SAYS_WHAT_TO_CHANGE);
            expect(text, label).not.toMatch(LEAKS);
            expect(text, label).toBe(expected.text);
            tally(`refused: ${expected.category}`);
            break;
          }
          case 'help':
            expect(ephemeralText(outcome), label).toContain('/invalidate <distribution> <path>');
            tally('help');
            break;
          case 'form':
            expect(outcome.body, label).toBe('');
            tally('the request form');
            break;
          case 'accepted':
            accepted.push(expected);
            // Acknowledged with no words (the card, posted next, is the answer), or told at once that
            // the request could not be recorded.
            if (outcome.body === '') break;
            // A request near DynamoDB's item limit can take dynalite past the 2 s recording deadline: the
            // acknowledgement says so, and the card (or "could not record") follows.
            if (ephemeralText(outcome) === SLOW_RECORD_TEXT) {
              tally('accepted, recorded after the acknowledgement');
              break;
            }
            expect(ephemeralText(outcome), label).toBe(UNRECORDED_TEXT);
            unrecordedAcks += 1;
            break;
          case 'report':
            expect(outcome.body, label).toBe('');
            reports += 1;
            tally(`answered later: ${expected.category}`);
            break;
        }
      }

      // status, list, usage and cancel answer through the response_url after the acknowledgement, and so
      // does a request that could not be recorded once acknowledged.
      const errorLines = () => bot.logs.filter((line) => /"level":"error"|unhandled/i.test(line));
      const unrecordedResponses = () =>
        stack.slack.responses.filter((r) => (r.body as { text?: string }).text === UNRECORDED_TEXT).length;
      let recorded = await requestItems(stack);
      for (let i = 0; i < 300; i++) {
        const answered = stack.slack.responses.length - unrecordedResponses() >= reports;
        const settled = recorded.length + unrecordedAcks + unrecordedResponses() >= accepted.length;
        if (answered && settled) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
        recorded = await requestItems(stack);
      }
      const unrecorded = unrecordedAcks + unrecordedResponses();
      expect(stack.slack.responses.length - unrecordedResponses(), errorLines().join('\n')).toBe(reports);
      for (const response of stack.slack.responses) {
        const body = response.body as { response_type?: string; text?: string };
        expect(body.response_type).toBe('ephemeral');
        expect((body.text ?? '').trim().length).toBeGreaterThan(0);
        expect(body.text).not.toMatch(LEAKS);
      }

      // Every recorded request is one that was accepted, with the same paths; the accepted ones not
      // recorded are exactly those answered "could not record", and each is too large for one item.
      expect(recorded.length + unrecorded, errorLines().join('\n')).toBe(accepted.length);
      const waiting = new Map<string, Array<Extract<Expected, { kind: 'accepted' }>>>();
      for (const one of accepted)
        waiting.set(pathsKey(one.paths), [...(waiting.get(pathsKey(one.paths)) ?? []), one]);
      for (const { paths } of recorded) {
        const left = waiting.get(pathsKey(paths)) ?? [];
        expect(
          left.length,
          `recorded but never accepted: ${JSON.stringify(paths).slice(0, 300)}`,
        ).toBeGreaterThan(0);
        left.pop();
      }
      const notRecorded = [...waiting.values()].flat();
      expect(notRecorded).toHaveLength(unrecorded);
      for (const one of notRecorded) expect(one.recordBytes).toBeGreaterThan(ITEM_BYTES_NEAR_LIMIT);
      tally('accepted', recorded.length);
      if (unrecorded > 0)
        tally(
          'accepted by the grammar, too large for one DynamoDB item: answered "could not record"',
          unrecorded,
        );

      // The work loop submits as CloudFront's in-progress limits allow (15 wildcards and 3,000 paths per
      // distribution), so a long queue drains slowly: look at what CloudFront received once submissions
      // have paused for 10 seconds, or after a while at most.
      const settleStarted = Date.now();
      const settleUntil = settleStarted + size(30_000, 180_000);
      let quietSince = Date.now();
      let submitted = stack.cloudfront.invalidations().length;
      while (Date.now() - quietSince < 10_000 && Date.now() < settleUntil) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const now = stack.cloudfront.invalidations().length;
        if (now !== submitted) quietSince = Date.now();
        submitted = now;
      }
      const settleSeconds = (Date.now() - settleStarted) / 1000;
      const invalidations = stack.cloudfront.invalidations();
      const submittedPaths = invalidations.flatMap((invalidation) => invalidation.paths);
      const settled = await requestItems(stack);
      const recordedPaths = settled.flatMap((request) => request.paths);
      // The check below means something only if CloudFront was sent paths at all.
      expect(submittedPaths.length).toBeGreaterThan(0);
      for (const path of [...submittedPaths, ...recordedPaths])
        expect(cloudFrontRejection(path), JSON.stringify(path)).toBeUndefined();
      // Both distributions keep cache tags at the stand-in, so CloudFront takes every tag the bot accepts; a
      // failure (an InvalidArgument for a tag included) is the bot's fault.
      const failed = settled.filter((request) => request.status === 'failed');
      const statuses = new Map<string, number>();
      for (const { status } of settled) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(failed.map((request) => [request.failure?.code, request.paths.slice(0, 3)])).toEqual([]);
      expect(stack.cloudfront.calls.filter((call) => call.errorCode === 'InvalidArgument')).toEqual([]);
      const errors = errorLines();
      const tooLarge = errors.filter(
        (line) => line.includes('recording a request failed') && line.includes('Item size'),
      );
      expect(errors.filter((line) => !tooLarge.includes(line))).toEqual([]);
      expect(tooLarge).toHaveLength(unrecorded);

      const times = outcomes.map((outcome) => outcome.ms);
      const rows = [...categories].sort((a, b) => b[1] - a[1]);
      reportFigures(
        'Input: random commands through the running bot',
        [
          `Suite: \`test/reliability/input.test.ts\`, run with \`${RELIABILITY_COMMAND}\` (alone:`,
          '`RELIABILITY=full npx vitest run test/reliability/input.test.ts`). The built bot as `npm start` runs it,',
          `with dynalite and the Slack and CloudFront stand-ins on loopback; ${IN_FLIGHT} commands in flight,`,
          `generated by fast-check (seed ${SEED}): requests for \`docs\` (no approval) and \`web\`, broken paths,`,
          'arbitrary unicode, control characters, 100–400 KB texts, 1,000–4,000 paths, sub-commands with bad ids.',
          'Each answer is held to what the grammar decides for the same text.',
          '',
          '| Figure | Value |',
          '| --- | --- |',
          `| Commands sent | ${outcomes.length.toLocaleString('en-US')} in ${sendingSeconds.toFixed(0)} s |`,
          `| Answered HTTP 200 within 3 s | ${outcomes.filter((o) => o.status === 200 && o.ms < ACK_DEADLINE_MS).length.toLocaleString('en-US')} |`,
          `| Accepted by the grammar / recorded in DynamoDB | ${accepted.length.toLocaleString('en-US')} / ${recorded.length.toLocaleString('en-US')} |`,
          `| Answer time, p50 / p99 / max | ${percentile(times, 50).toFixed(0)} / ${percentile(times, 99).toFixed(0)} / ${Math.max(...times).toFixed(0)} ms |`,
          `| Largest command | ${Math.max(...texts.map((t) => t.length)).toLocaleString('en-US')} characters |`,
          `| Invalidations created at CloudFront by ${settleSeconds.toFixed(0)} s after the last answer | ${invalidations.length.toLocaleString('en-US')}, ${submittedPaths.length.toLocaleString('en-US')} paths, every one valid |`,
          `| Requests holding a cache tag, refused by the stand-in (InvalidArgument) | ${failed.length.toLocaleString('en-US')} |`,
          `| Recorded requests by status when the run ended | ${[...statuses].map(([status, n]) => `${status} ${n.toLocaleString('en-US')}`).join(', ')} |`,
          `| Error lines in the bot's log | ${errors.length} (each a request too large to record) |`,
          '',
          '| Answer | Commands |',
          '| --- | --- |',
          ...rows.map(([category, n]) => `| ${category} | ${n.toLocaleString('en-US')} |`),
        ].join('\n'),
      );
    },
    FULL ? 1_800_000 : 300_000,
  );
});

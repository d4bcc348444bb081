import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { commandRefusalText } from '../../src/adapters/slack/messages.js';
import { type PolicyConfig, parseStoreConfig } from '../../src/config.js';
import { type Command, type CommandError, parseCommand } from '../../src/core/command.js';
import { encodePath, normalisePaths, splitPaths } from '../../src/core/paths.js';
import type { Result } from '../../src/core/result.js';
import { FULL, reportFigures, size } from '../reliability/scale.js';
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

/** Fixed, so that `npm test` checks the same inputs on every run; a failure prints its seed and path. */
const SEED = 20_260_511;
const RUNS = size(200, 5_000);
const HUGE_RUNS = size(12, 150);
const MANY_RUNS = size(8, 100);
/** Parsing and checking a command happens before Slack's 3-second acknowledgement; the check must stay linear. */
const HUGE_BUDGET_MS = 2_000;

const COMMAND_KINDS = new Set(['help', 'cancel', 'status', 'list', 'usage', 'invalidate']);
const ERROR_CODES = new Set(['no_paths', 'empty_reason', 'reason_too_long', 'usage', 'bad_request_id']);
/** Every problem message starts by saying what to do. */
const INSTRUCTION = /^(Add|Put|Remove|Shorten|Give) /;
const PROBLEM_MESSAGE_MAX = 300;
const SLACK_SECTION_LIMIT = 3_000;

function policyWith(overrides: Record<string, unknown> = {}): PolicyConfig {
  const content = {
    distributions: {
      web: { id: 'EWEB000000001', approval: 'wildcard', approvers: { users: ['ULEAD00001'] } },
      docs: { id: 'EDOCS00000001', approval: 'never' },
      locked: { id: 'ELOCK00000001', channels: ['CLOCKED001'], approvers: { users: ['ULEAD00001'] } },
    },
    ...overrides,
  };
  return parseStoreConfig({}, { path: 'invalidator.config.yml', content }).policy;
}

const parse = (text: string): Result<Command, CommandError> => parseCommand(text, splitPaths);

const separator = fc.constantFrom(
  ' ',
  '  ',
  ',',
  ', ',
  ' , ',
  '\n',
  '\t',
  '\r\n',
  '\u00a0',
  '\u3000',
  '\u2028',
);
const target = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...['docs', 'web', 'WEB', 'Docs', 'EDOCS00000001', 'locked', 'nowhere', ''],
      ...['help', 'HELP', 'status', 'cancel', 'list', 'usage', 'Usage', 'mine'],
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const reasonPart = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(' --reason ', ' --reason=', '\n--reason ', ' --reason', ' --REASON ', ' —reason '),
        fc.string({ unit: 'binary', maxLength: 40 }),
      )
      .map(([flag, reason]) => `${flag}${reason}`),
  },
);

/** Text shaped like a command: a target, items and maybe a reason, every part possibly broken. */
const commandText = fc
  .tuple(target, separator, fc.array(commandItem, { maxLength: 8 }), separator, reasonPart)
  .map(([word, first, items, between, reason]) => `${word}${first}${items.join(between)}${reason}`);

/** Anything at all: command-shaped text, arbitrary unicode, sub-commands with odd arguments. */
const anyText = fc.oneof(
  { weight: 6, arbitrary: commandText },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('status', 'cancel', 'list', 'usage', 'help', 'STATUS'),
        fc.array(
          fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('mine', '2026-11', 'INV-7K2M9QX4PA')),
          {
            maxLength: 3,
          },
        ),
      )
      .map(([word, args]) => [word, ...args].join(' ')),
  },
);

/** Hundreds of kilobytes: one fragment repeated, with or without separators. */
const hugeText = hugeCommand(
  ['docs ', 'web ', '', 'status ', 'docs /a --reason ', 'docs /a'],
  fc.oneof(
    pathLikeItem,
    fc.constantFrom(' ', '\u00a0', '\t', ',', '%', '*', '<', '&amp;', 'é', '😀', '\ud800'),
  ),
  [' ', '', ',', '\n', '\u00a0'],
);

/** One word of thousands of characters, as the target, an item, a request id or the reason. */
const longWordText = fc
  .tuple(
    fc.constantFrom('', 'docs ', 'web /a ', 'status ', 'cancel ', 'list ', 'usage ', 'docs /a --reason '),
    fc.oneof(pathLikeItem, fc.constantFrom('x', '/', '%', '*', '&amp;', '<', 'é', '😀', '\u0007')),
    fc.integer({ min: 1_000, max: 50_000 }),
  )
  .map(([head, unit, chars]) => `${head}${(unit || 'x').repeat(Math.ceil(chars / (unit.length || 1)))}`);

/** Thousands of paths in one command, a few of them broken. */
const manyPaths = (min: number, max: number) =>
  fc
    .tuple(
      fc.integer({ min, max }),
      fc.array(commandItem, { maxLength: 4 }),
      fc.constantFrom(' ', '\n', ', '),
      fc.constantFrom('docs', 'web'),
    )
    .map(([n, extras, between, alias]) => {
      const items = Array.from({ length: n }, (_, i) => `/assets/${i.toString(36)}/file-${i}.js`);
      return `${alias} ${[...items, ...extras].join(between)}`;
    });

/** Counts for docs/reliability.md: property → cases seen. */
const figures = new Map<string, Record<string, number>>();
function tally(property: string, key: string, by = 1) {
  const row = figures.get(property) ?? {};
  row[key] = (row[key] ?? 0) + by;
  figures.set(property, row);
}
/** Each case named was drawn at least once: the assertions made only in that case did run. */
function expectDrawn(property: string, ...keys: string[]) {
  const counts = figures.get(property) ?? {};
  expect(
    keys.filter((key) => !(counts[key] ?? 0)),
    `${property}: ${JSON.stringify(counts)}`,
  ).toEqual([]);
}
function highest(property: string, key: string, value: number) {
  const row = figures.get(property) ?? {};
  row[key] = Math.max(row[key] ?? 0, value);
  figures.set(property, row);
}

function expectAccepted(paths: readonly string[]) {
  for (const path of paths) {
    const rejection = cloudFrontRejection(path);
    expect(rejection, `${JSON.stringify(path)} ${rejection}`).toBeUndefined();
  }
}

describe('the /invalidate grammar under random input', () => {
  afterAll(() => {
    if (!FULL) return;
    const rows = [...figures].map(
      ([property, counts]) =>
        `| ${property} | ${Object.entries(counts)
          .map(([key, value]) => `${key}: ${value.toLocaleString('en-US')}`)
          .join(', ')} |`,
    );
    reportFigures(
      'Input: the command and path grammar under random input',
      [
        `Suite: \`test/core/grammar.property.test.ts\` (fast-check, seed ${SEED}), run with`,
        '`RELIABILITY=full npx vitest run test/core/grammar.property.test.ts`. Every property held on every case;',
        'the counts say what the generators produced. Paths are checked against an explicit CloudFront',
        'predicate (`test/support/cloudfront-paths.ts`): starts with `/`, printable ASCII without unsafe',
        'characters, `%` only in `%XX`, `*` only last, at most 4,000 characters; cache tags `#` + 1–255 of',
        'ASCII 33–126 without `,` or `*`.',
        '',
        '| Property | Cases |',
        '| --- | --- |',
        ...rows,
      ].join('\n'),
    );
  });

  it('parses any text without throwing, into a known command or a coded error', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = parse(text);
        if (!result.ok) {
          expect(ERROR_CODES).toContain(result.error.code);
          tally('parses any text', `refused (${result.error.code})`);
          return;
        }
        expect(COMMAND_KINDS).toContain(result.value.kind);
        tally('parses any text', `parsed (${result.value.kind})`);
        if (result.value.kind !== 'invalidate') return;
        // No alias when the text starts with a URL: its host names the distribution.
        if (result.value.target !== undefined) expect(result.value.target).toMatch(/^[^\s,]+$/);
        expect(result.value.items.length).toBeGreaterThan(0);
        for (const item of result.value.items) expect(item).toMatch(/^[^\s,]+$/);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('parses and checks hundreds of kilobytes in linear time, well inside the acknowledgement window', async () => {
    const policy = policyWith();
    await fc.assert(
      fc.asyncProperty(hugeText, async (text) => {
        const started = performance.now();
        const prepared = await prepareOffline(policy, text, 'C0123DEPLOY');
        const elapsed = performance.now() - started;
        expect(elapsed).toBeLessThan(HUGE_BUDGET_MS);
        highest('hundreds of KB in linear time', 'largest text (chars)', text.length);
        highest('hundreds of KB in linear time', 'slowest parse and check (ms)', Math.ceil(elapsed));
        tally('hundreds of KB in linear time', prepared.ok ? 'accepted' : `refused (${prepared.error.code})`);
        if (prepared.ok && prepared.value.kind === 'invalidate')
          expectAccepted(prepared.value.normalised.paths);
      }),
      { numRuns: HUGE_RUNS, seed: SEED },
    );
  });

  it('sends CloudFront only paths it accepts', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        const parsed = parse(text);
        if (!parsed.ok || parsed.value.kind !== 'invalidate') return;
        const result = normalisePaths(parsed.value.items);
        tally('only paths CloudFront accepts', result.ok ? 'accepted' : 'refused');
        if (!result.ok) return;
        tally('only paths CloudFront accepts', 'paths checked', result.value.paths.length);
        expectAccepted(result.value.paths);
        expect(result.value.paths.length).toBeLessThanOrEqual(parsed.value.items.length);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expectDrawn('only paths CloudFront accepts', 'paths checked');
  });

  it('either accepts an item as a path CloudFront takes, or names what to change in it', () => {
    fc.assert(
      fc.property(fc.oneof(pathLikeItem, unicodePath, cacheTag), (item) => {
        const result = normalisePaths([item]);
        if (result.ok) {
          tally('accept or say what to change', 'accepted');
          expectAccepted(result.value.paths);
          expect(result.value.paths).toHaveLength(1);
          return;
        }
        expect(result.problems.length).toBeGreaterThan(0);
        for (const problem of result.problems) {
          tally('accept or say what to change', `refused (${problem.code})`);
          expect(problem.input).toBe(item);
          expect(problem.message).toMatch(INSTRUCTION);
          expect(problem.message.length).toBeLessThanOrEqual(PROBLEM_MESSAGE_MAX);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expectDrawn('accept or say what to change', 'accepted', 'refused (control_character)');
  });

  it('normalises idempotently: its output, normalised again, is the same list with nothing to report', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(pathLikeItem, cloudFrontPath), { maxLength: 20 }), (items) => {
        const first = normalisePaths(items);
        if (!first.ok) return;
        tally('idempotent normalisation', 'lists normalised twice');
        const again = normalisePaths(first.value.paths);
        expect(again).toEqual({
          ok: true,
          value: {
            paths: first.value.paths,
            encoded: [],
            duplicates: [],
            covered: [],
            queryKept: first.value.queryKept,
          },
        });
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expectDrawn('idempotent normalisation', 'lists normalised twice');
  });

  it('encodes idempotently, whatever the string', () => {
    fc.assert(
      fc.property(fc.oneof(pathLikeItem, fc.string({ unit: 'binary' })), (text) => {
        const once = encodePath(text);
        expect(encodePath(once)).toBe(once);
        tally('idempotent encoding', 'strings');
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('takes a path CloudFront already accepts as it is, up to the case of hex digits', () => {
    fc.assert(
      fc.property(cloudFrontPath, (path) => {
        expect(cloudFrontRejection(path)).toBeUndefined();
        const result = normalisePaths([path]);
        const upperHex = path.replace(/%[0-9a-f]{2}/gi, (pair) => pair.toUpperCase());
        expect(result).toMatchObject({ ok: true, value: { paths: [upperHex] } });
        tally('valid paths taken as they are', 'paths');
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('refuses more paths than a request may hold, saying how many there are and how many fit', async () => {
    const max = 40;
    const policy = policyWith({ maxPathsPerRequest: max });
    await fc.assert(
      fc.asyncProperty(manyPaths(0, 2 * max), async (text) => {
        const prepared = await prepareOffline(policy, text, 'C0123DEPLOY');
        if (prepared.ok) {
          if (prepared.value.kind !== 'invalidate') return;
          expect(prepared.value.normalised.paths.length).toBeLessThanOrEqual(max);
          tally(`count limit (${max} per request)`, 'accepted');
          return;
        }
        tally(`count limit (${max} per request)`, `refused (${prepared.error.code})`);
        if (prepared.error.code !== 'too_many_paths') return;
        expect(prepared.error.count).toBeGreaterThan(max);
        const words = commandRefusalText(prepared.error);
        expect(words).toContain(prepared.error.count.toLocaleString('en-US'));
        expect(words).toContain(String(max));
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expectDrawn('count limit (40 per request)', 'accepted', 'refused (too_many_paths)');
  });

  it('holds thousands of paths to the default limit of 3,000 and to CloudFront’s rules', async () => {
    const policy = policyWith();
    await fc.assert(
      fc.asyncProperty(manyPaths(1_000, 4_000), async (text) => {
        const prepared = await prepareOffline(policy, text, 'C0123DEPLOY');
        const parsed = parse(text);
        const items = parsed.ok && parsed.value.kind === 'invalidate' ? parsed.value.items.length : 0;
        highest('thousands of paths', 'most paths in one command', items);
        if (!prepared.ok) {
          tally('thousands of paths', `refused (${prepared.error.code})`);
          if (prepared.error.code === 'too_many_paths') expect(prepared.error.count).toBeGreaterThan(3_000);
          expect(commandRefusalText(prepared.error).length).toBeLessThanOrEqual(SLACK_SECTION_LIMIT);
          return;
        }
        if (prepared.value.kind !== 'invalidate') return;
        tally('thousands of paths', 'accepted');
        expect(prepared.value.normalised.paths.length).toBeLessThanOrEqual(3_000);
        expectAccepted(prepared.value.normalised.paths);
      }),
      { numRuns: MANY_RUNS, seed: SEED },
    );
    expectDrawn('thousands of paths', 'accepted', 'refused (too_many_paths)');
  });

  it('answers every refusal in words that say what to change and fit one Slack section', async () => {
    const policy = policyWith();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 8, arbitrary: anyText },
          { weight: 3, arbitrary: longWordText },
          { weight: 1, arbitrary: hugeText },
        ),
        async (text) => {
          const prepared = await prepareOffline(policy, text, 'C0123DEPLOY');
          if (prepared.ok) return;
          const words = commandRefusalText(prepared.error);
          tally('refusals say what to change', prepared.error.code);
          expect(words.trim().length).toBeGreaterThan(0);
          expect(words.length).toBeLessThanOrEqual(SLACK_SECTION_LIMIT);
          expect(words).not.toMatch(/undefined|\[object Object\]|Error:|^\s+at /m);
          expect(words).toMatch(
            /Usage: |is not a request id|needs some text|Shorten the reason|Name at least one path|Use one of|Run the command there|Fix these paths|split the request|Split it into smaller requests|Send the paths in|Leave out the|give the alias and the path|one command per distribution|Ask the platform team/,
          );
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    expectDrawn('refusals say what to change', 'invalid_paths', 'unknown_distribution', 'too_large');
  });
});

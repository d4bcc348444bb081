import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  denyModal,
  helpMessage,
  noticeMessage,
  noticeModal,
  plain,
  requestCard,
  type SlackMessage,
} from '../../src/adapters/slack/blocks.js';
import { commandRefusalText } from '../../src/adapters/slack/messages.js';
import {
  homeView,
  listMessage,
  statusMessage,
  usageMessage,
} from '../../src/adapters/slack/report-blocks.js';
import { type PolicyConfig, parseStoreConfig } from '../../src/config.js';
import type { PathProblem } from '../../src/core/paths.js';
import type { ApprovalRule } from '../../src/core/policy.js';
import type {
  AuditEvent,
  Base,
  Batch,
  Decision,
  InvalidationRequest,
  NoticeKind,
  PipelineSource,
} from '../../src/core/request.js';
import type { UsageSummary } from '../../src/core/usage.js';
import type { LiveInvalidation } from '../../src/usecases/ports.js';
import { reportFigures, size } from '../reliability/scale.js';

/**
 * Block Kit limits, from Slack's reference (https://api.slack.com/reference/block-kit/blocks and
 * composition-objects): a message holds at most 50 blocks, a modal or Home tab 100; a section's text and
 * any text object at most 3,000 characters, a section at most 10 fields of 2,000; a header 150; a context
 * at most 10 elements; a button's text 75 and its value 2,000; a confirm dialog's title 100, text 300,
 * buttons 30; a modal's title, submit and close 24, its private_metadata 3,000; block_id 255. Text
 * objects may not be empty. The `text` fallback of a message is cut by Slack past 40,000 characters.
 */
const LIMITS = {
  messageBlocks: 50,
  surfaceBlocks: 100,
  text: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  modalText: 24,
  privateMetadata: 3000,
  blockId: 255,
  fallback: 40_000,
} as const;

const SEED = 20_260_511;
const RUNS = size(40, 500);

type Json = Record<string, unknown>;
const asJson = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const textOf = (value: unknown): string => {
  const text = asJson(value).text;
  return typeof text === 'string' ? text : '';
};

/** Every limit broken anywhere in `blocks`, as readable lines; empty when all is well. */
function violations(blocks: readonly unknown[], maxBlocks: number): string[] {
  const found: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) found.push(what);
  };
  const textObject = (value: unknown, limit: number, where: string) => {
    const text = textOf(value);
    check(text.length > 0, `${where}: empty text`);
    check(text.length <= limit, `${where}: ${text.length} characters, over ${limit}`);
  };
  check(blocks.length <= maxBlocks, `${blocks.length} blocks, over ${maxBlocks}`);
  blocks.forEach((raw, index) => {
    const block = asJson(raw);
    const where = `block ${index} (${String(block.type)})`;
    if (typeof block.block_id === 'string')
      check(block.block_id.length <= LIMITS.blockId, `${where}: block_id`);
    switch (block.type) {
      case 'header':
        textObject(block.text, LIMITS.header, where);
        break;
      case 'section': {
        const fields = Array.isArray(block.fields) ? block.fields : [];
        if (block.text !== undefined || fields.length === 0) textObject(block.text, LIMITS.text, where);
        check(fields.length <= LIMITS.fields, `${where}: ${fields.length} fields`);
        fields.forEach((field, i) => {
          textObject(field, LIMITS.field, `${where} field ${i}`);
        });
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        check(elements.length >= 1 && elements.length <= LIMITS.contextElements, `${where}: elements`);
        elements.forEach((element, i) => {
          textObject(element, LIMITS.text, `${where} element ${i}`);
        });
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        check(elements.length <= LIMITS.actionsElements, `${where}: elements`);
        for (const element of elements.map(asJson)) checkButton(element, where, textObject, check);
        break;
      }
      case 'input':
        textObject(block.label, LIMITS.field, `${where} label`);
        break;
      case 'divider':
        break;
      default:
        found.push(`${where}: a block type this test does not know`);
    }
  });
  return found;
}

function checkButton(
  button: Json,
  where: string,
  textObject: (value: unknown, limit: number, where: string) => void,
  check: (ok: boolean, what: string) => void,
) {
  textObject(button.text, LIMITS.buttonText, `${where} button`);
  const value = typeof button.value === 'string' ? button.value : '';
  check(value.length <= LIMITS.buttonValue, `${where}: button value of ${value.length}`);
  if (button.confirm === undefined) return;
  const confirm = asJson(button.confirm);
  textObject(confirm.title, LIMITS.confirmTitle, `${where} confirm title`);
  textObject(confirm.text, LIMITS.confirmText, `${where} confirm text`);
  textObject(confirm.confirm, LIMITS.confirmButton, `${where} confirm button`);
  textObject(confirm.deny, LIMITS.confirmButton, `${where} deny button`);
}

/** What the checks saw, for docs/reliability.md. */
const seen = {
  messages: 0,
  surfaces: 0,
  mostBlocks: 0,
  longestText: 0,
  mostPaths: 0,
  longestReason: 0,
  mostEvents: 0,
};
function measure(blocks: readonly unknown[]) {
  seen.mostBlocks = Math.max(seen.mostBlocks, blocks.length);
  for (const match of JSON.stringify(blocks).matchAll(/"text":"((?:[^"\\]|\\.)*)"/g)) {
    seen.longestText = Math.max(seen.longestText, (JSON.parse(`"${match[1]}"`) as string).length);
  }
}

function expectMessageWithinLimits(message: SlackMessage) {
  seen.messages += 1;
  measure(message.blocks);
  expect(violations(message.blocks, LIMITS.messageBlocks)).toEqual([]);
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(LIMITS.fallback);
}

function expectSurfaceWithinLimits(surface: unknown) {
  const view = asJson(surface);
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  seen.surfaces += 1;
  measure(blocks);
  expect(violations(blocks, LIMITS.surfaceBlocks)).toEqual([]);
  if (view.type !== 'modal') return;
  for (const key of ['title', 'submit', 'close']) {
    if (view[key] !== undefined) expect(textOf(view[key]).length).toBeLessThanOrEqual(LIMITS.modalText);
  }
  if (typeof view.private_metadata === 'string')
    expect(view.private_metadata.length).toBeLessThanOrEqual(LIMITS.privateMetadata);
}

/** Text a person may type: long, with mrkdwn's special characters, any unicode and lone surrogates. */
const typedText = (maxRepeat: number) =>
  fc
    .tuple(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
      fc.constantFrom('', '&', '<b>', '&amp;', '\ud800', '😀', '`', '\n'),
      fc.integer({ min: 1, max: maxRepeat }),
    )
    .map(([text, special, times]) => `${text}${special}`.repeat(times));

/** Encoded paths up to CloudFront's 4,000 characters, `&` included (it stays unencoded). */
const longPath = fc
  .tuple(
    fc.constantFrom('a', 'b/', '%C3%A9', '&', '?q=1&', '-'),
    fc.integer({ min: 0, max: 1_300 }),
    fc.boolean(),
  )
  .map(
    ([piece, times, wildcard]) =>
      `/${piece.repeat(times)}`.slice(0, wildcard ? 3_999 : 4_000) + (wildcard ? '*' : ''),
  );

/** One to thousands of paths: a few generated ones, then numbered variants to reach the count. */
const pathList = fc
  .tuple(fc.array(longPath, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 5_000 }))
  .map(([paths, extra]) => [
    ...paths,
    ...Array.from({ length: extra }, (_, i) => `${paths[i % paths.length]}-${i}`),
  ]);

const iso = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const userId = fc.constantFrom('UREQUEST01', 'UONCALL001', 'ULEAD00001');

const rules = (paths: readonly string[]): fc.Arbitrary<ApprovalRule[]> =>
  fc.subarray<ApprovalRule>([
    { rule: 'always' },
    { rule: 'wildcard', paths: [...paths] },
    { rule: 'root_wildcard' },
    { rule: 'above_paths', count: paths.length, limit: 100 },
    { rule: 'above_usd', costUsd: 12.5, limit: 5 },
    { rule: 'past_free_allowance', usedBefore: 990, free: 1000 },
    { rule: 'over_budget', usedAfter: 12_000, budget: 10_000 },
  ]);

const base: fc.Arbitrary<Base> = pathList.chain((paths) =>
  fc.record({
    id: fc.constant('INV-7K2M9QX4PA'),
    version: fc.nat({ max: 50 }),
    distribution: fc.constant({ alias: 'web', id: 'EWEB000000001' }),
    paths: fc.constant(paths),
    reason: fc.option(typedText(5_000), { nil: undefined }),
    requester: fc.constant('UREQUEST01'),
    channel: fc.constant('C0123DEPLOY'),
    createdAt: iso,
    approval: fc.record({
      required: fc.boolean(),
      rules: rules(paths),
      approvers: fc.record({
        usergroup: fc.option(fc.constant('SONCALL001'), { nil: undefined }),
        users: fc.array(userId, { maxLength: 3 }),
      }),
      selfApproval: fc.boolean(),
      groupUnresolved: fc.option(fc.boolean(), { nil: undefined }),
    }),
    cost: fc.record({
      paths: fc.constant(paths.length),
      usedBefore: fc.nat({ max: 100_000 }),
      freePerMonth: fc.constant(1000),
      freeRemaining: fc.nat({ max: 1000 }),
      billable: fc.nat({ max: 15_000 }),
      costUsd: fc.double({ min: 0, max: 100, noNaN: true }),
      budgetPaths: fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined }),
    }),
    notes: fc.option(
      fc.record({
        encoded: fc.constant(
          paths.slice(0, 200).map((path) => ({ input: decodeURIComponentSafe(path), path })),
        ),
        duplicates: fc.constant(paths.slice(0, 40)),
        covered: fc.constant(paths.slice(0, 40).map((path) => ({ path, by: `${path.slice(0, 20)}*` }))),
      }),
      { nil: undefined },
    ),
    attempts: fc.nat({ max: 5 }),
    noticesSent: fc.constant([]),
  }),
);

function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const decision: fc.Arbitrary<Decision> = fc.record({
  outcome: fc.constantFrom('approved', 'denied'),
  by: fc.oneof(userId, fc.constant('policy')),
  at: iso,
  reason: fc.option(typedText(2_000), { nil: undefined }),
});
const batches: fc.Arbitrary<Batch[]> = fc.integer({ min: 1, max: 1_000 }).map((n) =>
  Array.from({ length: n }, (_, i) => ({
    callerReference: `INV-7K2M9QX4PA${i === 0 ? '' : `-${i + 1}`}`,
    start: 0,
    end: 1,
    invalidationId: `I${String(i).padStart(12, '0')}`,
    completed: i % 2 === 0,
  })),
);
const failure = fc.record({
  code: fc.constantFrom('AccessDenied', 'InvalidArgument'),
  message: typedText(5_000),
  at: iso,
});
const card = fc.constant({ channel: 'C0123DEPLOY', ts: '1700000000.000100' });

/**
 * Every other request a pipeline's, what it sent of itself built from the typed reason: hostile text at any
 * length, as a URL too (with the long link that may be shown, and one too long to be). Derived rather than
 * drawn, so that the other requests (and the statuses each test sees) stay as they were.
 */
function maybeFromPipeline(request: Base): Base {
  if (request.version % 2 === 0) return request;
  const typed = request.reason ?? '<!here>';
  const source: PipelineSource = {
    pipeline: typed.slice(0, 120),
    url:
      request.version % 4 === 1
        ? `https://ci.example.com/${'a&b'.repeat(150)}`
        : `https://ci.example.com/${typed}`,
    commit: typed,
    run: typed,
  };
  return { ...request, requester: `pipeline:${source.pipeline}`, source };
}

/** A request in any state, with everything that can grow grown: paths, reasons, batches, failures. */
const anyRequest: fc.Arbitrary<InvalidationRequest> = fc
  .tuple(base.map(maybeFromPipeline), decision, batches, failure, card, iso, iso)
  .chain(([b, d, bs, f, c, t1, t2]) =>
    fc.constantFrom<InvalidationRequest>(
      { ...b, status: 'new' },
      { ...b, status: 'pending_approval', card: c, expiresAt: t1, remindAt: t2 },
      { ...b, status: 'approved', decision: d },
      {
        ...b,
        status: 'queued',
        decision: d,
        queue: { code: 'capacity', inFlightPaths: 2_990, inFlightWildcards: 15 },
        queuedAt: t1,
      },
      { ...b, status: 'queued', decision: d, queue: { code: 'too_many_in_progress' }, queuedAt: t1 },
      { ...b, status: 'in_progress', decision: d, batches: bs, submittedAt: t1 },
      { ...b, status: 'completed', decision: d, batches: bs, submittedAt: t1, completedAt: t2 },
      { ...b, status: 'denied', decision: { ...d, outcome: 'denied' } },
      { ...b, status: 'failed', decision: d, failure: f },
      { ...b, status: 'undeliverable', failure: f },
      { ...b, status: 'expired', card: c, expiredAt: t1 },
      { ...b, status: 'cancelled', card: c, cancelledBy: 'UREQUEST01', cancelledAt: t1 },
    ),
  );

const auditEvents: fc.Arbitrary<AuditEvent[]> = fc
  .tuple(fc.integer({ min: 0, max: 2_000 }), typedText(3_000), iso)
  .map(([n, text, at]) =>
    Array.from({ length: n }, (_, i) => ({
      requestId: 'INV-7K2M9QX4PA',
      type: (['requested', 'refused', 'submitted', 'failed'] as const)[i % 4] ?? 'refused',
      key: `event-${i}`,
      at,
      ...(i % 3 === 0 ? { actor: 'UOUTSIDE01' } : {}),
      details: { reason: text, invalidationIds: Array.from({ length: i % 50 }, (_, j) => `I${j}`), paths: i },
    })),
  );

/** CloudFront's answers, with every third invalidation one it did not answer for (an error code, even a long one). */
const liveDetails: fc.Arbitrary<LiveInvalidation[]> = fc
  .tuple(fc.integer({ min: 0, max: 1_000 }), iso, fc.string({ maxLength: 300 }))
  .map(([n, at, code]) =>
    Array.from({ length: n }, (_, i) =>
      i % 3 === 2
        ? { id: `I${String(i).padStart(12, '0')}`, unavailable: code }
        : {
            id: `I${String(i).padStart(12, '0')}`,
            status: i % 2 === 0 ? 'Completed' : 'InProgress',
            createTime: at,
            callerReference: `INV-7K2M9QX4PA-${i}`,
            paths: 3_000,
          },
    ),
  );

function policyWith(distributions: number): PolicyConfig {
  const entries = Array.from({ length: distributions }, (_, i) => [
    `site-${i}`,
    { id: `ESITE${String(i).padStart(8, '0')}`, approval: 'never' },
  ]);
  return parseStoreConfig(
    {},
    { path: 'invalidator.config.yml', content: { distributions: Object.fromEntries(entries) } },
  ).policy;
}

/** The line of a section that says how many items were left out, if any: `…and 12 more paths`. */
function hiddenCount(text: string, noun: string): number | undefined {
  const match = new RegExp(`…and ([\\d,]+) more ${noun}`).exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1].replaceAll(',', ''));
}

describe('Block Kit built for any size of request stays within Slack limits', () => {
  afterAll(() => {
    const n = (value: number) => value.toLocaleString('en-US');
    reportFigures(
      'Input: Slack limits for long requests',
      [
        `Suite: \`test/core/blocks-limits.property.test.ts\` (fast-check, seed ${SEED}), run with`,
        '`RELIABILITY=full npx vitest run test/core/blocks-limits.property.test.ts`. Every Block Kit builder',
        '(request card in every state, thread notices, deny and notice modals, status, list, usage, help, App',
        'Home, ephemeral refusals) was fed requests with up to thousands of paths of up to 4,000 characters,',
        'long reasons and failure messages, hundreds of batches and audit events; every message stayed within',
        "Slack's limits and every cut said how much it left out (`…and N more paths`, `… (N more characters)`).",
        '',
        '| Figure | Value |',
        '| --- | --- |',
        `| Messages and surfaces checked | ${n(seen.messages)} messages, ${n(seen.surfaces)} modals and Home tabs |`,
        `| Most paths in one request | ${n(seen.mostPaths)} |`,
        `| Longest reason | ${n(seen.longestReason)} characters |`,
        `| Most audit events on one status | ${n(seen.mostEvents)} |`,
        `| Most blocks in one message or view | ${n(seen.mostBlocks)} (limits 50 and 100) |`,
        `| Longest text object | ${n(seen.longestText)} characters (limit 3,000) |`,
      ].join('\n'),
    );
  });

  it('draws the request card within the limits in every state, counting the paths it leaves out', () => {
    fc.assert(
      fc.property(anyRequest, (request) => {
        const card = requestCard(request);
        seen.mostPaths = Math.max(seen.mostPaths, request.paths.length);
        seen.longestReason = Math.max(seen.longestReason, request.reason?.length ?? 0);
        expectMessageWithinLimits(card);
        const pathsText = card.blocks
          .map((block) => textOf(asJson(block).text))
          .find((text) => text.startsWith('`'));
        expect(pathsText).toBeDefined();
        const shown = (pathsText ?? '').split('\n').filter((line) => line.startsWith('`')).length;
        expect(shown).toBeGreaterThan(0);
        const hidden = request.paths.length - shown;
        expect(hiddenCount(pathsText ?? '', 'path')).toBe(hidden > 0 ? hidden : undefined);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('quotes a long path or reason only in part, saying how many characters it leaves out', () => {
    // How many drawn requests had a reason or a path long enough to be cut: each check below must have run.
    const cut = { reasons: 0, paths: 0 };
    fc.assert(
      fc.property(anyRequest, (request) => {
        const json = JSON.stringify(requestCard(request).blocks);
        for (const match of json.matchAll(/… \(([\d,]+) more characters?\)/g)) {
          expect(Number((match[1] ?? '').replaceAll(',', ''))).toBeGreaterThan(0);
        }
        const reason = request.reason ?? '';
        if (reason.length > 2_000) {
          cut.reasons += 1;
          expect(json).toMatch(/\*Reason:\*[^"]*… \([\d,]+ more characters\)/);
        }
        const longest = Math.max(...request.paths.slice(0, 25).map((path) => path.length));
        if (longest > 200) {
          cut.paths += 1;
          expect(json).toMatch(/… \([\d,]+ more characters\)`/);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(cut.reasons).toBeGreaterThan(0);
    expect(cut.paths).toBeGreaterThan(0);
  });

  it('keeps every thread notice within the limits', () => {
    const kinds: NoticeKind[] = ['completed', 'failed', 'denied', 'expired', 'cancelled', 'reminder', 'slow'];
    // A request has a notice of a kind only in one status: count the notices drawn, so each kind is checked.
    const drawn = new Map<NoticeKind, number>();
    fc.assert(
      fc.property(anyRequest, (request) => {
        for (const kind of kinds) {
          const message = noticeMessage(request, kind);
          if (!message) continue;
          drawn.set(kind, (drawn.get(kind) ?? 0) + 1);
          expectMessageWithinLimits(message);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(kinds.filter((kind) => !drawn.has(kind))).toEqual([]);
  });

  it('keeps the deny modal and notice modals within the limits of a modal', () => {
    fc.assert(
      fc.property(anyRequest, typedText(5_000), (request, text) => {
        expectSurfaceWithinLimits(denyModal(request, 'C0123DEPLOY'));
        expectSurfaceWithinLimits(noticeModal('Not denied', text));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('keeps /invalidate status within the limits for thousands of audit events and invalidations, counting what it leaves out', () => {
    fc.assert(
      fc.property(anyRequest, auditEvents, liveDetails, (request, events, live) => {
        const message = statusMessage({ request, events }, live, 'full');
        seen.mostEvents = Math.max(seen.mostEvents, events.length);
        expectMessageWithinLimits(message);
        const trail = message.blocks
          .map((block) => textOf(asJson(block).text))
          .find((text) => text.startsWith('*Audit trail*'));
        const shown = (trail ?? '').split('\n').filter((line) => line.startsWith('• ')).length;
        const hidden = events.length - shown;
        expect(hiddenCount(trail ?? '', 'event')).toBe(hidden > 0 ? hidden : undefined);
      }),
      { numRuns: size(15, 150), seed: SEED },
    );
  });

  it('keeps lists, usage and the App Home within the limits', () => {
    fc.assert(
      fc.property(
        fc.array(anyRequest, { maxLength: 10 }),
        fc.string({ maxLength: 5_000 }),
        fc.integer({ min: 1, max: 300 }),
        (requests, cursor, distributions) => {
          const policy = policyWith(distributions);
          const summary: UsageSummary = {
            month: '2026-11',
            paths: 123_456,
            externalPaths: 42,
            freeRemaining: 0,
            costUsd: 612.28,
            projectedUsd: 1_234.5,
            projectedPaths: 250_000,
            byDistribution: policy.distributions
              .slice(0, 5)
              .map((d) => ({ distributionId: d.id, paths: 1_000 })),
            byRequester: [{ requester: 'UREQUEST01', paths: 99 }],
            outside: [],
          };
          // Restricted lines are shorter; every other one is restricted so both forms are drawn.
          const reported = requests.map((request, i) => ({
            access: i % 2 === 0 ? ('full' as const) : ('restricted' as const),
            request,
          }));
          expectMessageWithinLimits(
            listMessage(reported, 'Recent requests', cursor.length <= 2_000 ? cursor : undefined),
          );
          expectMessageWithinLimits(usageMessage(summary, policy));
          expectMessageWithinLimits(helpMessage(policy));
          expectSurfaceWithinLimits(homeView(summary, policy, reported));
        },
      ),
      { numRuns: size(10, 100), seed: SEED },
    );
  });

  it('keeps every ephemeral refusal within the limits, counting the path problems it leaves out', () => {
    const problem = fc.record({
      input: typedText(2_000),
      code: fc.constantFrom('missing_leading_slash', 'wildcard_not_last', 'too_long', 'control_character'),
      message: fc.constantFrom(
        'Add a leading slash: /x',
        'Remove the control character U+0007 from the path.',
      ),
    }) as fc.Arbitrary<PathProblem>;
    fc.assert(
      fc.property(
        fc.array(problem, { minLength: 1, maxLength: 500 }),
        typedText(20_000),
        (problems, target) => {
          const paths = plain(commandRefusalText({ code: 'invalid_paths', problems }));
          expectMessageWithinLimits(paths);
          const shown = textOf(paths.blocks[0] && asJson(paths.blocks[0]).text)
            .split('\n')
            .filter((line) => line.startsWith('• ')).length;
          const hidden = problems.length - shown;
          expect(hiddenCount(paths.text, 'problem')).toBe(hidden > 0 ? hidden : undefined);
          for (const error of [
            { code: 'no_paths' as const, target },
            {
              code: 'usage' as const,
              command: 'status' as const,
              expected: '/invalidate status <request-id>',
            },
          ]) {
            expectMessageWithinLimits(plain(commandRefusalText({ code: 'bad_command', error })));
          }
          expectMessageWithinLimits(
            plain(commandRefusalText({ code: 'unknown_distribution', target, known: [] })),
          );
          expectMessageWithinLimits(plain(`I have no record of request ${target}.`));
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../../src/core/policy.js';
import * as approvalSteps from '../../../src/core/request/approval.js';
import * as choiceSteps from '../../../src/core/request/choice.js';
import * as noticeSteps from '../../../src/core/request/notices.js';
import * as submissionSteps from '../../../src/core/request/submission.js';
import {
  applyChoice,
  applyDecision,
  batchesFor,
  cancel,
  cardPosted,
  cardRedrawn,
  countedDown,
  createRequest,
  expire,
  failed,
  goAsIs,
  type InvalidationRequest,
  LIFECYCLE,
  type LifecycleEdge,
  moreSubmitted,
  noticeRetry,
  noticeSent,
  noticeTried,
  noticeTriedWith,
  pollAgainAt,
  polled,
  queue,
  type RequestIn,
  redrawLater,
  redrawRetry,
  reminderDue,
  retryLater,
  submitted,
  type Transition,
  undeliverable,
  watchdog,
} from '../../../src/core/request.js';
import {
  approved,
  as,
  CAPACITY,
  CARD,
  choosing,
  completed,
  created,
  DECIDED,
  DONE,
  deployPaths,
  EXPIRY,
  ID,
  inProgress,
  NO_APPROVAL,
  newRequest,
  OPEN_POLICY,
  offering,
  POLL,
  POLLED,
  POSTED,
  PRICING,
  partlySubmitted,
  pending,
  QUEUE_RETRY_MS,
  queued,
  REMIND,
  reminding,
  SUBMITTED,
  TIMEOUT_MS,
  WILDCARD_POLICY,
  withIds,
} from './fixtures.js';

const ARCHITECTURE = new URL('../../../docs/architecture.md', import.meta.url);
const README = new URL('../../../README.md', import.meta.url);

/** An edge as a line of the diagram, so that differences read as the diagram does. */
const asLine = ({ from, to, step }: LifecycleEdge) =>
  `${from === 'start' ? '[*]' : from} --> ${to} : ${step}`;

/**
 * The edges of the Mermaid state diagram under "The request lifecycle" (a `##` or `###` heading, up to the
 * next one): every line with an arrow, which must carry a label. A line it cannot read is returned as it is,
 * so that it shows in the comparison.
 */
function diagramEdges(markdown: string): string[] {
  const section = markdown.split(/^#{2,3} The request lifecycle$/m)[1]?.split(/^#{2,3} /m)[0] ?? '';
  const block = /```mermaid\n(stateDiagram-v2\n[\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes('-->'))
    .map((line) => {
      const edge = /^(\S+)\s*-->\s*(\S+)\s*:\s*(\S+)$/.exec(line);
      return edge ? `${edge[1]} --> ${edge[2]} : ${edge[3]}` : line;
    });
}

/** A step run on a sample request, and the statuses it went from and to. */
interface Drive {
  step: string;
  run: () => { from: LifecycleEdge['from']; to: LifecycleEdge['to'] };
}

/** Runs `apply` on the request `build` makes. */
function drive<R extends InvalidationRequest>(
  step: string,
  build: () => R,
  apply: (request: R) => Transition | InvalidationRequest,
): Drive {
  return {
    step,
    run: () => {
      const before = build();
      const result = apply(before);
      return { from: before.status, to: 'request' in result ? result.request.status : result.status };
    },
  };
}

const drives: Drive[] = [
  { step: 'createRequest', run: () => ({ from: 'start', to: createRequest(newRequest()).request.status }) },
  drive('cardPosted', created, (r) => cardPosted(r, CARD, POSTED, TIMEOUT_MS)),
  drive(
    'cardPosted',
    () => created({ approval: NO_APPROVAL }),
    (r) => cardPosted(r, CARD, POSTED, TIMEOUT_MS),
  ),
  drive(
    'cardPosted',
    () => offering(deployPaths()),
    (r) => cardPosted(r, CARD, POSTED, TIMEOUT_MS),
  ),
  drive('countedDown', choosing, (r) => countedDown(r, DECIDED)),
  drive('goAsIs', choosing, (r) => goAsIs(r, 'U0DEV', DECIDED)),
  drive('goAsIs', choosing, (r) => goAsIs(r, undefined, DECIDED)),
  drive('cancel', choosing, (r) => cancel(r, 'U0DEV', DECIDED)),
  drive('applyChoice', choosing, (r) => chosen(r, WILDCARD_POLICY)),
  drive('applyChoice', choosing, (r) => chosen(r, OPEN_POLICY)),
  drive('applyChoice', pendingOffering, (r) => chosen(r, ABOVE_100)),
  drive('applyChoice', pendingOffering, (r) => chosen(r, { ...ABOVE_100, mode: 'wildcard' })),
  drive('undeliverable', created, (r) => undeliverable(r, 'not_in_channel', POSTED)),
  drive('reminderDue', pending, (r) => reminderDue(r, REMIND)),
  drive('applyDecision', reminding, (r) => applyDecision(r, { outcome: 'approved', by: 'U0LEAD' }, DECIDED)),
  drive('applyDecision', pending, (r) =>
    applyDecision(r, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED),
  ),
  drive('expire', pending, (r) => expire(r, EXPIRY)),
  drive('cancel', pending, (r) => cancel(r, 'U0DEV', DECIDED)),
  drive('queue', approved, (r) => queue(r, CAPACITY, DECIDED, QUEUE_RETRY_MS)),
  drive('queue', queued, (r) => queue(r, CAPACITY, POLLED, QUEUE_RETRY_MS)),
  drive('submitted', approved, (r) => submitted(r, withIds(batchesFor(ID, r.paths)), SUBMITTED)),
  drive('submitted', queued, (r) => submitted(r, withIds(batchesFor(ID, r.paths)), SUBMITTED)),
  drive('moreSubmitted', partlySubmitted, (r) => moreSubmitted(r, withIds(r.batches), POLLED)),
  drive('polled', partlySubmitted, (r) => polled(r, new Set(['I1']), POLLED, POLL)),
  drive(
    'polled',
    () => inProgress(),
    (r) => polled(r, new Set(['I1']), DONE, POLL),
  ),
  drive(
    'pollAgainAt',
    () => inProgress(),
    (r) => pollAgainAt(r, polled(r, new Set(), POLLED, POLL), DONE),
  ),
  drive(
    'watchdog',
    () => inProgress(),
    (r) => watchdog(r, POLLED),
  ),
  drive('failed', created, (r) => failed(r, 'X', 'x', POLLED)),
  drive('failed', approved, (r) => failed(r, 'X', 'x', POLLED)),
  drive('failed', queued, (r) => failed(r, 'X', 'x', POLLED)),
  drive(
    'failed',
    () => inProgress(),
    (r) => failed(r, 'X', 'x', POLLED),
  ),
  drive('retryLater', approved, (r) => retryLater(r, POLLED, 1_000)),
  drive('noticeTried', completed, noticeTried),
  drive('noticeTriedWith', completed, (r) => noticeTriedWith({ request: r }, DONE)),
  drive('noticeRetry', completed, (r) => noticeRetry(r, DONE, 1_000)),
  drive('noticeSent', completed, (r) => noticeSent(r, DONE)),
  drive('redrawLater', pending, (r) => redrawLater({ request: r }, DECIDED)),
  drive(
    'cardRedrawn',
    () => redrawLater({ request: pending() }, DECIDED).request,
    (r) => cardRedrawn(r, DECIDED),
  ),
  drive('redrawRetry', pending, (r) => redrawRetry(r, DECIDED, 1_000)),
];

/** Paths past 100 need approval; a wildcard does not. */
const ABOVE_100: ApprovalPolicy = { ...OPEN_POLICY, abovePaths: 100 };

/** A deploy of 242 paths waiting for approval (past 100), with /assets/* on offer. */
function pendingOffering(): RequestIn<'pending_approval'> {
  const request = offering(deployPaths(), { policy: ABOVE_100 });
  return as('pending_approval', cardPosted(request, CARD, POSTED, TIMEOUT_MS).request);
}

/** The requester takes the first wildcard offered, on a distribution with `policy`. */
function chosen(
  request: RequestIn<'awaiting_choice' | 'pending_approval'>,
  policy: ApprovalPolicy,
): Transition {
  const wildcard = request.offers?.wildcards[0]?.wildcard ?? '';
  const applied = applyChoice(
    request,
    { kind: 'wildcard', wildcard },
    {
      policy,
      pricing: PRICING,
      approvalTimeoutMs: TIMEOUT_MS,
      now: DECIDED,
    },
  );
  if ('code' in applied) throw new Error('the wildcard was not offered');
  return applied;
}

/** The changes of status the steps make when driven: a step that keeps the status makes none. */
function producedEdges(): string[] {
  const edges = drives.flatMap(({ step, run }) => {
    const { from, to } = run();
    return from === to ? [] : [`${from === 'start' ? '[*]' : from} --> ${to} : ${step}`];
  });
  return [...new Set(edges)].sort();
}

describe('the request lifecycle', () => {
  it('draws in docs/architecture.md exactly the changes of status the core lists', () => {
    const drawn = diagramEdges(readFileSync(ARCHITECTURE, 'utf8'));
    expect(drawn.sort()).toEqual(LIFECYCLE.map(asLine).sort());
  });

  it('draws the same diagram in the README', () => {
    const drawn = diagramEdges(readFileSync(README, 'utf8'));
    expect(drawn.sort()).toEqual(LIFECYCLE.map(asLine).sort());
  });

  it('lists exactly the changes of status the steps make', () => {
    expect(producedEdges()).toEqual(LIFECYCLE.map(asLine).sort());
  });

  it('drives every step the lifecycle modules export', () => {
    // Questions and helpers, not steps; `awaitChoice` is the part of `cardPosted` that waits for a choice.
    const questions = new Set([
      'hasSent',
      'approvalTimeoutMs',
      'offersOf',
      'withoutChoice',
      'awaitChoice',
      'nextChoiceTick',
    ]);
    const exported = Object.entries({ ...approvalSteps, ...submissionSteps, ...noticeSteps, ...choiceSteps })
      .filter(([name, value]) => typeof value === 'function' && !questions.has(name))
      .map(([name]) => name);
    expect(new Set(drives.map(({ step }) => step))).toEqual(new Set(exported));
  });
});

describe('reading the diagram', () => {
  it.each([
    ['a labelled edge', '  new --> approved : cardPosted', ['new --> approved : cardPosted']],
    ['the start', '[*] --> new : createRequest', ['[*] --> new : createRequest']],
    ['an unlabelled edge, as it is', 'new --> approved', ['new --> approved']],
    ['no edge in a note', 'note right of new : not yet visible', []],
  ])('reads %s', (_, line, edges) => {
    const markdown = `## The request lifecycle\n\n\`\`\`mermaid\nstateDiagram-v2\n${line}\n\`\`\`\n\n## Next\n`;
    expect(diagramEdges(markdown)).toEqual(edges);
  });

  it('reads only the diagram of its own section', () => {
    const other = '## Other\n\n```mermaid\nstateDiagram-v2\n  a --> b : x\n```\n';
    const markdown = `${other}## The request lifecycle\n\n\`\`\`mermaid\nstateDiagram-v2\n  new --> approved : cardPosted\n\`\`\`\n${other}`;
    expect(diagramEdges(markdown)).toEqual(['new --> approved : cardPosted']);
  });
});

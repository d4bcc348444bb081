import { describe, expect, it } from 'vitest';
import { auditSentences } from '../../../src/adapters/slack/audit-lines.js';
import {
  actorWords,
  commitWords,
  denyModal,
  noticeMessage,
  pipelineOf,
  requestCard,
  requesterWords,
  safeLink,
  sourceLine,
} from '../../../src/adapters/slack/blocks.js';
import { cancelRefusalText, decisionRefusalText } from '../../../src/adapters/slack/messages.js';
import {
  homeView,
  listMessage,
  statusMessage,
  usageMessage,
} from '../../../src/adapters/slack/report-blocks.js';
import { parseStoreConfig } from '../../../src/config.js';
import {
  type AuditEvent,
  applyDecision,
  batchesFor,
  cancel,
  cardPosted,
  createRequest,
  expire,
  failed,
  type InvalidationRequest,
  type NoticeKind,
  type PipelineSource,
  pipelineRequester,
  polled,
  queue,
  reminderDue,
  submitted,
  type Transition,
  undeliverable,
} from '../../../src/core/request.js';
import type { UsageSummary } from '../../../src/core/usage.js';
import {
  as,
  CAPACITY,
  CARD,
  DECIDED,
  DONE,
  EXPIRY,
  newRequest,
  POLL,
  POLLED,
  POSTED,
  QUEUE_RETRY_MS,
  REMIND,
  SLOW,
  SUBMITTED,
  TIMEOUT_MS,
  withIds,
} from '../../core/request/fixtures.js';

const PIPELINE = pipelineRequester('web-deploy');
const SHA = '0123abcd4567ef890123abcd4567ef890123abcd';
const SOURCE: PipelineSource = {
  pipeline: 'web-deploy',
  url: 'https://ci.example.com/acme/web/actions/runs/42?attempt=1&tab=logs',
  commit: SHA,
  run: 'Deploy web #42',
};

const POLICY = parseStoreConfig(
  {},
  {
    path: 'invalidator.config.yml',
    content: { distributions: { web: { id: 'E2ABCDEF123XYZ', approval: 'never' } } },
  },
).policy;
const SUMMARY: UsageSummary = {
  month: '2026-05',
  paths: 2,
  externalPaths: 0,
  freeRemaining: 998,
  costUsd: 0,
  projectedUsd: 0,
  projectedPaths: 4,
  byDistribution: [],
  byRequester: [{ requester: PIPELINE, paths: 2 }],
  outside: [],
};
/** A pipeline's request, from its creation on, with every audit event its steps made. */
interface Drawn {
  request: InvalidationRequest;
  events: AuditEvent[];
}

function createdBy(source: PipelineSource | undefined = SOURCE, requester = PIPELINE) {
  return createRequest(newRequest({ requester, ...(source ? { source } : {}) }));
}

/** Each step after the last, keeping the events: `then(step)` is the request one step on. */
function lifecycle(source: PipelineSource | undefined = SOURCE) {
  const start = createdBy(source);
  const chain = (drawn: Drawn, step: Transition): Drawn => ({
    request: step.request,
    events: step.event ? [...drawn.events, step.event] : drawn.events,
  });
  const created: Drawn = { request: start.request, events: [start.event] };
  const pending = chain(created, cardPosted(start.request, CARD, POSTED, TIMEOUT_MS));
  const pendingRequest = as('pending_approval', pending.request);
  const approved = chain(
    pending,
    applyDecision(pendingRequest, { outcome: 'approved', by: 'U0LEAD' }, DECIDED),
  );
  const approvedRequest = as('approved', approved.request);
  const batches = withIds(batchesFor(approvedRequest.id, approvedRequest.paths));
  const inProgress = chain(approved, submitted(approvedRequest, batches, SUBMITTED));
  const inProgressRequest = as('in_progress', inProgress.request);
  return {
    created,
    pending,
    reminding: chain(pending, reminderDue(pendingRequest, REMIND)),
    approved,
    queued: chain(approved, queue(approvedRequest, CAPACITY, DECIDED, QUEUE_RETRY_MS)),
    inProgress,
    slow: chain(inProgress, polled(inProgressRequest, new Set(), SLOW, POLL)),
    completed: chain(inProgress, polled(inProgressRequest, new Set(['I1']), DONE, POLL)),
    failed: chain(inProgress, failed(inProgressRequest, 'AccessDenied', 'Access denied', POLLED)),
    denied: chain(
      pending,
      applyDecision(pendingRequest, { outcome: 'denied', by: 'U0LEAD', reason: 'not now' }, DECIDED),
    ),
    expired: chain(pending, expire(pendingRequest, EXPIRY)),
    cancelled: chain(pending, cancel(pendingRequest, PIPELINE, DECIDED)),
    undeliverable: chain(created, undeliverable(start.request, 'not_in_channel', POSTED)),
  };
}

const stages = lifecycle();
const pendingRequest = as('pending_approval', stages.pending.request);

/** Everything drawn, as one string: every text object, field, button and fallback. */
function allText(value: unknown): string {
  return JSON.stringify(value);
}

function cardTexts(request: InvalidationRequest): string[] {
  const blocks: unknown[] = requestCard(request).blocks;
  return JSON.parse(JSON.stringify(blocks)).flatMap(
    (block: {
      text?: { text: string };
      fields?: Array<{ text: string }>;
      elements?: Array<{ text?: string }>;
    }) => [
      ...(block.text ? [block.text.text] : []),
      ...(block.fields ?? []).map((field) => field.text),
      ...(block.elements ?? []).flatMap((element) =>
        typeof element.text === 'string' ? [element.text] : [],
      ),
    ],
  );
}

/** The card's context line about the pipeline, if any. */
function sourceOnCard(request: InvalidationRequest): string | undefined {
  return cardTexts(request).find((text) => text.includes('Requested by pipeline'));
}

const withSource = (source: Partial<PipelineSource>) =>
  createdBy({ pipeline: 'web-deploy', ...source }).request;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('who a request names as its requester', () => {
  it.each([
    ['U0DEV', '<@U0DEV>', undefined],
    ['W0ENTERPRISE', '<@W0ENTERPRISE>', undefined],
    [PIPELINE, 'pipeline `web-deploy`', 'web-deploy'],
    ['pipeline:a`b<c>', 'pipeline `aˋb&lt;c&gt;`', 'a`b<c>'],
  ])('writes %s as %s', (id, words, pipeline) => {
    expect(actorWords(id)).toBe(words);
    expect(requesterWords({ requester: id })).toBe(words);
    expect(pipelineOf(id)).toBe(pipeline);
  });
});

describe('a pipeline request’s card', () => {
  it('says which pipeline asked, its run, a link to the CI run and the commit, and mentions nobody for it', () => {
    const texts = cardTexts(pendingRequest);
    expect(texts).toContain('*Requested by*\npipeline `web-deploy`');
    expect(sourceOnCard(pendingRequest)).toBe(
      `:robot_face: Requested by pipeline \`web-deploy\` · run \`Deploy web #42\` · <${SOURCE.url}|CI run> · commit \`0123abcd4567\``,
    );
    expect(allText(requestCard(pendingRequest))).not.toContain('<@pipeline');
  });

  it('draws no pipeline line for a person’s request', () => {
    const person = createRequest(newRequest()).request;
    expect(sourceOnCard(person)).toBeUndefined();
    expect(cardTexts(person)).toContain('*Requested by*\n<@U0DEV>');
  });

  it('shows the pipeline alone when it sent no run, URL or commit', () => {
    expect(sourceOnCard(withSource({}))).toBe(':robot_face: Requested by pipeline `web-deploy`');
  });

  it.each([
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a javascript: URL dressed as one with a host', 'javascript://ci.example.com/%0aalert(1)'],
    ['an ftp: URL', 'ftp://ci.example.com/run/42'],
    ['a URL with a backtick', 'https://ci.example.com/`run`'],
    ['a URL with a pipe that would relabel the link', 'https://x|evil'],
    ['a URL with a space', 'https://ci.example.com/run 42'],
    ['a URL with angle brackets', 'https://ci.example.com/<!here>'],
    ['a URL with a new line', 'https://ci.example.com/\n<!channel>'],
    ['a relative URL', '/runs/42'],
    ['a scheme without a host', 'https://'],
    ['a 10,000-character URL', `https://ci.example.com/${'a'.repeat(10_000)}`],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
  ])('leaves out %s rather than link it', (_case, url) => {
    expect(safeLink(url)).toBeUndefined();
    const line = sourceOnCard(withSource({ url })) ?? '';
    expect(line).toBe(':robot_face: Requested by pipeline `web-deploy`');
    expect(line).not.toContain('CI run');
  });

  it.each([
    'https://ci.example.com/acme/web/actions/runs/42?attempt=1&tab=logs',
    'http://jenkins.internal:8080/job/web/42/',
    `https://ci.example.com/${'a'.repeat(400)}`,
  ])('links %s as the CI run', (url) => {
    expect(safeLink(url)).toBe(url);
    expect(sourceOnCard(withSource({ url }))).toContain(`<${url}|CI run>`);
  });

  it.each([
    [SHA, '`0123abcd4567`'],
    ['ABCDEF1', '`ABCDEF1`'],
    ['v4.2.0', '`v4.2.0`'],
    ['<!here> deploy', '`&lt;!here&gt; deploy`'],
    ['a`b', '`aˋb`'],
  ])('shows the commit %s as %s', (commit, shown) => {
    expect(commitWords(commit)).toBe(shown);
  });

  it('clips a long commit that is not a SHA, and never lets a typed mention through', () => {
    const commit = `<!channel> ${'x'.repeat(500)}`;
    const line = sourceOnCard(withSource({ commit })) ?? '';
    expect(line).toContain('commit `&lt;!channel&gt; ');
    expect(line).toContain('more characters)');
    expect(line).not.toContain('<!channel>');
    expect(line.length).toBeLessThan(200);
  });

  it('quotes a multi-byte run name whole, and clips a long one between characters', () => {
    expect(sourceLine({ pipeline: 'web-deploy', run: '部署 web 🚀 #42' })).toContain('run `部署 web 🚀 #42`');
    const long = sourceLine({ pipeline: 'web-deploy', run: '🚀'.repeat(200) });
    expect(long).toContain('more characters)');
    expect(long).not.toMatch(LONE_SURROGATE);
    expect(long.length).toBeLessThan(250);
  });

  it('says any approver may decide, and nothing about approving one’s own request, while it waits', () => {
    const line = cardTexts(pendingRequest).find((text) => text.startsWith(':lock: Needs approval')) ?? '';
    expect(line).toContain('Approvers: <!subteam^S0ONCALL>, <@U0LEAD>.');
    expect(line).toContain('Any approver may decide; only the pipeline can cancel.');
    expect(line).not.toMatch(/own request|Self-approval|the requester may approve/);
    const selfApproving = createRequest(
      newRequest({
        requester: PIPELINE,
        source: SOURCE,
        approval: { ...newRequest().approval, selfApproval: true },
      }),
    ).request;
    expect(cardTexts(selfApproving).join('\n')).not.toMatch(/Self-approval|own request/);
  });

  it('keeps the self-approval sentence for a person’s request', () => {
    const person = createRequest(newRequest()).request;
    expect(cardTexts(person).join('\n')).toContain('The requester cannot approve their own request.');
  });

  it('names the pipeline that cancelled its request in the outcome', () => {
    expect(cardTexts(stages.cancelled.request).join('\n')).toContain(
      ':no_entry_sign: Cancelled by pipeline `web-deploy`',
    );
  });

  it('names the pipeline in the Deny form', () => {
    expect(allText(denyModal(pendingRequest, 'C0DEPLOY'))).toContain(
      'Deny *req-01JABCDEF* by pipeline `web-deploy` on',
    );
  });
});

describe('a pipeline request’s thread notices', () => {
  const notice = (drawn: Drawn, kind: NoticeKind) => noticeMessage(drawn.request, kind)?.text ?? '';

  it.each<[NoticeKind, keyof ReturnType<typeof lifecycle>, string]>([
    [
      'completed',
      'completed',
      ':white_check_mark: Invalidation req-01JABCDEF of 2 paths on `web`, requested by pipeline `web-deploy`, completed in 2m 13s.',
    ],
    [
      'failed',
      'failed',
      ':x: Invalidation req-01JABCDEF on `web`, requested by pipeline `web-deploy`, failed: Access denied (AccessDenied)',
    ],
    [
      'denied',
      'denied',
      ':no_entry: Invalidation req-01JABCDEF on `web`, requested by pipeline `web-deploy`, was denied by <@U0LEAD>. Nothing was submitted.\n*Reason:* not now',
    ],
    [
      'expired',
      'expired',
      ':hourglass: Invalidation req-01JABCDEF on `web`, requested by pipeline `web-deploy`, expired: nobody decided within 30 minutes. Nothing was submitted; run the pipeline again to ask anew.',
    ],
    [
      'cancelled',
      'cancelled',
      ':no_entry_sign: Invalidation req-01JABCDEF on `web`, requested by pipeline `web-deploy`, was cancelled by pipeline `web-deploy`. Nothing was submitted.',
    ],
    [
      'slow',
      'slow',
      ':hourglass_flowing_sand: req-01JABCDEF, requested by pipeline `web-deploy`, submitted <!date^',
    ],
    [
      'reminder',
      'reminding',
      ':bell: <!subteam^S0ONCALL>, <@U0LEAD>: req-01JABCDEF by pipeline `web-deploy` is still waiting for a decision',
    ],
  ])('reads well without a mention: %s', (kind, stage, expected) => {
    const said = notice(stages[stage], kind);
    expect(said.startsWith(expected)).toBe(true);
    expect(said).not.toContain('<@pipeline');
    expect(said).not.toContain('by you');
  });

  it('still mentions a person first, and tells them "by you" when they cancelled', () => {
    const person = createRequest(newRequest()).request;
    const posted = as('pending_approval', cardPosted(person, CARD, POSTED, TIMEOUT_MS).request);
    const said = noticeMessage(cancel(posted, 'U0DEV', DECIDED).request, 'cancelled')?.text ?? '';
    expect(said).toBe(
      '<@U0DEV> :no_entry_sign: Invalidation req-01JABCDEF on `web` was cancelled by you. Nothing was submitted.',
    );
  });
});

describe('a pipeline request in reports', () => {
  it('names the pipeline in the status header and its audit trail', () => {
    const stored = { request: stages.completed.request, events: stages.completed.events };
    const text = allText(statusMessage(stored, [], 'full'));
    expect(text).toContain('requested by pipeline `web-deploy`');
    const sentences = auditSentences(stages.completed.events, stages.completed.request);
    expect(sentences[0]).toMatch(/^<!date\^\d+\^[^>]+> pipeline `web-deploy` asked for 2 paths on `web`$/);
    expect(sentences[1]).toMatch(/ <@U0LEAD> approved$/);
  });

  it('says a notice was posted in the thread, not that a pipeline was told', () => {
    const event: AuditEvent = {
      requestId: stages.completed.request.id,
      type: 'notice_sent',
      key: 'notice_sent:completed',
      at: DONE,
      details: { kind: 'completed' },
    };
    const [sentence] = auditSentences([event], stages.completed.request);
    expect(sentence).toMatch(/ posted in the thread that it completed$/);
  });

  it('names the pipeline that cancelled in the audit trail', () => {
    const sentences = auditSentences(stages.cancelled.events, stages.cancelled.request);
    expect(sentences.at(-1)).toMatch(/ pipeline `web-deploy` cancelled the request$/);
  });

  it('names the pipeline in a list line', () => {
    const text = allText(
      listMessage([{ access: 'full', request: stages.completed.request }], 'Recent', undefined),
    );
    expect(text).toContain('`web` 2 paths · pipeline `web-deploy` · <!date^');
  });

  it('lists a pipeline among the top requesters by name', () => {
    const summary: UsageSummary = {
      month: '2026-05',
      paths: 12,
      externalPaths: 0,
      freeRemaining: 988,
      costUsd: 0,
      projectedUsd: 0,
      projectedPaths: 40,
      byDistribution: [],
      byRequester: [
        { requester: PIPELINE, paths: 10 },
        { requester: 'U0DEV', paths: 2 },
      ],
      outside: [],
    };
    const text = allText(usageMessage(summary, POLICY));
    expect(text).toContain('• pipeline `web-deploy` 10 paths\\n• <@U0DEV> 2 paths');
  });

  it('shows a waiting pipeline request on an approver’s Home tab, with Approve and Deny', () => {
    const view = homeView(SUMMARY, POLICY, [], {
      approver: true,
      requests: [pendingRequest],
      unconfirmed: [],
    });
    const text = allText(view);
    expect(text).toContain(
      '*req-01JABCDEF* `web` 2 paths · pipeline `web-deploy` in <#C0123DEPLOY> · expires',
    );
    expect(text).toContain('"action_id":"invalidator.approve"');
  });
});

describe('a pipeline request in refusals', () => {
  it('tells a person who tries to cancel it that only the pipeline can', () => {
    expect(cancelRefusalText({ code: 'not_requester', request: pendingRequest })).toBe(
      'req-01JABCDEF was requested by pipeline `web-deploy`: only the pipeline can cancel it. Approvers can deny it instead.',
    );
  });

  it('says the pipeline already cancelled it', () => {
    const refusal = { code: 'already_decided', request: stages.cancelled.request } as const;
    expect(decisionRefusalText(refusal)).toMatch(/^pipeline `web-deploy` already cancelled req-01JABCDEF /);
    expect(cancelRefusalText(refusal)).toMatch(/^pipeline `web-deploy` already cancelled /);
  });
});

const KINDS: NoticeKind[] = ['completed', 'failed', 'denied', 'expired', 'cancelled', 'reminder', 'slow'];

describe('every surface a pipeline request is drawn on', () => {
  /** Everything the bot can draw of one request and its trail. */
  function surfaces({ request, events }: Drawn): unknown[] {
    const drawn: unknown[] = [
      requestCard(request),
      denyModal(request, 'C0DEPLOY'),
      ...KINDS.map((kind) => noticeMessage(request, kind)),
      statusMessage({ request, events }, [], 'full'),
      listMessage([{ access: 'full', request }], 'Recent', undefined),
      cancelRefusalText({ code: 'not_requester', request }),
      cancelRefusalText({ code: 'already_decided', request }),
      decisionRefusalText({ code: 'already_decided', request }),
      decisionRefusalText({ code: 'distribution_removed', request }),
      homeView(SUMMARY, POLICY, [{ access: 'full', request }]),
    ];
    if (request.status === 'pending_approval') {
      drawn.push(homeView(SUMMARY, POLICY, [], { approver: true, requests: [request], unconfirmed: [] }));
    }
    return drawn;
  }

  const hostile: PipelineSource = {
    pipeline: 'web-deploy',
    url: 'https://x|<!here>',
    commit: '<!channel> <@U0BOSS>',
    run: '<!everyone> `rm -rf` *bold*',
  };

  it.each([
    ['with a source', SOURCE],
    ['with a hostile source', hostile],
    ['without a source', undefined],
  ])('never mentions the pipeline, nor lets what it sent mention anyone, %s', (_case, source) => {
    const all = lifecycle(source);
    for (const [stage, drawn] of Object.entries(all)) {
      const text = allText(surfaces(drawn));
      expect(text, stage).not.toContain('<@pipeline');
      expect(text, stage).not.toMatch(/<!(here|channel|everyone)>|<@U0BOSS>/);
      expect(text, stage).toContain('pipeline `web-deploy`');
    }
  });
});

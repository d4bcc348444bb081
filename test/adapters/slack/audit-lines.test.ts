import { describe, expect, it } from 'vitest';
import { auditSentence, auditSentences } from '../../../src/adapters/slack/audit-lines.js';
import { statusMessage } from '../../../src/adapters/slack/report-blocks.js';
import {
  type AuditEvent,
  type AuditEventType,
  applyChoice,
  applyDecision,
  batchesFor,
  type Choice,
  cancel,
  cardPosted,
  createRequest,
  expire,
  failed,
  goAsIs,
  type InvalidationRequest,
  moreSubmitted,
  noticeSent,
  noticeTried,
  polled,
  queue,
  type RequestIn,
  refusedClick,
  submitted,
  type Transition,
  undeliverable,
} from '../../../src/core/request.js';
import {
  approved,
  CAPACITY,
  CARD,
  cancelled,
  choosing,
  completed,
  created,
  DECIDED,
  DONE,
  denied,
  deployPaths,
  EXPIRY,
  expired,
  failedRequest,
  inProgress,
  manyPaths,
  NO_APPROVAL,
  newRequest,
  OPEN_POLICY,
  POLL,
  POLLED,
  POSTED,
  PRICING,
  pending,
  QUEUE_RETRY_MS,
  REMIND,
  reminding,
  SUBMITTED,
  slowlyInProgress,
  TIMEOUT_MS,
  WILDCARD_POLICY,
  withIds,
} from '../../core/request/fixtures.js';

/** An event and the request it belongs to (after it), as the core's own step made them. */
interface Step {
  event: AuditEvent;
  request: InvalidationRequest;
}

function step(transition: Transition): Step {
  if (!transition.event) throw new Error(`no event for ${transition.request.status}`);
  return { event: transition.event, request: transition.request };
}

/** The sentence without its leading time, which has tests of its own. */
function words({ event, request }: Step): string {
  const sentence = auditSentence(event, request);
  const match = /^<!date\^\d+\^[^|]+\|[^>]+> (.*)$/s.exec(sentence);
  if (!match?.[1]) throw new Error(`no time leads ${sentence}`);
  return match[1];
}

function pendingWith(rules: RequestIn<'pending_approval'>['approval']['rules']) {
  const request = pending();
  return { ...request, approval: { ...request.approval, rules } };
}

/** The requester's choice on a request waiting for it, on a distribution with `policy`. */
function chosen(choice: Choice, paths = deployPaths(), policy = OPEN_POLICY): Transition {
  const result = applyChoice(choosing(paths), choice, {
    policy,
    pricing: PRICING,
    approvalTimeoutMs: TIMEOUT_MS,
    now: DECIDED,
  });
  if ('code' in result) throw new Error('not offered');
  return result;
}

const told = (request: InvalidationRequest, at = DONE) => step(noticeSent(noticeTried(request), at));

const refused = (
  action: 'approve' | 'deny' | 'cancel',
  code: Parameters<typeof refusedClick>[1]['code'],
  by = 'U0OTHER',
) => {
  const request = pending();
  return { event: refusedClick(request, { action, code, by, refusalId: 'R1' }, DECIDED), request };
};

/** Every event type the core makes, each in every form it takes, and the sentence it reads as. */
const SENTENCES: Array<[AuditEventType, string, () => Step, string]> = [
  [
    'requested',
    'with its reason',
    () => step(createRequest(newRequest({ reason: 'release 4.2' }))),
    '<@U0DEV> asked for 2 paths on `web`: release 4.2',
  ],
  [
    'requested',
    'past the free allowance, without a reason',
    () =>
      step(
        createRequest(
          newRequest({
            cost: { ...newRequest().cost, billable: 2, costUsd: 0.01 },
          }),
        ),
      ),
    '<@U0DEV> asked for 2 paths on `web` (costing $0.01)',
  ],
  [
    'approved',
    'by the policy',
    () => step(cardPosted(created({ approval: NO_APPROVAL }), CARD, POSTED, TIMEOUT_MS)),
    'approved automatically: no approval needed',
  ],
  [
    'changed',
    'to a wildcard, sparing money',
    () => step(chosen({ kind: 'wildcard', wildcard: '/assets/*' })),
    '<@U0DEV> chose `/assets/*`: 242 paths became 3, sparing $1.20',
  ],
  [
    'changed',
    'dropping the hashed files',
    () => step(chosen({ kind: 'drop_hashed' }, [...deployPaths(8), '/a/1.png', '/a/2.png'], WILDCARD_POLICY)),
    '<@U0DEV> dropped the files with a content hash in their names: 12 paths became 4, sparing $0.04',
  ],
  [
    'approved',
    'as it was, by its requester',
    () => step(goAsIs(choosing(), 'U0DEV', DECIDED)),
    '<@U0DEV> submitted it as it was: no approval needed',
  ],
  [
    'approved',
    'as it was, nobody having chosen',
    () => step(goAsIs(choosing(), undefined, DECIDED)),
    'went as it was: nobody chose a cheaper form in time, and no approval was needed',
  ],
  [
    'approved',
    'by an approver',
    () => step(applyDecision(pending(), { outcome: 'approved', by: 'U0LEAD' }, DECIDED)),
    '<@U0LEAD> approved',
  ],
  [
    'approved',
    'overriding the budget and the hourly limit',
    () =>
      step(
        applyDecision(
          pendingWith([
            { rule: 'over_budget', usedAfter: 10_002, budget: 10_000 },
            { rule: 'requester_limit', requests: 12, paths: 40, requestsPerHour: 10 },
          ]),
          { outcome: 'approved', by: 'U0LEAD' },
          DECIDED,
        ),
      ),
    "<@U0LEAD> approved, overriding the monthly budget (10,002 of 10,000 paths) and the requester's hourly limit",
  ],
  [
    'denied',
    'with the reason typed',
    () => step(applyDecision(pending(), { outcome: 'denied', by: 'U0LEAD', reason: 'not now' }, DECIDED)),
    '<@U0LEAD> denied: not now',
  ],
  [
    'undeliverable',
    'with what Slack answered',
    () => step(undeliverable(created(), 'not_in_channel', POSTED)),
    'the card could not be posted: Slack answered `not_in_channel`',
  ],
  [
    'expired',
    'with the timeout it had',
    () => step(expire(pending(), EXPIRY)),
    'expired: nobody decided within 30 minutes',
  ],
  [
    'cancelled',
    'by the requester',
    () => step(cancel(pending(), 'U0DEV', DECIDED)),
    '<@U0DEV> cancelled the request',
  ],
  [
    'queued',
    'for room at CloudFront',
    () => step(queue(approved(), CAPACITY, DECIDED, QUEUE_RETRY_MS)),
    "queued: CloudFront's in-progress limit on this distribution was reached",
  ],
  [
    'queued',
    'behind older requests',
    () => step(queue(approved(), { code: 'behind_older' }, DECIDED, QUEUE_RETRY_MS)),
    'queued: behind older requests waiting for room on this distribution',
  ],
  [
    'queued',
    'when CloudFront said too many were in progress',
    () => step(queue(approved(), { code: 'too_many_in_progress' }, DECIDED, QUEUE_RETRY_MS)),
    'queued: CloudFront answered that too many invalidations were in progress',
  ],
  [
    'submitted',
    'in one invalidation',
    () => {
      const request = approved();
      return step(submitted(request, withIds(batchesFor(request.id, request.paths)), SUBMITTED));
    },
    'submitted as `I1`, 2 paths',
  ],
  [
    'submitted',
    'in part, the rest waiting for room',
    () => {
      const request = approved(manyPaths(3001));
      return step(submitted(request, withIds(batchesFor(request.id, request.paths), 1), SUBMITTED));
    },
    'submitted as `I1`, 3,000 of 3,001 paths; the rest wait for room at CloudFront',
  ],
  [
    'completed',
    'with how long CloudFront took',
    () => step(polled(inProgress(), new Set(['I1']), DONE, POLL)),
    'completed in 2m 13s',
  ],
  [
    'failed',
    "with CloudFront's message and code",
    () => step(failed(inProgress(), 'AccessDenied', 'Access denied', POLLED)),
    'failed: Access denied (`AccessDenied`)',
  ],
  [
    'reminder_sent',
    'to the approvers',
    () => told(reminding(), REMIND),
    'reminded the approvers in the thread',
  ],
  [
    'notice_sent',
    'of a completion',
    () => told(completed()),
    'told <@U0DEV> in the thread that it completed',
  ],
  ['notice_sent', 'of a failure', () => told(failedRequest()), 'told <@U0DEV> in the thread that it failed'],
  ['notice_sent', 'of a denial', () => told(denied()), 'told <@U0DEV> in the thread that it was denied'],
  ['notice_sent', 'of an expiry', () => told(expired()), 'told <@U0DEV> in the thread that it expired'],
  [
    'notice_sent',
    'of a cancellation',
    () => told(cancelled()),
    'told <@U0DEV> in the thread that it was cancelled',
  ],
  [
    'notice_sent',
    'of a slow invalidation',
    () => told(slowlyInProgress()),
    'told <@U0DEV> in the thread that it was still in progress',
  ],
  [
    'refused',
    'an approval by someone not an approver',
    () => refused('approve', 'not_an_approver'),
    '<@U0OTHER> tried to approve: not an approver',
  ],
  [
    'refused',
    "a decision on one's own request",
    () => refused('deny', 'own_request', 'U0DEV'),
    '<@U0DEV> tried to deny: it was their own request',
  ],
  [
    'refused',
    'an approval Slack could not confirm',
    () => refused('approve', 'approvers_unresolved'),
    "<@U0OTHER> tried to approve: Slack could not confirm the approvers' group",
  ],
  [
    'refused',
    'a cancel by someone else',
    () => refused('cancel', 'not_requester'),
    '<@U0OTHER> tried to cancel: only the requester can do that',
  ],
  [
    'refused',
    'a decision on a removed distribution',
    () => refused('approve', 'distribution_removed'),
    '<@U0OTHER> tried to approve: the distribution is no longer configured',
  ],
];

// A new event type fails to compile here until it has a row above (and a sentence in audit-lines.ts).
const COVERED = {
  requested: true,
  changed: true,
  approved: true,
  denied: true,
  undeliverable: true,
  expired: true,
  cancelled: true,
  queued: true,
  submitted: true,
  completed: true,
  failed: true,
  reminder_sent: true,
  notice_sent: true,
  refused: true,
} satisfies Record<AuditEventType, true>;

describe('the audit trail as sentences', () => {
  it('has a row for every event type', () => {
    expect(new Set(SENTENCES.map(([type]) => type))).toEqual(new Set(Object.keys(COVERED)));
  });

  it.each(SENTENCES)('reads a %s event %s', (type, _form, made, sentence) => {
    const made_ = made();
    expect(made_.event.type).toBe(type);
    expect(words(made_)).toBe(sentence);
  });

  it('leads with the time in the viewer’s zone, the request’s own event with its date', () => {
    const request = step(createRequest(newRequest()));
    expect(auditSentence(request.event, request.request)).toMatch(
      /^<!date\^1777888800\^\{date_short_pretty\} \{time\}\|2026-05-04 10:00 UTC> /,
    );
    const approval = step(applyDecision(pending(), { outcome: 'approved', by: 'U0LEAD' }, DECIDED));
    expect(auditSentence(approval.event, approval.request)).toMatch(
      /^<!date\^1777889100\^\{time\}\|10:05 UTC> <@U0LEAD> approved$/,
    );
  });

  it('dates an event on a later day than the request', () => {
    const nextDay = '2026-05-05T00:10:00.000Z';
    const later = step(polled(inProgress(), new Set(['I1']), nextDay, POLL));
    expect(auditSentence(later.event, later.request)).toMatch(
      /^<!date\^\d+\^\{date_short_pretty\} \{time\}\|2026-05-05 00:10 UTC> completed in /,
    );
  });

  it('names only the invalidations a later submission added, and the paths sent so far', () => {
    const first = inProgress(manyPaths(3001), 1);
    const firstEvent = step(submitted(approved(manyPaths(3001)), first.batches, SUBMITTED)).event;
    const rest = step(moreSubmitted(first, withIds(first.batches), POLLED));
    const [, second] = auditSentences([firstEvent, rest.event], rest.request);
    expect(second).toMatch(/> submitted `I2` too: all 3,001 paths now$/);
  });

  it('names three invalidations and counts the rest', () => {
    const request = approved(manyPaths(3001));
    const event: AuditEvent = {
      ...step(submitted(request, withIds(batchesFor(request.id, request.paths)), SUBMITTED)).event,
      details: { invalidationIds: ['I1', 'I2', 'I3', 'I4', 'I5'], paths: 3001 },
    };
    expect(words({ event, request })).toBe('submitted as `I1`, `I2`, `I3` and 2 more, 3,001 paths');
  });

  it('escapes and clips a long typed reason, so a typed mention stays text', () => {
    const reason = `<!here> 部署 🚀 ${'ü'.repeat(1_000)}`;
    const made = step(applyDecision(pending(), { outcome: 'denied', by: 'U0LEAD', reason }, DECIDED));
    const sentence = words(made);
    expect(sentence.startsWith('<@U0LEAD> denied: &lt;!here&gt; 部署 🚀 üü')).toBe(true);
    expect(sentence).not.toContain('<!here>');
    expect(sentence).toMatch(/… \(\d[\d,]* more characters\)$/);
    expect(sentence.length).toBeLessThan(300);
    const requested = words(step(createRequest(newRequest({ reason }))));
    expect(requested).not.toContain('<!here>');
    expect(requested).toMatch(/… \(\d[\d,]* more characters\)$/);
  });

  it('quotes a stored code it has no words for in a code span, escaped, with no backtick to break it', () => {
    const request = approved();
    const event: AuditEvent = {
      ...step(queue(request, CAPACITY, DECIDED, QUEUE_RETRY_MS)).event,
      details: { reason: 'from_the_future`<b>' },
    };
    expect(words({ event, request })).toBe('queued: `from_the_futureˋ&lt;b&gt;`');
  });

  it('keeps a whole trail of long typed reasons within a section, counting the events left out', () => {
    const reason = `<!here> 理由 ${'é'.repeat(1_000)}`;
    const request = denied();
    const decision = step(applyDecision(pending(), { outcome: 'denied', by: 'U0LEAD', reason }, DECIDED));
    const events = [
      step(createRequest(newRequest({ reason }))).event,
      ...Array.from({ length: 40 }, () => decision.event),
    ];
    const message = statusMessage({ request, events }, [], 'full');
    const trail = message.blocks
      .map((block) => (block.type === 'section' ? (block.text?.text ?? '') : ''))
      .find((text) => text.startsWith('*Audit trail*'));
    expect(trail).toBeDefined();
    expect(trail?.length).toBeLessThanOrEqual(3_000);
    expect(trail).not.toContain('<!here>');
    expect(trail).toMatch(/_…and \d+ more events_$/);
    expect(trail?.split('\n')[1]).toMatch(/^• <!date\^\d+\^[^>]+> <@U0DEV> asked for 2 paths on `web`: /);
  });

  it('shows no trail for restricted access', () => {
    const made = step(createRequest(newRequest({ reason: 'secret launch' })));
    const message = statusMessage({ request: made.request, events: [made.event] }, [], 'restricted');
    expect(JSON.stringify(message.blocks)).not.toContain('Audit trail');
    expect(JSON.stringify(message.blocks)).not.toContain('secret launch');
  });

  it('never reads as a key/value dump', () => {
    for (const [, , made] of SENTENCES) {
      const sentence = words(made());
      expect(sentence).not.toMatch(/\b(durationMs|invalidationIds|approvalRequired|refusal|kind):/);
    }
  });
});

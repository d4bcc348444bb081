import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSALS_KEPT_PER_REQUEST } from '../../src/core/request.js';
import {
  blockActionsBody,
  CHANNEL,
  commandBody,
  postSigned,
  type SlackAnswer,
  viewSubmissionBody,
} from '../../src/standins/slack-requests.js';
import { type BotProcess, REPO_ROOT } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack } from '../support/stack.js';
import { RELIABILITY_COMMAND, reportFigures, size } from './scale.js';

const ATTEMPTS = size(3, 20);

const REQUESTER = 'UREQUEST01';
const WEB_APPROVER = 'UWEBAPPR01';
const DOCS_APPROVER = 'UDOCAPPR01';
const STRANGER = 'USTRANGER1';
const LOCKED_CHANNEL = 'CLOCKED001';

const WEB = DISTRIBUTIONS.web;
const DOCS = DISTRIBUTIONS.docs;

const config = {
  distributions: {
    web: { id: WEB, approval: 'always', approvers: { users: [WEB_APPROVER] } },
    docs: { id: DOCS, approval: 'always', approvers: { users: [DOCS_APPROVER] } },
    restricted: { id: 'ERESTRICTED01', approval: 'never', requesters: { users: [REQUESTER] } },
    locked: { id: 'ELOCKED000001', approval: 'never', channels: [LOCKED_CHANNEL] },
  },
  polling: { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 },
  workLeaseSeconds: 2,
};

type Attribute = {
  S?: string;
  N?: string;
  L?: Array<{ M: Record<string, Attribute> }>;
  M?: Record<string, Attribute>;
};

interface ClickCase {
  name: string;
  user: string;
  /** what the person does; `cancel command` is `/invalidate cancel <id>` */
  action: 'approve' | 'deny' | 'cancel' | 'deny submission' | 'cancel command';
  refusal: string;
  recordedAction: 'approve' | 'deny' | 'cancel';
  explanation: string;
}

interface CommandCase {
  name: string;
  user: string;
  text: string;
  channel: string;
  refusal: string;
  explanation: string;
}

const CLICKS: ClickCase[] = [
  {
    name: 'requester approves their own request',
    user: REQUESTER,
    action: 'approve',
    refusal: 'own_request',
    recordedAction: 'approve',
    explanation: 'You cannot approve or deny your own request',
  },
  {
    name: 'requester denies their own request',
    user: REQUESTER,
    action: 'deny',
    refusal: 'own_request',
    recordedAction: 'deny',
    explanation: 'You cannot approve or deny your own request',
  },
  {
    name: 'non-approver approves',
    user: STRANGER,
    action: 'approve',
    refusal: 'not_an_approver',
    recordedAction: 'approve',
    explanation: 'Only the approvers of this distribution can decide',
  },
  {
    name: 'non-approver denies',
    user: STRANGER,
    action: 'deny',
    refusal: 'not_an_approver',
    recordedAction: 'deny',
    explanation: 'Only the approvers of this distribution can decide',
  },
  {
    name: 'non-approver submits a denial form',
    user: STRANGER,
    action: 'deny submission',
    refusal: 'not_an_approver',
    recordedAction: 'deny',
    explanation: 'Only the approvers of this distribution can decide',
  },
  {
    name: "another distribution's approver approves",
    user: DOCS_APPROVER,
    action: 'approve',
    refusal: 'not_an_approver',
    recordedAction: 'approve',
    explanation: 'Only the approvers of this distribution can decide',
  },
  {
    name: 'someone else presses Cancel request',
    user: STRANGER,
    action: 'cancel',
    refusal: 'not_requester',
    recordedAction: 'cancel',
    explanation: `Only <@${REQUESTER}>`,
  },
  {
    name: 'an approver types /invalidate cancel <id>',
    user: WEB_APPROVER,
    action: 'cancel command',
    refusal: 'not_requester',
    recordedAction: 'cancel',
    explanation: `Only <@${REQUESTER}>`,
  },
];

const COMMANDS: CommandCase[] = [
  {
    name: 'user outside `requesters`',
    user: STRANGER,
    text: 'restricted /outside.html',
    channel: CHANNEL,
    refusal: 'not_a_requester',
    explanation: 'may request invalidations of `restricted`',
  },
  {
    name: 'channel outside `channels`',
    user: REQUESTER,
    text: 'locked /elsewhere.html',
    channel: CHANNEL,
    refusal: 'channel_not_allowed',
    explanation: 'can only be invalidated from <#CLOCKED001>',
  },
];

describe('authorization: every refusal answered, nothing allowed, each recorded once', () => {
  let stack: Stack;
  let bot: BotProcess;
  let sequence = 0;
  const figures: string[] = [];
  let exported = '';

  beforeAll(async () => {
    stack = await startStack({ config });
    bot = await stack.startBot();
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.slice(-40).join('\n'));
    await stack?.close();
  });

  const send = (body: string) => postSigned(bot.url, stack.secret, body);
  const command = (user: string, text: string, channel: string, responseId: string) =>
    send(
      commandBody({
        user,
        text,
        channel,
        responseUrl: stack.slack.responseUrl(responseId),
        triggerId: `trigger-${responseId}`,
      }),
    );
  const click = (user: string, actionId: string, requestId: string, responseId: string) =>
    send(
      blockActionsBody({
        user,
        actionId,
        value: requestId,
        blockId: 'decision',
        container: { type: 'message', channel: CHANNEL, messageTs: '1.000001' },
        responseUrl: stack.slack.responseUrl(responseId),
        triggerId: `trigger-${responseId}`,
        actionTs: `${Date.now()}.${++sequence}`,
      }),
    );
  const submitDenial = (user: string, requestId: string) =>
    send(
      viewSubmissionBody({
        user,
        viewId: `VDENY${++sequence}`,
        callbackId: 'invalidator.deny_reason',
        privateMetadata: JSON.stringify({ requestId, channel: CHANNEL }),
        values: { reason: { reason_input: { type: 'plain_text_input', value: 'not yours to deny' } } },
        triggerId: `trigger-deny-${sequence}`,
      }),
    );

  const items = () => stack.items();
  const requestItem = async (id: string) =>
    (await items()).find((item) => (item.pk as Attribute).S === `REQ#${id}`) as Record<string, Attribute>;
  const commandRefusals = async () =>
    (await items())
      .filter((item) => (item.pk as Attribute).S?.startsWith('REFUSAL#'))
      .map((item) => (item.refusal as Attribute).M as Record<string, Attribute>);
  const eventsOf = (item: Record<string, Attribute>) =>
    (item.events?.L ?? []).map((event) => ({
      type: event.M.type?.S,
      actor: event.M.actor?.S,
      action: event.M.details?.M?.action?.S,
      refusal: event.M.details?.M?.refusal?.S,
    }));
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A fresh request on `web` waiting for its approver, made by REQUESTER. */
  async function pendingRequest(label: string): Promise<string> {
    const before = new Set(stack.slack.messages.map((m) => m.ts));
    await command(REQUESTER, `web /${label}.html`, CHANNEL, `open-${label}`);
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)),
    );
    const id = requestIdOf(card.text);
    for (let i = 0; i < 200 && (await requestItem(id))?.status?.S !== 'pending_approval'; i++) await wait(25);
    expect((await requestItem(id))?.status?.S).toBe('pending_approval');
    return id;
  }

  /** One attempt of a click case; resolves with the words the person was shown. */
  async function attempt(caseOf: ClickCase, id: string, n: number): Promise<string> {
    const responseId = `authz-${caseOf.action.replace(' ', '-')}-${id}-${n}`;
    const viaResponseUrl = async (answer: SlackAnswer) => {
      expect(answer.status).toBe(200);
      const response = await stack.slack.waitFor(() =>
        stack.slack.responses.find((r) => r.id === responseId),
      );
      expect(response.body).toMatchObject({ response_type: 'ephemeral' });
      return JSON.stringify(response.body);
    };
    switch (caseOf.action) {
      case 'approve':
        return viaResponseUrl(await click(caseOf.user, 'invalidator.approve', id, responseId));
      case 'deny':
        return viaResponseUrl(await click(caseOf.user, 'invalidator.deny', id, responseId));
      case 'cancel':
        return viaResponseUrl(await click(caseOf.user, 'invalidator.cancel', id, responseId));
      case 'cancel command':
        return viaResponseUrl(await command(caseOf.user, `cancel ${id}`, CHANNEL, responseId));
      case 'deny submission': {
        const answer = await submitDenial(caseOf.user, id);
        expect(answer.status).toBe(200);
        expect(answer.json()).toMatchObject({ response_action: 'update' });
        return answer.text;
      }
    }
  }

  it.each(CLICKS)('never lets the $name, answers each attempt and records it once', async (caseOf) => {
    const id = await pendingRequest(caseOf.name.replace(/[^a-z]+/gi, '-'));
    const before = await requestItem(id);
    const opensBefore = stack.slack.views.filter((v) => v.kind === 'open').length;

    const answers = await Promise.all(Array.from({ length: ATTEMPTS }, (_, n) => attempt(caseOf, id, n)));

    for (const answer of answers) expect(answer).toContain(caseOf.explanation);
    const after = await requestItem(id);
    expect(after.status?.S).toBe('pending_approval');
    expect(after.version).toEqual(before.version);
    expect(after.request).toEqual(before.request);
    const events = eventsOf(after);
    expect(events.filter((e) => ['approved', 'denied', 'cancelled'].includes(e.type ?? ''))).toHaveLength(0);
    expect(stack.cloudfront.calls.filter((call) => call.callerReference?.startsWith(id))).toHaveLength(0);
    expect(stack.slack.views.filter((v) => v.kind === 'open').length).toBe(opensBefore);

    const refused = events.filter((e) => e.type === 'refused');
    for (const event of refused) {
      expect(event).toEqual({
        type: 'refused',
        actor: caseOf.user,
        action: caseOf.recordedAction,
        refusal: caseOf.refusal,
      });
    }
    const notKept = Number(after.refusalsNotKept?.N ?? 0);
    expect(refused).toHaveLength(Math.min(ATTEMPTS, REFUSALS_KEPT_PER_REQUEST));
    expect(refused.length + notKept).toBe(ATTEMPTS);

    const status = await stack.sender(bot).command(REQUESTER, `status ${id}`);
    expect(status.status).toBe(200);
    const shown = await stack.slack.waitFor(() =>
      stack.slack.responses.find((r) => JSON.stringify(r.body).includes(`*${id}*`)),
    );
    expect(JSON.stringify(shown.body)).toContain(`<@${caseOf.user}> tried to ${caseOf.recordedAction}: `);

    figures.push(
      `| ${caseOf.name} | ${ATTEMPTS} | 0 | ${answers.length} | ${refused.length + notKept} (${refused.length} as events, ${notKept} counted) |`,
    );
  });

  it.each(COMMANDS)(
    'never lets a $name request, answers each attempt and records it once',
    async (caseOf) => {
      const postsBefore = stack.slack.callsTo('chat.postMessage').length;
      const requestsBefore = (await items()).filter((item) =>
        (item.pk as Attribute).S?.startsWith('REQ#'),
      ).length;
      const refusalsBefore = (await commandRefusals()).length;

      const answers = await Promise.all(
        Array.from({ length: ATTEMPTS }, (_, n) =>
          command(
            caseOf.user,
            `${caseOf.text} --reason attempt ${n}`,
            caseOf.channel,
            `authz-cmd-${caseOf.refusal}-${n}`,
          ),
        ),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.json()).toMatchObject({ response_type: 'ephemeral' });
        expect(answer.text).toContain(caseOf.explanation);
      }
      // A refusal for the channel is recorded just after it was answered: give it a moment.
      for (let i = 0; i < 100; i++) {
        if ((await commandRefusals()).filter((r) => r.code?.S === caseOf.refusal).length >= ATTEMPTS) break;
        await wait(50);
      }
      await wait(300);
      const settled = (await commandRefusals()).filter((r) => r.code?.S === caseOf.refusal);
      expect(settled).toHaveLength(ATTEMPTS);
      expect((await commandRefusals()).length - refusalsBefore).toBe(ATTEMPTS);
      const texts = settled.map((r) => r.command?.S).sort();
      expect(texts).toEqual(
        Array.from({ length: ATTEMPTS }, (_, n) => `${caseOf.text} --reason attempt ${n}`).sort(),
      );
      for (const refusal of settled) {
        expect(refusal.user?.S).toBe(caseOf.user);
        expect(refusal.channel?.S).toBe(caseOf.channel);
      }
      expect((await items()).filter((item) => (item.pk as Attribute).S?.startsWith('REQ#'))).toHaveLength(
        requestsBefore,
      );
      expect(stack.slack.callsTo('chat.postMessage')).toHaveLength(postsBefore);

      figures.push(
        `| ${caseOf.name} | ${ATTEMPTS} | 0 | ${answers.length} | ${settled.length} (own items) |`,
      );
    },
  );

  it('records nothing for a mistake in the command, which is not an authorization refusal', async () => {
    const refusalsBefore = (await commandRefusals()).length;
    const itemsBefore = (await items()).length;
    const answer = await command(REQUESTER, 'web images/no-slash.png', CHANNEL, 'authz-typo');
    expect(answer.text).toContain('Add a leading slash');
    await wait(300);
    expect((await commandRefusals()).length).toBe(refusalsBefore);
    expect((await items()).length).toBe(itemsBefore);
  });

  it('lists every recorded refusal in the audit export', async () => {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'dist/entrypoints/audit-cli.js'), '--rows', 'refusals', '--format', 'csv'],
        {
          cwd: stack.cwd,
          env: {
            PATH: process.env.PATH ?? '',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...stack.env,
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('close', (status) => (status === 0 ? resolve(stdout) : reject(new Error(stderr))));
    });
    const rows = parse(output, { columns: true }) as Array<Record<string, string>>;
    const total = (kind: string) =>
      rows.filter((row) => row.kind === kind).reduce((sum, row) => sum + Number(row.count), 0);
    expect(total('command')).toBe(COMMANDS.length * ATTEMPTS);
    expect(total('click') + total('clicks_not_kept')).toBe(CLICKS.length * ATTEMPTS);
    for (const caseOf of COMMANDS) {
      expect(rows.filter((row) => row.refusal === caseOf.refusal && row.user === caseOf.user)).toHaveLength(
        ATTEMPTS,
      );
    }
    const sorted = rows.map((row) => row.at);
    expect(sorted).toEqual([...sorted].sort());
    exported = `The audit export (\`npm run audit -- --rows refusals --format csv\`) then listed ${total('command') + total('click') + total('clicks_not_kept')} of the ${(COMMANDS.length + CLICKS.length) * ATTEMPTS} refusals above, in ${rows.length} rows (refused clicks a request only counted come as one \`clicks_not_kept\` row each), oldest first.`;
  });

  it('still answers a refusal while DynamoDB is unreachable, and logs that it could not record it', async () => {
    const logsBefore = bot.logs.length;
    stack.dynamoProxy.cut();
    try {
      const answers = await Promise.all(
        Array.from({ length: ATTEMPTS }, (_, n) =>
          command(REQUESTER, `locked /outage-${n}.html`, CHANNEL, `authz-outage-${n}`),
        ),
      );
      for (const answer of answers) expect(answer.text).toContain('can only be invalidated from');
      await stack.slack.waitFor(
        () =>
          bot.logs.slice(logsBefore).filter((line) => line.includes('recording a refusal failed')).length >=
          ATTEMPTS,
      );
    } finally {
      stack.dynamoProxy.restore();
    }
    await wait(300);
    const outage = (await commandRefusals()).filter((r) => r.command?.S?.startsWith('locked /outage-'));
    expect(outage).toHaveLength(0);
    figures.push(
      `| channel outside \`channels\`, DynamoDB unreachable | ${ATTEMPTS} | 0 | ${ATTEMPTS} | 0 (each logged as an error) |`,
    );
    reportFigures(
      'Authorization',
      `Suite: \`test/reliability/authorization.test.ts\`. Command: \`${RELIABILITY_COMMAND}\` (this suite alone:
\`RELIABILITY=full npx vitest run test/reliability/authorization.test.ts\`). One bot over HTTP, as \`npm start\` runs it.

Each case: ${ATTEMPTS} attempts at once, each on a fresh request waiting for approval (clicks) or as a new
command. "Allowed" counts attempts that changed the request (status, version, an approved/denied/cancelled
event), called CloudFront, opened the denial form, recorded a request or posted a card. "Answered" counts
attempts that got an ephemeral explanation (the denial form: the modal replaced by the explanation).
"Recorded" counts refusals in DynamoDB: refused clicks as \`refused\` events on the request (the first
${REFUSALS_KEPT_PER_REQUEST} per request; beyond that counted in \`refusalsNotKept\`), refused commands as items of their own.
Each click case also checked that \`/invalidate status <id>\` shows the refusals in the audit trail.

| Case | Attempts | Allowed | Answered | Recorded |
| --- | ---: | ---: | ---: | --- |
${figures.join('\n')}

${exported}

A mistake in a command (a path without its leading slash) is answered and records nothing, as before.`,
    );
  });
});

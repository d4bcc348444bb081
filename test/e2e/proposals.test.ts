import { createHash } from 'node:crypto';
import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from '../../src/standins/s3-standin.js';
import {
  CHANNEL,
  postSigned,
  requestFormValues,
  viewSubmissionBody,
} from '../../src/standins/slack-requests.js';
import { type SqsStandIn, startSqsStandIn } from '../../src/standins/sqs-standin.js';
import { runAuditCli } from '../support/audit-cli.js';
import type { BotProcess } from '../support/bot-process.js';
import { type Stack, startStack, USERS } from '../support/stack.js';

const TOKEN = 'inv_proposals-test-token-0123456789abcdef';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ACCEPT = 'invalidator.proposal_accept';
const EDIT = 'invalidator.proposal_edit';
const DISMISS = 'invalidator.proposal_dismiss';
const AUDITOR = 'UAUDIT0001';

/** Distributions, one per bucket so the tests do not see each other's cards. */
const IDS = {
  site: 'ESITE00000001',
  events: 'EEVENT0000001',
  team: 'ETEAM00000001',
  brief: 'EBRIEF0000001',
  edit: 'EEDIT00000001',
} as const;

function config(queueUrl: string): Record<string, unknown> {
  const origin = (bucket: string, more: Record<string, unknown> = {}) => ({
    bucket,
    settleSeconds: 1,
    channel: CHANNEL,
    ...more,
  });
  return {
    distributions: {
      site: {
        id: IDS.site,
        approval: 'never',
        // an approver of this distribution alone: their export holds its proposals only
        approvers: { users: [USERS.oncall] },
        origin: origin('my-site', { prefix: '/site', errorCachingMinTtlSeconds: 0 }),
      },
      events: { id: IDS.events, approval: 'never', origin: origin('events-site', { queueUrl }) },
      team: {
        id: IDS.team,
        approval: 'never',
        requesters: { users: [USERS.requester] },
        origin: origin('team-site', { queueUrl }),
      },
      brief: {
        id: IDS.brief,
        approval: 'never',
        origin: origin('brief-site', { proposalMinutes: 0.05, queueUrl }),
      },
      edit: { id: IDS.edit, approval: 'never', origin: origin('edit-site', { queueUrl }) },
    },
    pipelines: {
      deploys: { tokenSha256: sha256(TOKEN), distributions: Object.values(IDS), channel: CHANNEL },
    },
    polling: { firstCheckSeconds: 0.2, maxIntervalSeconds: 0.5 },
    workLeaseSeconds: 2,
    reconciliation: { enabled: false, intervalMinutes: 60 },
    auditors: { users: [AUDITOR] },
  };
}

/** An EventBridge S3 event as the queue holds it. */
function s3Event(bucket: string, key: string, sequencer: string, type: 'Object Created' | 'Object Deleted') {
  return JSON.stringify({
    version: '0',
    id: `${bucket}-${key}-${sequencer}`,
    'detail-type': type,
    source: 'aws.s3',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, ...(type === 'Object Created' ? { etag: `etag-${sequencer}` } : {}), sequencer },
      reason: type === 'Object Created' ? 'PutObject' : 'DeleteObject',
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deploy-aware proposals on the running bot (two processes)', () => {
  let stack: Stack;
  let bots: BotProcess[];
  let s3: S3StandIn;
  let sqs: SqsStandIn;
  let queueUrl: string;

  beforeAll(async () => {
    s3 = await startS3StandIn();
    sqs = await startSqsStandIn();
    queueUrl = sqs.queueUrl('deploys');
    s3.putObject('my-site', 'site/index.html', 'v1');
    s3.putObject('my-site', 'site/old.html', 'old');
    s3.putObject('my-site', 'site/about/index.html', 'about v1');
    s3.putObject('my-site', 'other/index.html', 'outside the prefix');
    stack = await startStack({
      config: config(queueUrl),
      env: { AWS_ENDPOINT_URL_S3: s3.url, AWS_ENDPOINT_URL_SQS: sqs.url },
    });
    bots = [await stack.startBot(), await stack.startBot()];
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) for (const bot of bots ?? []) console.log(bot.logs.join('\n'));
    await stack?.close();
    await s3?.close();
    await sqs?.close();
  });

  const cardsOf = (bucket: string) =>
    stack.slack.messages.filter((m) => m.text.startsWith(`Deploy to ${bucket} changed`));
  const cardOf = (bucket: string) => stack.slack.waitFor(() => cardsOf(bucket)[0], 20_000);
  const current = (card: { channel: string; ts: string }) => stack.slack.message(card.channel, card.ts);
  const proposalIdOf = (card: { blocks?: unknown }) => {
    const match = /PRO-[0-9A-Z]{10}/.exec(JSON.stringify(card.blocks));
    if (!match) throw new Error('no proposal id on the card');
    return match[0];
  };
  const slack = () => stack.sender(bots[0] as BotProcess);
  async function clicked(user: string, action: string, proposalId: string): Promise<string> {
    const before = stack.slack.responses.length;
    const answer = await slack().click(user, action, proposalId);
    expect(answer.status).toBe(200);
    const response = await stack.slack.waitFor(() => stack.slack.responses[before]);
    return JSON.stringify(response.body);
  }
  const api = async (body: unknown) => {
    const response = await fetch(`${(bots[0] as BotProcess).url}/api/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('lists a bucket without events, proposes what edges may hold after the quiet, and makes one request of it', async () => {
    // The baseline: a second listing means the first was kept.
    await stack.slack.waitFor(() => s3.calls.filter((c) => c.bucket === 'my-site').length >= 2, 20_000);
    s3.putObject('my-site', 'site/index.html', 'v2');
    s3.putObject('my-site', 'site/about/index.html', 'about v2');
    s3.putObject('my-site', 'site/new.html', 'new');
    s3.putObject('my-site', 'site/app.3f9a1c2e.js', 'hashed');
    s3.deleteObject('my-site', 'site/old.html');
    s3.putObject('my-site', 'other/index.html', 'still outside');

    const card = await cardOf('my-site');
    expect(card.text).toBe(
      'Deploy to my-site changed 5 objects (2 new, 1 deleted): Invalidate the 3 that edges may hold?',
    );
    const blocks = JSON.stringify(card.blocks);
    for (const path of ['/index.html', '/', '/about/index.html', '/about/', '/old.html'])
      expect(blocks).toContain(`\`${path}\``);
    expect(blocks).not.toContain('/new.html');
    expect(blocks).not.toContain('app.3f9a1c2e.js');
    const proposalId = proposalIdOf(card);

    const answer = await clicked(USERS.requester, ACCEPT, proposalId);
    const requestId = /INV-[0-9A-Z]{10}/.exec(answer)?.[0];
    expect(requestId).toBe(`INV-${proposalId.slice(4)}`);
    const requestCard = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => m.text.includes(requestId ?? '-') && m.ts !== card.ts),
    );
    expect(JSON.stringify(requestCard)).toContain('deploy to my-site at');
    const created = await stack.slack.waitFor(() =>
      stack.cloudfront.calls.find((c) => c.operation === 'create' && c.distributionId === IDS.site),
    );
    expect([...(created.paths ?? [])].sort()).toEqual(
      ['/', '/about/', '/about/index.html', '/index.html', '/old.html'].sort(),
    );
    await stack.slack.waitFor(() => current(card)?.text.includes(`made request ${requestId}`));

    expect(await clicked(USERS.oncall, ACCEPT, proposalId)).toContain(
      `${requestId} was made of this proposal already`,
    );
    await sleep(1_000);
    expect(
      stack.cloudfront.calls.filter((c) => c.operation === 'create' && c.distributionId === IDS.site),
    ).toHaveLength(1);
    expect(cardsOf('my-site')).toHaveLength(1);
  });

  it('counts each key once by its last event, however the events come, and posts one card', async () => {
    const send = (key: string, seq: string, type: 'Object Created' | 'Object Deleted') =>
      sqs.send(queueUrl, s3Event('events-site', key, seq, type));
    send('a.html', '0010', 'Object Created');
    send('a.html', '0010', 'Object Created'); // twice
    send('b.html', '0030', 'Object Deleted');
    send('b.html', '0020', 'Object Created'); // late: the delete is its last event
    send('c.html', '0040', 'Object Created');
    send('c.html', '0040', 'Object Created');

    const card = await cardOf('events-site');
    expect(card.text).toBe(
      'Deploy to events-site changed 3 objects (1 deleted): Invalidate the 3 that edges may hold?',
    );
    await sleep(3_000);
    expect(cardsOf('events-site')).toHaveLength(1);
    expect(sqs.messages(queueUrl)).toHaveLength(0);
  });

  it('lets whoever may request the distribution dismiss the proposal, and no one else', async () => {
    sqs.send(queueUrl, s3Event('team-site', 'page.html', '0100', 'Object Created'));
    const card = await cardOf('team-site');
    const proposalId = proposalIdOf(card);
    expect(await clicked(USERS.outsider, DISMISS, proposalId)).toContain('Only');
    expect(current(card)?.text).not.toContain('dismissed');
    // Dismissed: nothing to answer, the card says it.
    expect((await slack().click(USERS.requester, DISMISS, proposalId)).status).toBe(200);
    await stack.slack.waitFor(() => current(card)?.text.endsWith('dismissed'));
    expect(JSON.stringify(current(card)?.blocks)).toContain(`Dismissed by <@${USERS.requester}>`);
    expect(await clicked(USERS.requester, ACCEPT, proposalId)).toContain('dismissed already');
  });

  it('expires a proposal nobody acts on, and says so on the card', async () => {
    sqs.send(queueUrl, s3Event('brief-site', 'page.html', '0100', 'Object Created'));
    const card = await cardOf('brief-site');
    const proposalId = proposalIdOf(card);
    await stack.slack.waitFor(() => current(card)?.text.endsWith('expired'), 15_000);
    expect(JSON.stringify(current(card)?.blocks)).toContain('nobody acted on it');
    expect(await clicked(USERS.requester, ACCEPT, proposalId)).toContain('expired');
  });

  it('opens the request form prefilled from Edit…, and sending it accepts the proposal', async () => {
    sqs.send(queueUrl, s3Event('edit-site', 'docs/index.html', '0100', 'Object Created'));
    const card = await cardOf('edit-site');
    const proposalId = proposalIdOf(card);
    const before = stack.slack.views.length;
    await slack().click(USERS.requester, EDIT, proposalId);
    const open = await stack.slack.waitFor(() =>
      stack.slack.views.slice(before).find((v) => v.kind === 'open'),
    );
    const view = open.view as { private_metadata?: string; blocks: KnownBlock[] };
    const form = JSON.stringify(view.blocks);
    expect(form).toContain('"initial_value":"/docs/index.html\\n/docs/"');
    expect(form).toMatch(/"initial_value":"deploy to edit-site at \d\d:\d\d"/);
    expect(form).toContain('"initial_option":{"text":{"type":"plain_text","text":"edit (EEDIT00000001)"}');
    expect(JSON.parse(view.private_metadata ?? '{}')).toEqual({ channel: CHANNEL, proposal: proposalId });

    await postSigned(
      (bots[0] as BotProcess).url,
      stack.secret,
      viewSubmissionBody({
        user: USERS.requester,
        viewId: open.id,
        callbackId: 'invalidator.request_form',
        privateMetadata: view.private_metadata ?? '',
        values: requestFormValues('edit', '/docs/index.html', 'docs only'),
        triggerId: 'trigger-edit-submit',
      }),
    );
    const requestCard = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => m.text.includes('on edit') && m.ts !== card.ts),
    );
    const requestId = /INV-[0-9A-Z]{10}/.exec(requestCard.text)?.[0];
    await stack.slack.waitFor(() => current(card)?.text.includes(`made request ${requestId}`));
    const created = await stack.slack.waitFor(() =>
      stack.cloudfront.calls.find((c) => c.operation === 'create' && c.distributionId === IDS.edit),
    );
    expect(created.paths).toEqual(['/docs/index.html']);
  });

  it('stops promptly on SIGTERM while it long-polls the queue', async () => {
    const third = await stack.startBot();
    // Its poll is waiting on the queue (20 s long polls): the stop aborts it.
    await stack.slack.waitFor(() =>
      third.logs.some((line) => line.includes('origin events: polling the queue')),
    );
    await sleep(500);
    const started = Date.now();
    expect(await third.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('proposes the changed keys a pipeline sends, or requests their paths at once', async () => {
    const proposed = await api({
      distribution: 'brief',
      changedKeys: ['guide/index.html', 'app.3f9a1c2e.js'],
    });
    expect(proposed.status).toBe(201);
    const proposal = proposed.body.proposal as { id: string; paths: string[] };
    expect(proposal.id).toMatch(/^PRO-[0-9A-Z]{10}$/);
    expect(proposal.paths).toEqual(['/guide/index.html', '/guide/']);
    await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => JSON.stringify(m.blocks).includes(proposal.id)),
    );

    const requested = await api({
      distribution: 'events',
      changedKeys: ['x/index.html', 'x/y.css'],
      request: true,
    });
    expect(requested.status).toBe(201);
    expect(requested.body.status).toBeDefined();
    const created = await stack.slack.waitFor(() =>
      stack.cloudfront.calls.find((c) => c.operation === 'create' && c.distributionId === IDS.events),
    );
    expect([...(created.paths ?? [])].sort()).toEqual(['/x/', '/x/index.html', '/x/y.css']);

    const tooMany = await api({ distribution: 'events', changedKeys: [] });
    expect(tooMany.status).toBe(400);
    const tooLong = await api({ distribution: 'events', changedKeys: ['é'.repeat(513)] });
    expect(tooLong.status).toBe(400);
  });

  it('puts every proposal and how it ended in the audit export, from npm run audit and from Slack', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const audit = await runAuditCli(stack.cwd, stack.env, [
      '--rows',
      'proposals',
      '--format',
      'json',
      '--since',
      `${month}-01`,
    ]);
    expect(audit.status, audit.stderr).toBe(0);
    const rows = JSON.parse(audit.stdout) as Array<Record<string, unknown>>;
    const byBucket = new Map(rows.map((row) => [row.bucket, row]));
    expect(byBucket.get('my-site')).toMatchObject({
      status: 'accepted',
      outcomeBy: USERS.requester,
      distributionId: IDS.site,
      source: 'listing',
      objectsChanged: 5,
      objectsCreated: 2,
      objectsDeleted: 1,
      leftOutHashed: 1,
      leftOutCreated: 1,
      paths: 5,
    });
    const accepted = byBucket.get('my-site') as Record<string, unknown>;
    expect(accepted.requestId).toBe(`INV-${String(accepted.proposalId).slice(4)}`);
    expect(byBucket.get('team-site')).toMatchObject({ status: 'dismissed', outcomeBy: USERS.requester });
    expect(byBucket.get('team-site')?.requestId).toBeUndefined();
    const expired = rows.find((row) => row.bucket === 'brief-site' && row.status === 'expired');
    expect(expired?.outcomeAt).toBeDefined();
    expect(expired?.outcomeBy).toBeUndefined();
    expect(byBucket.get('edit-site')).toMatchObject({ status: 'accepted', source: 'events' });
    expect(rows.find((row) => row.source === 'pipeline')).toMatchObject({
      status: 'open',
      bucket: 'brief-site',
    });
    // oldest first
    const created = rows.map((row) => String(row.createdAt));
    expect(created).toEqual([...created].sort());

    // The same file comes from Slack, to an auditor.
    const filesBefore = stack.slack.files.length;
    await slack().command(AUDITOR, `export json ${month}`);
    const file = await stack.slack.waitFor(() =>
      stack.slack.files
        .slice(filesBefore)
        .find((f) => f.filename === `invalidator-audit-${month}-proposals.json`),
    );
    expect(file.content.toString('utf8')).toBe(audit.stdout);
    expect(file.initial_comment).toContain(`${rows.length} proposals`);

    // An approver of one distribution gets that distribution's proposals only.
    const approverFilesBefore = stack.slack.files.length;
    await slack().command(USERS.oncall, `export json ${month}`);
    const theirs = await stack.slack.waitFor(() =>
      stack.slack.files
        .slice(approverFilesBefore)
        .find((f) => f.filename === `invalidator-audit-${month}-proposals.json`),
    );
    const approverRows = JSON.parse(theirs.content.toString('utf8')) as Array<Record<string, unknown>>;
    expect(approverRows.length).toBeGreaterThan(0);
    expect(new Set(approverRows.map((row) => row.distributionId))).toEqual(new Set([IDS.site]));
  });
});

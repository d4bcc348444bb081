import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import { type BotProcess, REPO_ROOT } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const REQUESTS = Number(process.env.AUDIT_REQUESTS ?? 500);
const AUDIT_CLI = join(REPO_ROOT, 'dist/entrypoints/audit-cli.js');
const TRICKY_REASON = 'release "4.2", hotfix\nsecond line, with commas';

/** A deterministic mix: 1–4 paths, some of them wildcards, on two distributions. */
function command(n: number): string {
  const count = 1 + (n % 4);
  const paths = Array.from({ length: count }, (_, i) =>
    i === 0 && n % 5 === 0 ? `/a${n}/*` : `/a${n}/f${i}.js`,
  );
  return `${n % 2 === 0 ? 'docs' : 'bulk'} ${paths.join(' ')}`;
}

describe('audit trail and cost, end to end', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  // Asynchronous on purpose: dynalite and the stand-ins live in this process and must keep answering.
  const audit = (args: string[], env: Record<string, string> = stack.env) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [AUDIT_CLI, ...args], {
        cwd: stack.cwd,
        env: {
          PATH: process.env.PATH ?? '',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  beforeAll(async () => {
    const base = testConfig();
    stack = await startStack({
      config: {
        ...base,
        distributions: {
          ...(base.distributions as object),
          // Past a budget every distribution needs approval, so each names an approver.
          docs: { id: DISTRIBUTIONS.docs, approval: 'never', approvers: { users: [USERS.lead] } },
          bulk: { id: 'EBULK00000001', approval: 'never', approvers: { users: [USERS.lead] } },
        },
        budget: { monthlyPaths: 100_000 },
      },
      cloudfront: {
        completeAfterMs: 400,
        faultRate: { rate: 0.1, codes: ['Throttling', 'ServiceUnavailable'] },
      },
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
    await slack.command(USERS.requester, `docs /tricky.html --reason ${TRICKY_REASON}`);
    for (let start = 0; start < REQUESTS; start += 25) {
      if (start > 0 && start === Math.floor(REQUESTS / 50) * 25) {
        // A crash midway: whatever was in flight is picked up by the next process.
        await bot.stop('SIGKILL');
        bot = await stack.startBot();
        slack = stack.sender(bot);
      }
      const batch = Math.min(25, REQUESTS - start);
      await Promise.all(
        Array.from({ length: batch }, (_, i) => slack.command(USERS.requester, command(start + i))),
      );
    }
    // Done when every card has its completion reply (each is checked for exactly one below).
    await stack.slack.waitFor(() => {
      const cards = stack.slack.messages.filter((m) => !m.thread_ts);
      const done = cards.filter((card) =>
        stack.slack.threadReplies(card.channel, card.ts).some((m) => m.text.includes('completed in')),
      );
      return done.length >= REQUESTS + 1;
    }, 480_000);
  }, 600_000);
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS)
      console.log(
        bot?.logs
          .filter((l) => !l.includes('"debug"'))
          .slice(-15)
          .join('\n'),
      );
    await stack?.close();
  });

  const answer = async (text: string) => {
    const before = stack.slack.responses.length;
    await slack.command(USERS.requester, text);
    const response = await stack.slack.waitFor(() => stack.slack.responses[before]);
    return JSON.stringify(response.body);
  };

  it('counts exactly the paths CloudFront was asked to invalidate, once each, despite retries and a crash', async () => {
    const cards = stack.slack.messages.filter((m) => !m.thread_ts);
    expect(cards).toHaveLength(REQUESTS + 1);
    for (const card of cards) {
      const replies = stack.slack
        .threadReplies(card.channel, card.ts)
        .filter((m) => m.text.includes('completed in'));
      expect(replies.length, card.text).toBe(1);
    }
    const submitted = stack.cloudfront.invalidations().reduce((sum, inv) => sum + inv.paths.length, 0);
    expect(stack.cloudfront.createdCount()).toBe(REQUESTS + 1);
    const usage = await answer('usage');
    expect(usage).toContain(`${submitted.toLocaleString('en-US')} of 1,000 paths`);
    const calls = stack.cloudfront.calls.filter((c) => c.operation === 'create');
    expect(calls.some((c) => c.errorCode !== undefined)).toBe(true);
  });

  it('records each step of each request once, and exports it as CSV that a CSV parser reads back', async () => {
    const result = await audit(['--format', 'csv']);
    expect(result.status, result.stderr).toBe(0);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    const byRequest = new Map<string, string[]>();
    for (const row of rows)
      byRequest.set(row.requestId ?? '', [...(byRequest.get(row.requestId ?? '') ?? []), row.event ?? '']);
    expect(byRequest.size).toBe(REQUESTS + 1);
    for (const [id, events] of byRequest) {
      for (const type of ['requested', 'approved', 'completed', 'notice_sent']) {
        expect(
          events.filter((e) => e === type),
          `${id} ${type}`,
        ).toHaveLength(1);
      }
      expect(events.filter((e) => e === 'submitted').length, id).toBeGreaterThanOrEqual(1);
    }
    const tricky = rows.find((row) => row.event === 'requested' && row.details?.includes('release'));
    expect(JSON.parse(tricky?.details ?? '{}').reason).toBe(TRICKY_REASON);
  });

  it('exports request rows as JSON, filtered by distribution and dates, and as CSV with the pipeline columns last', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const result = await audit([
      '--format',
      'json',
      '--rows',
      'requests',
      '--distribution',
      'bulk',
      '--since',
      today,
      '--until',
      today,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{ distributionId: string; status: string }>;
    expect(rows).toHaveLength(REQUESTS / 2);
    expect(rows.every((row) => row.distributionId === 'EBULK00000001' && row.status === 'completed')).toBe(
      true,
    );
    // The pipeline's columns come last, so consumers that read the older ones by position keep working.
    const csvRows = await audit([
      '--format',
      'csv',
      '--rows',
      'requests',
      '--since',
      today,
      '--until',
      today,
    ]);
    expect(csvRows.stdout.split('\r\n')[0]).toBe(
      'createdAt,requestId,status,distribution,distributionId,requester,paths,billablePaths,costUsd,reason,decidedBy,invalidationIds,pipeline,ciUrl,commit',
    );
    const bad = await audit(['--format', 'xml']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format must be csv or json');
  });

  it('answers status, list and usage, and draws the App Home tab', async () => {
    const list = await answer('list docs mine');
    const ids = [...list.matchAll(/INV-[0-9A-Z]{10}/g)].map((m) => m[0]);
    expect(ids.length).toBe(10);
    expect(list).toContain('invalidator.list_more');
    const status = await answer(`status ${ids[0]}`);
    expect(status).toContain('Audit trail');
    // The trail reads as sentences, each led by the time in the viewer's zone (UTC where Slack cannot say).
    expect(status).toMatch(/UTC> <@UREQUEST01> asked for \d[\d,]* paths? on `docs`/);
    expect(status).toContain('UTC> approved automatically: no approval needed');
    expect(status).toMatch(/UTC> submitted as `I[0-9A-Z]+`, \d[\d,]* paths?/);
    expect(status).toMatch(/UTC> completed in \d/);
    expect(status).toContain('UTC> told <@UREQUEST01> in the thread that it completed');
    // CloudFront's own word, or (10% of calls fail here) the plain note that it did not answer.
    expect(status).toMatch(
      /CloudFront says\*\\n`I[0-9A-Z]+`: (Completed \(created|CloudFront did not answer just now)/,
    );
    stack.cloudfront.inject({
      operation: 'get',
      code: 'ServiceUnavailable',
      distributionId: DISTRIBUTIONS.docs,
    });
    const unanswered = await answer(`status ${ids[0]}`);
    expect(unanswered).toContain('completed');
    expect(unanswered).toMatch(
      /`I[0-9A-Z]+`: CloudFront did not answer just now \(ServiceUnavailable\); the status above is as recorded, ask again in a minute/,
    );
    const usage = await answer('usage');
    expect(usage).toMatch(/[▇▁]{10} \d+%/);
    expect(usage).toContain('Top distributions');
    expect(usage).toContain(`<@${USERS.requester}>`);
    const bad = await slack.command(USERS.requester, 'usage 2026-13');
    expect(bad.text).toContain('Usage: `/invalidate usage [YYYY-MM]`');

    await slack.event({ type: 'app_home_opened', user: USERS.requester, channel: 'D0HOME', tab: 'home' });
    const home = await stack.slack.waitFor(() => stack.slack.views.find((v) => v.kind === 'publish'));
    expect(JSON.stringify(home.view)).toContain('Your recent requests');
    expect(JSON.stringify(home.view)).toContain('Free allowance');
  });

  it('exports from the embedded store too', async () => {
    const embedded = { TABLE_NAME: '', INVALIDATOR_DATA_DIR: `${stack.cwd}/embedded` };
    const other = await stack.startBot(embedded);
    await stack.sender(other).command(USERS.requester, 'docs /embedded.html');
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes('/embedded.html')),
    );
    await stack.slack.waitFor(
      () => stack.slack.threadReplies(card.channel, card.ts).some((m) => m.text.includes('completed in')),
      20_000,
    );
    await other.stop();
    const env = { ...stack.env, ...embedded };
    const result = await audit(['--format', 'json'], env);
    expect(result.status, result.stderr).toBe(0);
    const events = JSON.parse(result.stdout) as Array<{ requestId: string; event: string }>;
    // The embedded store's one request, through to its completion, and nothing from the DynamoDB table.
    expect(new Set(events.map((e) => e.requestId))).toEqual(new Set([requestIdOf(card.text)]));
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['requested', 'approved', 'completed']),
    );
  });
});

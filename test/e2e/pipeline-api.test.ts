import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import { runAuditCli } from '../support/audit-cli.js';
import type { BotProcess } from '../support/bot-process.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const TOKEN = 'inv_pipeline-api-test-token-0123456789abcdef';
const LIMITED_TOKEN = 'inv_limited-pipeline-token-0123456789abcdef';
const DEPLOY_CHANNEL = 'CDEPLOY001';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface View {
  id: string;
  status: string;
  requester: string;
  requiredApprovals: string[];
  invalidationIds: string[];
  cardUrl?: string;
  decision?: { outcome: string; by: string; reason?: string };
  events: Array<{ type: string; text: string }>;
}
interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path?: string; message: string }> };
}

describe('the pipeline API on the running bot', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack({
      config: testConfig({
        pipelines: {
          'web-deploy': {
            tokenSha256: sha256(TOKEN),
            distributions: ['web', 'docs'],
            channel: DEPLOY_CHANNEL,
          },
          limited: {
            tokenSha256: sha256(LIMITED_TOKEN),
            distributions: [DISTRIBUTIONS.docs],
            channel: DEPLOY_CHANNEL,
            requestsPerHour: 2,
          },
        },
      }),
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await fetch(`${bot.url}${path}`, init);
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
  };
  const post = (body: unknown, token?: string | null) => call('POST', '/api/v1/requests', body, token);
  const view = (id: string) => call('GET', `/api/v1/requests/${id}`).then((r) => r.body as View);
  /** The request once it reached `status`, or as it is after 15 s (the assertion then says where it stopped). */
  const until = async (id: string, status: string) => {
    for (let waited = 0; waited < 15_000; waited += 200) {
      const now = await view(id);
      if (now.status === status) return now;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return view(id);
  };
  const cardOf = (id: string) => stack.slack.messages.find((m) => !m.thread_ts && m.text.includes(id));

  it('takes a request that needs no approval to completion, with its card in the pipeline channel', async () => {
    const created = await post({
      distribution: 'docs',
      paths: ['/index.html', '/app.css'],
      reason: 'deploy 4.2',
      context: { url: 'https://ci.example/runs/42', commit: '0123456789abcdef0123', pipeline: 'Deploy docs' },
    });
    expect(created.status).toBe(201);
    const { id, requester, requiredApprovals } = created.body as View;
    expect(requester).toBe('pipeline:web-deploy');
    expect(requiredApprovals).toEqual([]);
    const done = await until(id, 'completed');
    expect(done.status).toBe('completed');
    expect(done.invalidationIds).toHaveLength(1);
    expect(done.cardUrl).toMatch(new RegExp(`/archives/${DEPLOY_CHANNEL}/p\\d+$`));
    expect(done.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['requested', 'submitted', 'completed']),
    );
    expect(done.events.find((e) => e.type === 'requested')?.text).toContain('asked for 2 paths');
    const card = cardOf(id);
    expect(card?.channel).toBe(DEPLOY_CHANNEL);
    expect(JSON.stringify(card?.blocks)).not.toContain('<@pipeline:');
  });

  it('waits for approval of a wildcard, which any approver gives in Slack, and reports a denial', async () => {
    const approved = (await post({ distribution: 'web', paths: ['/assets/*'] })).body as View;
    expect(approved.requiredApprovals.join(' ')).toContain('wildcard');
    expect((await until(approved.id, 'pending_approval')).status).toBe('pending_approval');
    await slack.click(USERS.oncall, 'invalidator.approve', approved.id, DEPLOY_CHANNEL);
    const completed = await until(approved.id, 'completed');
    expect(completed.decision).toMatchObject({ outcome: 'approved', by: USERS.oncall });

    const denied = (await post({ distribution: 'web', paths: ['/img/*'] })).body as View;
    await until(denied.id, 'pending_approval');
    await slack.submitDeny(USERS.lead, denied.id, 'not during the sale', DEPLOY_CHANNEL);
    const ended = await until(denied.id, 'denied');
    expect(ended.decision).toMatchObject({ outcome: 'denied', reason: 'not during the sale' });
  });

  it('makes one request of one idempotency key, however many calls bring it at once', async () => {
    const body = { distribution: 'docs', paths: ['/once.html'], idempotencyKey: 'run-77-attempt-1' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(body)));
    const ids = new Set(answers.map((a) => (a.body as View).id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(7);
    const [id] = [...ids];
    await until(id ?? '', 'completed');
    const cards = stack.slack.messages.filter((m) => !m.thread_ts && m.text.includes(id ?? ''));
    expect(cards).toHaveLength(1);
    const again = await post(body);
    expect(again.status).toBe(200);
    expect((again.body as View).id).toBe(id);

    const reused = await post({ ...body, paths: ['/other.html'] });
    expect(reused.status).toBe(409);
    expect((reused.body as ErrorBody).error.code).toBe('idempotency_conflict');
  });

  it('refuses bad calls with their status codes and one error shape, changing nothing', async () => {
    // Requests only: the earlier requests' own steps may still be writing other items meanwhile.
    const requests = async () => (await stack.plainItems()).filter((item) => item.sk === 'REQUEST').length;
    const before = await requests();
    const cases: Array<[string, Promise<{ status: number; body: unknown }>, number, string]> = [
      ['no token', post({ distribution: 'docs', paths: ['/a'] }, null), 401, 'unauthorized'],
      ['wrong token', post({ distribution: 'docs', paths: ['/a'] }, 'inv_wrong'), 401, 'unauthorized'],
      ['malformed JSON', post('{"distribution": "docs", '), 400, 'malformed_json'],
      ['a field misspelt', post({ distribution: 'docs', path: ['/a'] }), 400, 'invalid_request'],
      ['an unknown distribution', post({ distribution: 'wbe', paths: ['/a'] }), 400, 'unknown_distribution'],
      ['bad paths', post({ distribution: 'docs', paths: ['no-slash', '/a*/b'] }), 400, 'invalid_paths'],
      ['an unknown request', call('GET', '/api/v1/requests/INV-0000000000'), 404, 'not_found'],
      ['a wrong method', call('PUT', '/api/v1/requests'), 405, 'method_not_allowed'],
    ];
    for (const [name, answer, status, code] of cases) {
      const { status: got, body } = await answer;
      expect(got, name).toBe(status);
      expect((body as ErrorBody).error.code, name).toBe(code);
      expect((body as ErrorBody).error.message.length, name).toBeGreaterThan(10);
    }
    const invalid = (await post({ distribution: 'docs', paths: ['no-slash', '/a*/b'] })).body as ErrorBody;
    expect(invalid.error.details?.map((d) => d.path)).toEqual(['no-slash', '/a*/b']);
    // Worded as /invalidate words them, without Slack's markup.
    expect(invalid.error.details?.[0]?.message).toBe('Add a leading slash: `/no-slash`');
    const mistyped = (await post({ distribution: 'wbe', paths: ['/a'] })).body as ErrorBody;
    expect(mistyped.error.message).toContain('Did you mean "web"?');
    expect(await requests()).toBe(before);

    const huge = await post({ distribution: 'docs', paths: ['/a'], reason: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect((huge.body as ErrorBody).error.code).toBe('body_too_large');
  });

  it('refuses a distribution the pipeline may not request, and records the refusal', async () => {
    const refused = await post({ distribution: 'locked', paths: ['/a'] });
    expect(refused.status).toBe(403);
    expect((refused.body as ErrorBody).error.message).toContain('web, docs');
    const items = await stack.plainItems();
    const recorded = items.filter((item) => JSON.stringify(item).includes('pipeline_not_allowed'));
    expect(recorded.length).toBeGreaterThan(0);
    expect(items.some((item) => item.status !== undefined && JSON.stringify(item).includes('ELOCK'))).toBe(
      false,
    );
  });

  it("answers 429 with Retry-After past a pipeline's hourly rate", async () => {
    const body = { distribution: 'docs', paths: ['/rate.html'] };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(body, LIMITED_TOKEN));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 429]);
    const retryAfter = Number(answers[2]?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
  });

  it('cancels a pending request, once, and shows a pipeline only its own requests', async () => {
    const pending = (await post({ distribution: 'web', paths: ['/fonts/*'] })).body as View;
    await until(pending.id, 'pending_approval');
    const other = await call('GET', `/api/v1/requests/${pending.id}`, undefined, LIMITED_TOKEN);
    expect(other.status).toBe(404);
    const cancelled = await call('DELETE', `/api/v1/requests/${pending.id}`);
    expect(cancelled.status).toBe(200);
    expect((cancelled.body as View).status).toBe('cancelled');
    const again = await call('DELETE', `/api/v1/requests/${pending.id}`);
    expect(again.status).toBe(409);
    await stack.slack.waitFor(() => JSON.stringify(cardOf(pending.id)?.blocks ?? '').includes('Cancelled'));
  });

  it('describes itself in an OpenAPI document built from the schemas that check requests', async () => {
    const { status, body } = await call('GET', '/api/v1/openapi.json', undefined, null);
    expect(status).toBe(200);
    const doc = body as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/api/v1/requests', '/api/v1/requests/{id}']);
    expect(Object.keys(doc.components.schemas.RequestBody?.properties ?? {})).toEqual([
      'distribution',
      'paths',
      'reason',
      'idempotencyKey',
      'context',
    ]);
  });

  const exported = (rows: string) => runAuditCli(stack.cwd, stack.env, ['--rows', rows, '--format', 'json']);

  it('puts pipeline requests, and the refusal of a forbidden distribution, in the audit export', async () => {
    const result = await exported('requests');
    expect(result.status, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{ requester: string }>;
    expect(rows.filter((row) => row.requester === 'pipeline:web-deploy').length).toBeGreaterThanOrEqual(5);
    const refusals = JSON.parse((await exported('refusals')).stdout) as Array<Record<string, unknown>>;
    expect(refusals.some((row) => JSON.stringify(row).includes('pipeline_not_allowed'))).toBe(true);
  });
});

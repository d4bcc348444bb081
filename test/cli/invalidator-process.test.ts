import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiStandIn, type LifecycleStep, startApiStandIn } from '../support/api-standin.js';
import { REPO_ROOT } from '../support/bot-process.js';

/** The built client (vitest's global set-up builds dist/), so the tests run the file users download. */
const CLI = join(REPO_ROOT, 'dist/cli/invalidator.js');
const TOKEN = 'inv_pipe_s3cr3t-token-value';

const PENDING_THEN_DONE: LifecycleStep[] = [
  { afterMs: 0, status: 'pending_approval' },
  { afterMs: 400, status: 'approved', by: 'U0ANA', byName: 'Ana' },
  { afterMs: 500, status: 'in_progress' },
  { afterMs: 2_600, status: 'completed' },
];

interface Outcome {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

describe('invalidator request, as a process against the API stand-in', () => {
  let api: ApiStandIn;

  beforeAll(async () => {
    api = await startApiStandIn({
      tokens: { [TOKEN]: 'web-deploy' },
      distributions: {
        web: { id: 'E2WEB0000001', pipelines: ['web-deploy'] },
        gated: {
          id: 'E2GATED00001',
          pipelines: ['web-deploy'],
          requiredApprovals: ['1 approval from @web-leads'],
          lifecycle: PENDING_THEN_DONE,
        },
        refused: {
          id: 'E2REFUSED001',
          pipelines: ['web-deploy'],
          requiredApprovals: ['1 approval from @web-leads'],
          lifecycle: [
            { afterMs: 0, status: 'pending_approval' },
            { afterMs: 300, status: 'denied', by: 'U0BO', byName: 'Bo', reason: 'not during the sale' },
          ],
        },
        stuck: {
          id: 'E2STUCK00001',
          pipelines: ['web-deploy'],
          requiredApprovals: ['1 approval from @web-leads'],
          lifecycle: [{ afterMs: 0, status: 'pending_approval' }],
        },
        docs: { id: 'E2DOCS000001', pipelines: ['docs-deploy'] },
      },
    });
  });
  afterAll(() => api.close());

  /** Runs the CLI with only the given environment (none of this machine's CI variables leak in). */
  async function cli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
    const fullEnv = {
      PATH: process.env.PATH ?? '',
      INVALIDATOR_URL: api.url,
      INVALIDATOR_TOKEN: TOKEN,
      ...env,
    };
    const child = spawn(process.execPath, [CLI, ...args], { env: fullEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // Whatever happened, the token never shows.
    expect(stdout + stderr).not.toContain(TOKEN);
    if (fullEnv.INVALIDATOR_TOKEN !== '') expect(stdout + stderr).not.toContain(fullEnv.INVALIDATOR_TOKEN);
    return { code, stdout: lines(stdout), stderr: lines(stderr) };
  }

  const postsSince = (from: number) => api.calls.slice(from).filter((call) => call.method === 'POST');
  const keyOf = (body: unknown) => (body as { idempotencyKey?: string } | undefined)?.idempotencyKey;

  it('prints one line for an accepted request and exits 0 without waiting', async () => {
    const result = await cli(['request', 'gated', '/index.html', '--reason', 'deploy abc123']);
    expect(result.code).toBe(0);
    expect(result.stdout).toEqual([
      expect.stringMatching(
        /^INV-\d{10} pending approval · needs 1 approval from @web-leads · https:\/\/example/,
      ),
    ]);
  });

  it('prints the request as JSON on stdout with --json', async () => {
    const result = await cli(['request', 'web', '/index.html', '--json']);
    expect(result.code).toBe(0);
    const view = JSON.parse(result.stdout.join('\n'));
    expect(view).toMatchObject({ distribution: { alias: 'web' }, paths: 1 });
    expect(result.stderr[0]).toMatch(new RegExp(`^${view.id} `));
  });

  it('follows a request to completion, one line per change, and exits 0', async () => {
    const result = await cli(['request', 'gated', '/index.html', '/assets/*', '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout.slice(1)).toEqual([
      expect.stringMatching(/^waiting for approval by @web-leads \(expires \d\d:\d\d UTC\)$/),
      'approved by Ana',
      expect.stringMatching(/^submitted as I2J0\w+EXAMPLE$/),
      'completed in 2 s',
    ]);
  });

  it('with --wait --json, prints the ended request as JSON and the progress on stderr', async () => {
    const result = await cli(['request', 'web', '/json.html', '--wait', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.join('\n'))).toMatchObject({ status: 'completed', paths: 1 });
    expect(result.stderr.at(-1)).toMatch(/^completed in \d s$/);
  });

  it('exits 1 with the reason when the request is denied', async () => {
    const result = await cli(['request', 'refused', '/index.html', '--wait']);
    expect(result.code).toBe(1);
    expect(result.stdout.at(-1)).toBe('denied by Bo: not during the sale');
  });

  it('exits 3 when waiting times out, saying the request keeps going and how to check it', async () => {
    const started = Date.now();
    const result = await cli(['request', 'stuck', '/index.html', '--wait', '--timeout', '0.05']);
    expect(result.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(result.stderr[0]).toMatch(
      /^timed out waiting: INV-\d+ is still pending approval and keeps going$/,
    );
    expect(result.stderr.join('\n')).toContain('$INVALIDATOR_TOKEN');
  });

  it('keeps waiting through failed polls', async () => {
    api.injectFaults({ method: 'GET', status: 503 }, { method: 'GET', delayMs: 10, status: 502 });
    const result = await cli(['request', 'web', '/index.html', '--wait'], { INVALIDATOR_HTTP_TIMEOUT: '2' });
    expect(result.code).toBe(0);
    expect(result.stderr.filter((line) => line.includes('still waiting'))).toHaveLength(2);
    expect(result.stdout.at(-1)).toMatch(/^completed in \d s$/);
  });

  it.each([
    ['INVALIDATOR_URL is not set', { INVALIDATOR_URL: '' }],
    ['INVALIDATOR_URL must be an http(s) URL', { INVALIDATOR_URL: 'ftp://example.com' }],
    ['INVALIDATOR_URL must be an http(s) URL', { INVALIDATOR_URL: 'not a url' }],
    ['INVALIDATOR_TOKEN is not set', { INVALIDATOR_TOKEN: '' }],
  ])('exits 2 on bad configuration: %s', async (message, env) => {
    const calls = api.calls.length;
    const result = await cli(['request', 'web', '/index.html'], env);
    expect(result.code).toBe(2);
    expect(result.stderr.join('\n')).toContain(message);
    expect(api.calls.length).toBe(calls);
  });

  it('exits 2 on bad arguments without calling the API', async () => {
    const result = await cli(['request', 'web', '--wait', '--nope']);
    expect(result.code).toBe(2);
    expect(result.stderr[0]).toContain("Unknown option '--nope'");
  });

  it('exits 2 on a 400 and prints every detail', async () => {
    const result = await cli(['request', 'web', 'index.html', '/a*/b']);
    expect(result.code).toBe(2);
    expect(result.stderr).toEqual([
      'error: the request is not valid (invalid_request, HTTP 400)',
      '  paths[0]: "index.html" must start with /',
      '  paths[1]: /a*/b: * may only come last',
    ]);
  });

  it('exits 2 on an unknown token, without printing it', async () => {
    const result = await cli(['request', 'web', '/index.html'], { INVALIDATOR_TOKEN: 'wrong-token-1234' });
    expect(result.code).toBe(2);
    expect(result.stderr[0]).toBe(
      'error: missing or unknown API token (unauthorized, HTTP 401) (check INVALIDATOR_TOKEN)',
    );
  });

  it('exits 2 when the pipeline may not use the distribution', async () => {
    const result = await cli(['request', 'docs', '/index.html']);
    expect(result.code).toBe(2);
    expect(result.stderr[0]).toContain('HTTP 403');
  });

  it('blanks the token should an answer ever echo it', async () => {
    api.injectFaults({ method: 'POST', status: 400, message: `token ${TOKEN} is not valid here` });
    const result = await cli(['request', 'web', '/echo.html']);
    expect(result.code).toBe(2);
    expect(result.stderr[0]).toBe('error: token *** is not valid here (invalid_request, HTTP 400)');
  });

  it('gives up at once, exit 1, when a 429 asks for more than a minute', async () => {
    const from = api.calls.length;
    api.injectFaults({ method: 'POST', status: 429, retryAfter: 900 });
    const result = await cli(['request', 'web', '/index.html']);
    expect(result.code).toBe(1);
    expect(result.stderr.at(-1)).toBe('error: HTTP 429: injected 429; the API asks to retry in 900 s');
    expect(postsSince(from)).toHaveLength(1);
  });

  it('waits out a 429 as Retry-After says, then succeeds', async () => {
    const from = api.calls.length;
    api.injectFaults({ method: 'POST', status: 429, retryAfter: 1 });
    const started = Date.now();
    const result = await cli(['request', 'web', '/index.html']);
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(postsSince(from).map((call) => call.status)).toEqual([429, 201]);
  });

  it('makes exactly one request when two 500s come after the request was made', async () => {
    const from = api.calls.length;
    const before = api.requests().length;
    api.injectFaults(
      { method: 'POST', status: 500, afterEffect: true },
      { method: 'POST', status: 500, afterEffect: true },
    );
    const result = await cli(['request', 'web', '/retried.html']);
    expect(result.code).toBe(0);
    const posts = postsSince(from);
    expect(posts.map((call) => call.status)).toEqual([500, 500, 200]);
    expect(new Set(posts.map((call) => keyOf(call.body))).size).toBe(1);
    expect(api.requests().length).toBe(before + 1);
    // Its own request, found again: not someone else's.
    expect(result.stdout[0]).not.toContain('existing');
  });

  it('makes exactly one request when an answer comes too late', async () => {
    const from = api.calls.length;
    const before = api.requests().length;
    api.injectFaults({ method: 'POST', delayMs: 2_500 });
    const result = await cli(['request', 'web', '/slow.html'], { INVALIDATOR_HTTP_TIMEOUT: '1' });
    expect(result.code).toBe(0);
    expect(result.stderr[0]).toMatch(/^no answer within 1 s; retrying in/);
    // The late call takes effect after the client gave up on it: count once it has been answered (its
    // 2.5 s may end well after the client's retry did).
    await vi.waitFor(
      () =>
        expect(
          postsSince(from)
            .map((call) => call.status)
            .sort(),
        ).toEqual([200, 201]),
      { timeout: 10_000 },
    );
    expect(api.requests().length).toBe(before + 1);
  });

  it('exits 1 after a bounded number of tries when the API keeps failing', async () => {
    const from = api.calls.length;
    api.injectFaults(...Array.from({ length: 5 }, () => ({ method: 'POST' as const, status: 503 })));
    const result = await cli(['request', 'web', '/down.html']);
    expect(result.code).toBe(1);
    expect(result.stderr.at(-1)).toBe('error: HTTP 503: injected 503; gave up after 5 tries');
    expect(postsSince(from)).toHaveLength(5);
  });

  it('sends the CI run as context, and a re-run of the same job attempt finds its request', async () => {
    const github = {
      GITHUB_RUN_ID: '9876',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_JOB: 'deploy',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/site',
      GITHUB_SHA: 'abc123',
      GITHUB_WORKFLOW: 'Deploy',
    };
    const from = api.calls.length;
    const first = await cli(['request', 'web', '/ci.html'], github);
    const again = await cli(['request', 'web', '/ci.html'], github);
    expect([first.code, again.code]).toEqual([0, 0]);
    const [firstPost, againPost] = postsSince(from);
    expect(firstPost?.body).toMatchObject({
      idempotencyKey: expect.stringMatching(/^github-9876-2-deploy-[0-9a-f]{12}$/),
      context: {
        url: 'https://github.com/acme/site/actions/runs/9876',
        commit: 'abc123',
        pipeline: 'Deploy',
      },
    });
    expect(keyOf(againPost?.body)).toBe(keyOf(firstPost?.body));
    const id = first.stdout[0]?.split(' ')[0];
    expect(again.stdout[0]).toMatch(new RegExp(`^${id} .*\\(existing request for this idempotency key\\)$`));
  });

  it('runs as a single file copied on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invalidator-cli-'));
    copyFileSync(CLI, join(dir, 'invalidator.js'));
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const result = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [join(dir, 'invalidator.js'), 'request', 'web', '/single.html'], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', INVALIDATOR_URL: api.url, INVALIDATOR_TOKEN: TOKEN },
        stdio: 'ignore',
      });
      child.on('close', resolve);
    });
    expect(result).toBe(0);
  });
});

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  clockTime,
  detectCi,
  duration,
  errorLines,
  exitCodeOf,
  idempotencyKeyFor,
  milestones,
  parseCommand,
  parseEnv,
  RETRY,
  type RequestView,
  retryAfterMs,
} from '../../src/cli/invalidator.js';

const NOW = '2026-12-07T14:00:00.000Z';

function view(fields: Partial<RequestView> = {}): RequestView {
  return {
    id: 'INV-7K2M9QX4PA',
    status: 'new',
    distribution: { alias: 'web', id: 'E2WEB0000001' },
    paths: 2,
    requester: 'pipeline:web-deploy',
    createdAt: '2026-12-07T13:59:00.000Z',
    requiredApprovals: [],
    approvers: '@web-leads',
    invalidationIds: [],
    events: [],
    ...fields,
  };
}

describe('the command line', () => {
  it('reads a request with every flag', () => {
    const parsed = parseCommand([
      'request',
      'web',
      '/index.html',
      '/assets/*',
      '--reason',
      'deploy abc',
      '--wait',
      '--timeout',
      '5',
      '--json',
      '--idempotency-key',
      'k1',
    ]);
    expect(parsed).toEqual({
      ok: true,
      value: {
        kind: 'request',
        args: {
          alias: 'web',
          paths: ['/index.html', '/assets/*'],
          reason: 'deploy abc',
          wait: true,
          timeoutMinutes: 5,
          json: true,
          idempotencyKey: 'k1',
        },
      },
    });
  });

  it.each([
    [['request'], 'missing <alias>'],
    [['request', 'web'], 'missing <paths…>'],
    [['invalidate', 'web', '/a'], 'unknown command "invalidate"'],
    [['request', 'web', '/a', '--wait', '--timeout', '0'], '--timeout must be a positive number'],
    [['request', 'web', '/a', '--wait', '--timeout', 'soon'], '--timeout must be a positive number'],
    [['request', 'web', '/a', '--timeout', '5'], '--timeout needs --wait'],
    [['request', 'web', '/a', '--idempotency-key', 'k'.repeat(201)], 'at most 200'],
    [['request', 'web', '/a', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('refuses %j: %s', (argv, problem) => {
    const parsed = parseCommand(argv);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems.join('\n')).toContain(problem);
  });

  it.each([[[]], [['--help']], [['request', '-h']]])('shows help for %j', (argv) => {
    expect(parseCommand(argv)).toEqual({ ok: true, value: { kind: 'help' } });
  });
});

describe('the environment', () => {
  it('accepts an https URL and drops its trailing slash', () => {
    expect(parseEnv({ INVALIDATOR_URL: 'https://inv.example.com/', INVALIDATOR_TOKEN: 't' })).toEqual({
      ok: true,
      value: { baseUrl: 'https://inv.example.com', token: 't', httpTimeoutMs: 15_000 },
    });
  });

  it('lists every problem at once and never repeats the token', () => {
    const parsed = parseEnv({ INVALIDATOR_URL: 'file:///etc/passwd', INVALIDATOR_HTTP_TIMEOUT: '-1' });
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      'INVALIDATOR_URL must be an http(s) URL, not "file:///etc/passwd"',
      'INVALIDATOR_TOKEN is not set: the pipeline’s API token',
      'INVALIDATOR_HTTP_TIMEOUT must be a positive number of seconds, not "-1"',
    ]);
  });
});

describe('CI detection and idempotency keys', () => {
  const request = { alias: 'web', paths: ['/index.html'] };

  it.each([
    [
      'GitHub Actions',
      {
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '3',
        GITHUB_JOB: 'deploy',
        GITHUB_SERVER_URL: 'https://ghe.example.com',
        GITHUB_REPOSITORY: 'acme/site',
        GITHUB_SHA: 'c0ffee',
        GITHUB_WORKFLOW: 'Deploy',
      },
      'github-42-3-deploy',
      { url: 'https://ghe.example.com/acme/site/actions/runs/42', commit: 'c0ffee', pipeline: 'Deploy' },
    ],
    [
      'GitLab CI',
      {
        GITLAB_CI: 'true',
        CI_JOB_ID: '777',
        CI_JOB_URL: 'https://gitlab.example.com/acme/site/-/jobs/777',
        CI_COMMIT_SHA: 'beef',
        CI_PROJECT_PATH: 'acme/site',
      },
      'gitlab-777',
      { url: 'https://gitlab.example.com/acme/site/-/jobs/777', commit: 'beef', pipeline: 'acme/site' },
    ],
    ['CircleCI', { CIRCLE_WORKFLOW_JOB_ID: 'c-1', CIRCLE_SHA1: 'a1' }, 'circleci-c-1', { commit: 'a1' }],
    [
      'Buildkite',
      { BUILDKITE_JOB_ID: 'b-1', BUILDKITE_PIPELINE_SLUG: 'site' },
      'buildkite-b-1',
      { pipeline: 'site' },
    ],
    [
      'Jenkins',
      { JENKINS_URL: 'https://ci/', BUILD_TAG: 'jenkins-site-12', BUILD_URL: 'https://ci/job/site/12/' },
      'jenkins-jenkins-site-12',
      { url: 'https://ci/job/site/12/' },
    ],
  ])('recognises %s', (name, env, jobKey, context) => {
    const ci = detectCi(env);
    expect(ci).toEqual({ name, jobKey, context });
    expect(idempotencyKeyFor(request, ci, 'random')).toMatch(new RegExp(`^${jobKey}-[0-9a-f]{12}$`));
  });

  it('gives two steps of one job asking different things different keys', () => {
    const ci = detectCi({ GITHUB_RUN_ID: '42', GITHUB_JOB: 'deploy' });
    const index = idempotencyKeyFor(request, ci, 'random');
    expect(idempotencyKeyFor({ ...request, paths: ['/other.html'] }, ci, 'random')).not.toBe(index);
    expect(idempotencyKeyFor({ ...request, alias: 'docs' }, ci, 'random')).not.toBe(index);
    expect(idempotencyKeyFor(request, ci, 'random')).toBe(index);
  });

  it('gives each attempt of a job its own key, so a re-run after a denial can ask again', () => {
    const first = detectCi({ GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy' });
    const second = detectCi({ GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'deploy' });
    expect(idempotencyKeyFor(request, first, 'r')).not.toBe(idempotencyKeyFor(request, second, 'r'));
  });

  it('prefers the key given, and falls back to the random one outside CI', () => {
    const ci = detectCi({ CI_JOB_ID: '1', GITLAB_CI: 'true' });
    expect(idempotencyKeyFor({ ...request, idempotencyKey: 'mine' }, ci, 'random')).toBe('mine');
    expect(detectCi({ CI_JOB_ID: '1' })).toBeUndefined();
    expect(detectCi({ BUILD_TAG: 'x' })).toBeUndefined();
    expect(idempotencyKeyFor(request, undefined, 'random')).toBe('random');
  });

  it('keeps a long key within 200 characters and distinct', () => {
    const ci = detectCi({ JENKINS_URL: 'https://ci/', BUILD_TAG: `jenkins-${'x'.repeat(300)}` });
    const key = idempotencyKeyFor(request, ci, 'r');
    expect(key.length).toBe(200);
    expect(idempotencyKeyFor({ ...request, paths: ['/b'] }, ci, 'r')).not.toBe(key);
  });
});

describe('retry timing', () => {
  it.each([
    [1, 250, 500],
    [2, 500, 1_000],
    [4, 2_000, 4_000],
    [9, RETRY.capMs / 2, RETRY.capMs],
  ])('waits before retry %i between %i and %i ms', (retry, low, high) => {
    expect(backoffMs(retry, 0)).toBe(low);
    expect(backoffMs(retry, 0.999_999)).toBeLessThanOrEqual(high);
    expect(backoffMs(retry, 0.999_999)).toBeGreaterThan(high * 0.99);
  });

  it.each([
    ['3', 3_000],
    ['0', 0],
    ['Mon, 07 Dec 2026 14:00:10 GMT', 10_000],
    ['soon', undefined],
    [null, undefined],
  ])('reads Retry-After %j', (header, expected) => {
    expect(retryAfterMs(header, Date.parse(NOW))).toBe(expected);
  });
});

describe('the lines printed while waiting', () => {
  const lines = (v: RequestView) => milestones(v, NOW).map((m) => m.line);

  it('says who may approve and until when', () => {
    expect(lines(view({ status: 'pending_approval', expiresAt: '2026-12-07T14:32:00.000Z' }))).toEqual([
      'waiting for approval by @web-leads (expires 14:32 UTC)',
    ]);
  });

  it('catches up on steps taken between two polls', () => {
    const completed = view({
      status: 'completed',
      decision: { outcome: 'approved', by: 'U1', byName: 'Ana', at: NOW },
      invalidationIds: ['I2J0ABC'],
      submittedAt: '2026-12-07T14:00:00.000Z',
      completedAt: '2026-12-07T14:00:23.400Z',
    });
    expect(lines(completed)).toEqual(['approved by Ana', 'submitted as I2J0ABC', 'completed in 23 s']);
  });

  it.each<[Partial<RequestView>, string[]]>([
    [
      { decision: { outcome: 'approved', by: 'policy', at: NOW }, status: 'approved' },
      ['approved by policy (no approval needed)'],
    ],
    [
      { decision: { outcome: 'denied', by: 'U2', at: NOW, reason: 'freeze' }, status: 'denied' },
      ['denied by U2: freeze'],
    ],
    [{ status: 'expired' }, ['expired: nobody decided in time']],
    [{ status: 'cancelled', cancelledBy: 'Ana' }, ['cancelled by Ana']],
    [
      { status: 'failed', failure: { code: 'AccessDenied', message: 'no access' } },
      ['failed: no access (AccessDenied)'],
    ],
    [{ status: 'queued' }, ['queued: waiting for its turn at CloudFront']],
  ])('describes %j', (fields, expected) => {
    expect(lines(view(fields))).toEqual(expected);
  });

  it('maps ended statuses to exit codes and goes on otherwise', () => {
    expect(exitCodeOf('completed')).toBe(0);
    for (const status of ['denied', 'failed', 'undeliverable', 'expired', 'cancelled'] as const) {
      expect(exitCodeOf(status)).toBe(1);
    }
    for (const status of ['new', 'pending_approval', 'approved', 'queued', 'in_progress'] as const) {
      expect(exitCodeOf(status)).toBeUndefined();
    }
  });

  it('writes times in UTC, with the date when not today, and durations in minutes past two', () => {
    expect(clockTime('2026-12-08T01:05:00Z', NOW)).toBe('2026-12-08 01:05 UTC');
    expect(duration('2026-12-07T14:00:00Z', '2026-12-07T14:04:05Z')).toBe('4 min 5 s');
  });

  it('lists every detail of an error answer', () => {
    expect(
      errorLines(400, {
        code: 'invalid_request',
        message: 'bad',
        details: [{ path: 'paths[0]', message: 'must start with /' }, { message: 'and more' }],
      }),
    ).toEqual(['error: bad (invalid_request, HTTP 400)', '  paths[0]: must start with /', '  and more']);
    expect(errorLines(502, undefined)).toEqual(['error: HTTP 502 without an error body']);
  });
});

describe('the file users download', () => {
  it('imports nothing but node: built-ins (type-only imports vanish when compiled)', () => {
    const source = readFileSync(new URL('../../src/cli/invalidator.ts', import.meta.url), 'utf8');
    const { importedFiles } = ts.preProcessFile(source, true, true);
    const runtime = importedFiles
      .filter((file) => !new RegExp(`import\\s+type\\s[^;]*['"]${file.fileName}['"]`).test(source))
      .map((file) => file.fileName);
    expect(runtime.filter((name) => !name.startsWith('node:'))).toEqual([]);
    expect(runtime.length).toBeGreaterThan(0);
  });
});

#!/usr/bin/env node
/**
 * `invalidator`: the command-line client of Invalidator's HTTP API, for deploy pipelines.
 *
 * This one file is the whole client on purpose: `tsc` turns it into `dist/cli/invalidator.js`, which must
 * run on its own as a single-file download (Node ≥ 20). So it imports only `node:` built-ins, uses the global
 * `fetch`, and keeps its pure parts (argument and environment parsing, CI detection, retry timing, the
 * lines it prints) here as exported functions that the tests call, rather than in modules of their own.
 *
 * API contract: POST/GET/DELETE `{INVALIDATOR_URL}/api/v1/requests[/{id}]` with `Authorization: Bearer`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Exit codes, as documented: pipelines branch on them. */
export const EXIT = { completed: 0, ended: 1, badInput: 2, timedOut: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const STATUSES = [
  'new',
  'pending_approval',
  'approved',
  'queued',
  'in_progress',
  'completed',
  'denied',
  'failed',
  'undeliverable',
  'expired',
  'cancelled',
] as const;
export type RequestStatus = (typeof STATUSES)[number];

/** The API's view of one request (the body of every 200/201 answer). */
export interface RequestView {
  id: string;
  status: RequestStatus;
  distribution: { alias: string; id: string };
  paths: number;
  requester: string;
  createdAt: string;
  requiredApprovals: string[];
  approvers: string;
  expiresAt?: string;
  decision?: {
    outcome: 'approved' | 'denied';
    by: string;
    byName?: string;
    at: string;
    reason?: string;
  };
  invalidationIds: string[];
  submittedAt?: string;
  completedAt?: string;
  failure?: { code: string; message: string };
  cancelledBy?: string;
  cardUrl?: string;
  events: Array<{ at: string; type: string; actor?: string; text: string }>;
}

/** The body of every error answer. */
export interface ApiError {
  code: string;
  message: string;
  details?: Array<{ path?: string; message: string }>;
}

/** Where a request came from, sent as `context` so approvers can follow the link back to the run. */
export interface RunContext {
  url?: string;
  commit?: string;
  pipeline?: string;
}

const MAX_KEY_LENGTH = 200;
const DEFAULT_TIMEOUT_MINUTES = 30;
const DEFAULT_HTTP_TIMEOUT_SECONDS = 15;

export const USAGE = `Usage: invalidator request <alias> <paths…> [options]

Asks Invalidator to invalidate <paths…> on the distribution <alias>.

Options:
  --reason <text>            why (shown to approvers)
  --wait                     follow the request until it ends, one line per change
  --timeout <minutes>        with --wait: stop waiting after this long (default ${DEFAULT_TIMEOUT_MINUTES}); the request keeps going
  --json                     print the request as JSON on stdout (progress goes to stderr)
  --idempotency-key <key>    the same key finds the same request (default: from the CI job, else random)
  -h, --help                 this text

Environment:
  INVALIDATOR_URL            the bot's base URL, http(s)://…
  INVALIDATOR_TOKEN          the pipeline's API token
  INVALIDATOR_HTTP_TIMEOUT   seconds to wait for one HTTP answer (default ${DEFAULT_HTTP_TIMEOUT_SECONDS})

Exit codes: 0 accepted (completed with --wait); 1 denied, expired, cancelled, failed or the API failed;
2 bad input or configuration; 3 timed out waiting (the request keeps going).
`;

/* ----------------------------------------------------------------------------------------------------- */
/* Pure parts: arguments, environment, CI detection                                                      */

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export interface RequestArgs {
  alias: string;
  paths: string[];
  reason?: string;
  wait: boolean;
  timeoutMinutes: number;
  json: boolean;
  idempotencyKey?: string;
}

export type Command = { kind: 'help' } | { kind: 'request'; args: RequestArgs };

/** Parses the command line; every problem is listed at once. */
export function parseCommand(argv: string[]): Parsed<Command> {
  let parsed: ReturnType<typeof parseRequestFlags>;
  try {
    parsed = parseRequestFlags(argv);
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { ok: true, value: { kind: 'help' } };
  const [command, alias, ...paths] = positionals;
  if (command !== 'request') return { ok: false, problems: [`unknown command "${command}": try "request"`] };
  const problems: string[] = [];
  if (alias === undefined) problems.push('missing <alias>: the distribution to invalidate, e.g. "web"');
  if (paths.length === 0) problems.push('missing <paths…>: at least one path, e.g. /index.html');
  const timeoutMinutes = values.timeout === undefined ? DEFAULT_TIMEOUT_MINUTES : Number(values.timeout);
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0) {
    problems.push(`--timeout must be a positive number of minutes, not "${values.timeout}"`);
  }
  const key = emptyAsUnset(values['idempotency-key']);
  if (key !== undefined && key.length > MAX_KEY_LENGTH) {
    problems.push(`--idempotency-key is ${key.length} characters; at most ${MAX_KEY_LENGTH}`);
  }
  if (values.timeout !== undefined && !values.wait) problems.push('--timeout needs --wait');
  if (problems.length > 0 || alias === undefined) return { ok: false, problems };
  const reason = emptyAsUnset(values.reason);
  return {
    ok: true,
    value: {
      kind: 'request',
      args: {
        alias,
        paths,
        wait: values.wait === true,
        timeoutMinutes,
        json: values.json === true,
        ...(reason === undefined ? {} : { reason }),
        ...(key === undefined ? {} : { idempotencyKey: key }),
      },
    },
  };
}

function parseRequestFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      reason: { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      'idempotency-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface ApiConfig {
  /** base URL without a trailing slash */
  baseUrl: string;
  token: string;
  httpTimeoutMs: number;
}

/** Reads the environment once; empty strings count as unset. Never echoes the token. */
export function parseEnv(env: Env): Parsed<ApiConfig> {
  const problems: string[] = [];
  const rawUrl = emptyAsUnset(env.INVALIDATOR_URL);
  const token = emptyAsUnset(env.INVALIDATOR_TOKEN);
  let baseUrl = '';
  if (rawUrl === undefined) {
    problems.push('INVALIDATOR_URL is not set: the bot’s base URL, e.g. https://invalidator.example.com');
  } else if (!URL.canParse(rawUrl) || !['http:', 'https:'].includes(new URL(rawUrl).protocol)) {
    problems.push(`INVALIDATOR_URL must be an http(s) URL, not "${rawUrl}"`);
  } else {
    baseUrl = rawUrl.replace(/\/+$/, '');
  }
  if (token === undefined) problems.push('INVALIDATOR_TOKEN is not set: the pipeline’s API token');
  const rawTimeout = emptyAsUnset(env.INVALIDATOR_HTTP_TIMEOUT);
  const httpTimeoutSeconds = rawTimeout === undefined ? DEFAULT_HTTP_TIMEOUT_SECONDS : Number(rawTimeout);
  if (!Number.isFinite(httpTimeoutSeconds) || httpTimeoutSeconds <= 0) {
    problems.push(`INVALIDATOR_HTTP_TIMEOUT must be a positive number of seconds, not "${rawTimeout}"`);
  }
  if (problems.length > 0 || token === undefined) return { ok: false, problems };
  return { ok: true, value: { baseUrl, token, httpTimeoutMs: httpTimeoutSeconds * 1000 } };
}

/** What a known CI tells about the running job. */
export interface CiJob {
  name: string;
  /** unique to this attempt of this job; a retried job gets a new one, a repeated invocation the same */
  jobKey: string;
  context: RunContext;
}

/**
 * A CI whose job is named by one variable, and the variables holding its run's page, commit and pipeline.
 * `marker`, where set, must be present too: `CI_JOB_ID` and `BUILD_TAG` are names other tools use as well.
 */
interface SimpleCi {
  name: string;
  prefix: string;
  job: string;
  marker?: string;
  url: string;
  commit: string;
  pipeline: string;
}

const SIMPLE_CIS: readonly SimpleCi[] = [
  {
    name: 'GitLab CI',
    prefix: 'gitlab',
    job: 'CI_JOB_ID',
    marker: 'GITLAB_CI',
    url: 'CI_JOB_URL',
    commit: 'CI_COMMIT_SHA',
    pipeline: 'CI_PROJECT_PATH',
  },
  {
    name: 'CircleCI',
    prefix: 'circleci',
    job: 'CIRCLE_WORKFLOW_JOB_ID',
    url: 'CIRCLE_BUILD_URL',
    commit: 'CIRCLE_SHA1',
    pipeline: 'CIRCLE_PROJECT_REPONAME',
  },
  {
    name: 'Buildkite',
    prefix: 'buildkite',
    job: 'BUILDKITE_JOB_ID',
    url: 'BUILDKITE_BUILD_URL',
    commit: 'BUILDKITE_COMMIT',
    pipeline: 'BUILDKITE_PIPELINE_SLUG',
  },
  {
    name: 'Jenkins',
    prefix: 'jenkins',
    job: 'BUILD_TAG',
    marker: 'JENKINS_URL',
    url: 'BUILD_URL',
    commit: 'GIT_COMMIT',
    pipeline: 'JOB_NAME',
  },
];

/**
 * Recognises the CI running this job from its standard variables. The job key is per attempt on purpose:
 * a job re-run after a denial must be able to ask again, while the same attempt invoking the CLI twice (a
 * retry wrapper) finds its first request.
 */
export function detectCi(env: Env): CiJob | undefined {
  const v = (name: string) => emptyAsUnset(env[name]);
  const runId = v('GITHUB_RUN_ID');
  if (runId !== undefined) {
    const server = v('GITHUB_SERVER_URL') ?? 'https://github.com';
    const repository = v('GITHUB_REPOSITORY');
    return {
      name: 'GitHub Actions',
      jobKey: ['github', runId, v('GITHUB_RUN_ATTEMPT') ?? '1', v('GITHUB_JOB')].filter(isSet).join('-'),
      context: compact({
        url: repository === undefined ? undefined : `${server}/${repository}/actions/runs/${runId}`,
        commit: v('GITHUB_SHA'),
        pipeline: v('GITHUB_WORKFLOW'),
      }),
    };
  }
  for (const ci of SIMPLE_CIS) {
    const job = v(ci.job);
    if (job === undefined || (ci.marker !== undefined && v(ci.marker) === undefined)) continue;
    return {
      name: ci.name,
      jobKey: `${ci.prefix}-${job}`,
      context: compact({ url: v(ci.url), commit: v(ci.commit), pipeline: v(ci.pipeline) }),
    };
  }
  return undefined;
}

/**
 * The idempotency key sent with the POST (and reused on every retry of it): the one given, else the CI
 * job's key plus a hash of what is asked (so two steps of one job asking different things do not collide),
 * else `randomKey` (made once per invocation). At most 200 characters.
 */
export function idempotencyKeyFor(
  request: { alias: string; paths: string[]; idempotencyKey?: string },
  ci: CiJob | undefined,
  randomKey: string,
): string {
  if (request.idempotencyKey !== undefined) return request.idempotencyKey;
  if (ci === undefined) return randomKey;
  const key = `${ci.jobKey}-${shortHash(JSON.stringify([request.alias, ...request.paths]))}`;
  return key.length <= MAX_KEY_LENGTH ? key : `${key.slice(0, MAX_KEY_LENGTH - 13)}-${shortHash(key)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/* ----------------------------------------------------------------------------------------------------- */
/* Pure parts: retry timing                                                                              */

/** Bounded retries for one API call. */
export const RETRY = { attempts: 5, baseMs: 500, capMs: 8_000, maxRetryAfterMs: 60_000 } as const;

/**
 * The pause before retry number `retry` (1 = the first): capped exponential backoff with jitter, so that
 * many pipelines failing together do not come back together. `random` is in [0, 1).
 */
export function backoffMs(retry: number, random: number): number {
  const ceiling = Math.min(RETRY.capMs, RETRY.baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** `Retry-After` as milliseconds (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Polling pace while waiting: 2 s at first, growing by half each time, to 15 s. */
export function pollDelayMs(poll: number): number {
  return Math.min(15_000, Math.round(2_000 * 1.5 ** poll));
}

/* ----------------------------------------------------------------------------------------------------- */
/* Pure parts: the lines printed                                                                         */

/** The one line that says a request was accepted: id, status, what it still needs, where its card is. */
export function acceptedLine(view: RequestView, existing: boolean): string {
  const parts = [`${view.id} ${view.status.replace('_', ' ')}`];
  if (view.requiredApprovals.length > 0) parts.push(`needs ${view.requiredApprovals.join('; ')}`);
  if (view.cardUrl !== undefined) parts.push(view.cardUrl);
  const line = parts.join(' · ');
  return existing ? `${line} (existing request for this idempotency key)` : line;
}

/** One step in a request's life worth a line, keyed so it is printed once however often it is seen. */
export interface Milestone {
  key: string;
  line: string;
}

/**
 * The steps a request has reached, in order, derived from its view. Computed from the whole view rather
 * than from the last status change, so that a step that happened between two polls still gets its line.
 */
export function milestones(view: RequestView, nowIso: string): Milestone[] {
  const steps: Milestone[] = [];
  if (view.status === 'pending_approval') {
    const expires = view.expiresAt === undefined ? '' : ` (expires ${clockTime(view.expiresAt, nowIso)})`;
    steps.push({ key: 'waiting', line: `waiting for approval by ${view.approvers}${expires}` });
  }
  if (view.decision !== undefined) steps.push({ key: 'decision', line: decisionLine(view.decision) });
  if (view.status === 'queued')
    steps.push({ key: 'queued', line: 'queued: waiting for its turn at CloudFront' });
  if (view.invalidationIds.length > 0) {
    steps.push({ key: 'submitted', line: `submitted as ${view.invalidationIds.join(', ')}` });
  }
  const end = endLine(view);
  if (end !== undefined) steps.push({ key: 'end', line: end });
  return steps;
}

function decisionLine(decision: NonNullable<RequestView['decision']>): string {
  const who = decision.by === 'policy' ? 'policy (no approval needed)' : (decision.byName ?? decision.by);
  const reason = decision.reason === undefined ? '' : `: ${decision.reason}`;
  return `${decision.outcome} by ${who}${reason}`;
}

/** The line saying how a request ended; undefined while it goes on (or when its decision line says it). */
export function endLine(view: RequestView): string | undefined {
  const status = view.status;
  switch (status) {
    case 'new':
    case 'pending_approval':
    case 'approved':
    case 'queued':
    case 'in_progress':
      return undefined;
    case 'completed': {
      const from = view.submittedAt ?? view.createdAt;
      const took = view.completedAt === undefined ? '' : ` in ${duration(from, view.completedAt)}`;
      return `completed${took}`;
    }
    case 'denied':
      // The decision line ("denied by …: reason") already says it.
      return view.decision === undefined ? 'denied' : undefined;
    case 'failed':
      return `failed${failureText(view)}`;
    case 'undeliverable':
      return `undeliverable${failureText(view)}`;
    case 'expired':
      return 'expired: nobody decided in time';
    case 'cancelled':
      return view.cancelledBy === undefined ? 'cancelled' : `cancelled by ${view.cancelledBy}`;
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

function failureText(view: RequestView): string {
  return view.failure === undefined ? '' : `: ${view.failure.message} (${view.failure.code})`;
}

/** The exit code of an ended request; undefined while it goes on. */
export function exitCodeOf(status: RequestStatus): ExitCode | undefined {
  switch (status) {
    case 'completed':
      return EXIT.completed;
    case 'denied':
    case 'failed':
    case 'undeliverable':
    case 'expired':
    case 'cancelled':
      return EXIT.ended;
    case 'new':
    case 'pending_approval':
    case 'approved':
    case 'queued':
    case 'in_progress':
      return undefined;
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

/** "14:32 UTC", with the date in front when it is not today's (UTC). */
export function clockTime(iso: string, nowIso: string): string {
  const at = new Date(iso).toISOString();
  const sameDay = at.slice(0, 10) === new Date(nowIso).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${at.slice(0, 10)} `}${at.slice(11, 16)} UTC`;
}

/** "23 s", "4 min 5 s". */
export function duration(fromIso: string, toIso: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (seconds < 120) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** An error answer as lines: the message, then every detail. */
export function errorLines(status: number, error: ApiError | undefined): string[] {
  if (error === undefined) return [`error: HTTP ${status} without an error body`];
  const hint = status === 401 ? ' (check INVALIDATOR_TOKEN)' : '';
  const head = `error: ${error.message} (${error.code}, HTTP ${status})${hint}`;
  const details = (error.details ?? []).map(
    (d) => `  ${d.path === undefined ? '' : `${d.path}: `}${d.message}`,
  );
  return [head, ...details];
}

/* ----------------------------------------------------------------------------------------------------- */
/* Reading answers                                                                                       */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the fields the client relies on; the rest is trusted as the contract says. */
export function isRequestView(value: unknown): value is RequestView {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.status === 'string' &&
    (STATUSES as readonly string[]).includes(value.status) &&
    isRecord(value.distribution) &&
    Array.isArray(value.requiredApprovals) &&
    Array.isArray(value.invalidationIds) &&
    Array.isArray(value.events)
  );
}

function apiErrorOf(body: unknown): ApiError | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message, details } = body.error;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  const entries = Array.isArray(details) ? details.filter(isRecord) : [];
  return {
    code,
    message,
    details: entries.map((d) => ({
      message: String(d.message ?? ''),
      ...(typeof d.path === 'string' ? { path: d.path } : {}),
    })),
  };
}

/* ----------------------------------------------------------------------------------------------------- */
/* Talking to the API                                                                                    */

/** What one HTTP call came to. */
type CallResult =
  | { kind: 'view'; status: number; view: RequestView }
  | { kind: 'refused'; status: number; error: ApiError | undefined }
  | { kind: 'transient'; why: string; retryAfterMs?: number };

/** Everything with side effects, handed in by `main` (and replaceable in a test). */
export interface Io {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
  out: (line: string) => void;
  err: (line: string) => void;
}

interface Api {
  config: ApiConfig;
  io: Io;
}

async function callOnce(api: Api, method: 'POST' | 'GET', path: string, body?: unknown): Promise<CallResult> {
  let response: Response;
  let text: string;
  try {
    response = await api.io.fetch(`${api.config.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${api.config.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(api.config.httpTimeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { kind: 'transient', why: networkReason(error, api.config.httpTimeoutMs) };
  }
  return classify(response, text, api.io.now());
}

function classify(response: Response, text: string, nowMs: number): CallResult {
  const body = parseJson(text);
  const status = response.status;
  if (status === 200 || status === 201) {
    return isRequestView(body)
      ? { kind: 'view', status, view: body }
      : { kind: 'transient', why: `HTTP ${status} with an unreadable request view` };
  }
  if (status === 429 || status >= 500) {
    const wait = retryAfterMs(response.headers.get('retry-after'), nowMs);
    const message = apiErrorOf(body)?.message;
    return {
      kind: 'transient',
      why: `HTTP ${status}${message === undefined ? '' : `: ${message}`}`,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  }
  return { kind: 'refused', status, error: apiErrorOf(body) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return `cannot reach Invalidator${cause === undefined ? '' : ` (${cause})`}`;
}

/**
 * A call retried on 429, 5xx and network errors, at most `RETRY.attempts` times. Safe for the POST only
 * because every try carries the same idempotency key: a try whose answer was lost finds its request.
 */
async function callWithRetries(
  api: Api,
  method: 'POST' | 'GET',
  path: string,
  body?: unknown,
): Promise<
  (Exclude<CallResult, { kind: 'transient' }> & { attempts: number }) | { kind: 'gaveUp'; why: string }
> {
  for (let attempt = 1; ; attempt++) {
    const result = await callOnce(api, method, path, body);
    if (result.kind !== 'transient') return { ...result, attempts: attempt };
    if (attempt >= RETRY.attempts)
      return { kind: 'gaveUp', why: `${result.why}; gave up after ${attempt} tries` };
    if (result.retryAfterMs !== undefined && result.retryAfterMs > RETRY.maxRetryAfterMs) {
      const seconds = Math.ceil(result.retryAfterMs / 1000);
      return { kind: 'gaveUp', why: `${result.why}; the API asks to retry in ${seconds} s` };
    }
    const pause = result.retryAfterMs ?? backoffMs(attempt, api.io.random());
    api.io.err(`${result.why}; retrying in ${(pause / 1000).toFixed(1)} s`);
    await api.io.sleep(pause);
  }
}

/* ----------------------------------------------------------------------------------------------------- */
/* The command                                                                                           */

/** Runs the command line against the API; returns the exit code. */
export async function run(argv: string[], env: Env, io: Io): Promise<ExitCode> {
  const command = parseCommand(argv);
  if (!command.ok) return badInput(io, [...asErrors(command.problems), 'try: invalidator --help']);
  if (command.value.kind === 'help') {
    io.out(USAGE.trimEnd());
    return EXIT.completed;
  }
  const config = parseEnv(env);
  if (!config.ok) return badInput(io, asErrors(config.problems));
  const args = command.value.args;
  const ci = detectCi(env);
  const api: Api = { config: config.value, io };
  const body = {
    distribution: args.alias,
    paths: args.paths,
    idempotencyKey: idempotencyKeyFor(args, ci, `cli-${randomUUID()}`),
    ...(args.reason === undefined ? {} : { reason: args.reason }),
    ...(ci === undefined || Object.keys(ci.context).length === 0 ? {} : { context: ci.context }),
  };
  const created = await callWithRetries(api, 'POST', '/api/v1/requests', body);
  if (created.kind === 'gaveUp') return failed(io, created.why);
  if (created.kind === 'refused') return badInput(io, errorLines(created.status, created.error));
  const progress = args.json ? io.err : io.out;
  // A 200 after a lost answer is this invocation's own request, not an earlier one.
  progress(acceptedLine(created.view, created.status === 200 && created.attempts === 1));
  if (!args.wait) {
    if (args.json) io.out(JSON.stringify(created.view, null, 2));
    return EXIT.completed;
  }
  const deadline = io.now() + args.timeoutMinutes * 60_000;
  const outcome = await follow(api, created.view, deadline, progress);
  if (args.json) io.out(JSON.stringify(outcome.view, null, 2));
  return outcome.exitCode;
}

/**
 * Polls the request until it ends or the deadline passes, printing each new milestone once. Failed polls
 * (5xx, 429, network) are only reported: the request lives on in the bot whatever happens to this client.
 */
async function follow(
  api: Api,
  first: RequestView,
  deadline: number,
  print: (line: string) => void,
): Promise<{ view: RequestView; exitCode: ExitCode }> {
  const printed = new Set<string>();
  let view = first;
  for (let poll = 0; ; poll++) {
    for (const step of milestones(view, new Date(api.io.now()).toISOString())) {
      if (!printed.has(step.key)) print(step.line);
      printed.add(step.key);
    }
    const ended = exitCodeOf(view.status);
    if (ended !== undefined) return { view, exitCode: ended };
    const remaining = deadline - api.io.now();
    if (remaining <= 0) {
      timedOutLines(api.config.baseUrl, view).forEach(api.io.err);
      return { view, exitCode: EXIT.timedOut };
    }
    await api.io.sleep(Math.min(pollDelayMs(poll), remaining));
    const polled = await callOnce(api, 'GET', `/api/v1/requests/${encodeURIComponent(view.id)}`);
    if (polled.kind === 'view') view = polled.view;
    else if (polled.kind === 'transient') {
      api.io.err(`could not check ${view.id} (${polled.why}); still waiting`);
    } else {
      errorLines(polled.status, polled.error).forEach(api.io.err);
      return { view, exitCode: EXIT.badInput };
    }
  }
}

function timedOutLines(baseUrl: string, view: RequestView): string[] {
  return [
    `timed out waiting: ${view.id} is still ${view.status.replace('_', ' ')} and keeps going`,
    `check it: ${view.cardUrl ?? `${baseUrl}/api/v1/requests/${view.id}`}`,
    `  curl -H "Authorization: Bearer $INVALIDATOR_TOKEN" ${baseUrl}/api/v1/requests/${view.id}`,
  ];
}

function badInput(io: Io, lines: string[]): ExitCode {
  lines.forEach(io.err);
  return EXIT.badInput;
}

function asErrors(problems: string[]): string[] {
  return problems.map((problem) => `error: ${problem}`);
}

function failed(io: Io, why: string): ExitCode {
  io.err(`error: ${why}`);
  return EXIT.ended;
}

function emptyAsUnset(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isSet(value: string | undefined): value is string {
  return value !== undefined;
}

function compact(context: { [K in keyof RunContext]: string | undefined }): RunContext {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
}

/** Every line leaves through here, with the token blanked in case an answer ever echoes it. */
function writer(stream: NodeJS.WriteStream, token: string | undefined): (line: string) => void {
  return (line) => {
    stream.write(`${token === undefined || token === '' ? line : line.split(token).join('***')}\n`);
  };
}

/** True when this file is the program being run (also through npm's bin symlink), not an import. */
function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const token = process.env.INVALIDATOR_TOKEN;
  const io: Io = {
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    random: Math.random,
    out: writer(process.stdout, token),
    err: writer(process.stderr, token),
  };
  // exitCode, not exit(): piped output is flushed before the process ends.
  process.exitCode = await run(process.argv.slice(2), process.env, io);
}

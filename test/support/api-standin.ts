import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestStatus, RequestView } from '../../src/cli/invalidator.js';

/**
 * A local stand-in for Invalidator's pipeline API (`/api/v1/requests`), speaking the contract the bot
 * implements: bearer tokens, the 201/200 idempotency rule, 400/401/403/404/409/413 error bodies with
 * details, and requests whose status moves on over time along a scripted lifecycle. Faults (429 with
 * Retry-After, 5xx, slow answers) are injected per call, before or after the call takes effect, so a
 * test can lose the answer of a POST that did create its request.
 */

/** One step of a request's life, `afterMs` after its creation. The stand-in fills in the derived fields. */
export type LifecycleStep =
  | { afterMs: number; status: 'pending_approval' }
  | { afterMs: number; status: 'approved'; by: string; byName?: string }
  | { afterMs: number; status: 'denied'; by: string; byName?: string; reason?: string }
  | { afterMs: number; status: 'queued' }
  | { afterMs: number; status: 'in_progress' }
  | { afterMs: number; status: 'completed' }
  | { afterMs: number; status: 'failed' | 'undeliverable'; code: string; message: string }
  | { afterMs: number; status: 'expired' };

export interface Fault {
  /** which calls it applies to; default any */
  method?: 'POST' | 'GET' | 'DELETE';
  /** answer with this status and an error body instead of the real answer */
  status?: number;
  /** with status 429: the Retry-After header, in seconds */
  retryAfter?: number;
  /** the error message of that answer; default "injected <status>" */
  message?: string;
  /** hold the answer this long */
  delayMs?: number;
  /** let the call take effect first, then answer with the fault (a lost answer) */
  afterEffect?: boolean;
}

export interface ApiCall {
  method: string;
  path: string;
  status: number;
  authorization: string | undefined;
  body?: unknown;
}

export interface ApiStandInOptions {
  /** token → pipeline name */
  tokens: Record<string, string>;
  /** alias → distribution id, the pipelines allowed to use it, who approves, and how its requests go */
  distributions: Record<
    string,
    { id: string; pipelines: string[]; requiredApprovals?: string[]; lifecycle?: LifecycleStep[] }
  >;
  /** largest accepted body in bytes; default 64 KiB */
  maxBodyBytes?: number;
}

export interface ApiStandIn {
  url: string;
  calls: ApiCall[];
  /** requests made, as of now */
  requests(): RequestView[];
  /** the next matching calls get these faults, one each, in order */
  injectFaults(...faults: Fault[]): void;
  close(): Promise<void>;
}

interface Stored {
  view: RequestView;
  created: number;
  pipeline: string;
  idempotencyKey?: string;
  pathsHash: string;
  lifecycle: LifecycleStep[];
  /** steps applied so far */
  applied: number;
}

const PREFIX = '/api/v1/requests';

export async function startApiStandIn(options: ApiStandInOptions): Promise<ApiStandIn> {
  const stored = new Map<string, Stored>();
  const calls: ApiCall[] = [];
  const faults: Fault[] = [];
  let sequence = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call: ApiCall = {
      method: req.method ?? '',
      path: req.url ?? '',
      status: 0,
      authorization: req.headers.authorization,
    };
    calls.push(call);
    const raw = await readBody(req);
    const faultIndex = faults.findIndex((f) => f.method === undefined || f.method === req.method);
    const fault = faultIndex === -1 ? undefined : faults.splice(faultIndex, 1)[0];
    if (fault?.delayMs !== undefined) await new Promise((done) => setTimeout(done, fault.delayMs));
    if (fault?.status !== undefined && !fault.afterEffect) return send(res, call, faultAnswer(fault));
    const answer = route(req, raw, call);
    if (fault?.status !== undefined) return send(res, call, faultAnswer(fault));
    send(res, call, answer);
  }

  function route(req: IncomingMessage, raw: Buffer, call: ApiCall): Answer {
    const url = new URL(req.url ?? '/', 'http://standin');
    const pipeline = pipelineOf(req.headers.authorization);
    if (pipeline === undefined) return error(401, 'unauthorized', 'missing or unknown API token');
    if (url.pathname === PREFIX && req.method === 'POST') {
      if (raw.length > (options.maxBodyBytes ?? 65_536))
        return error(413, 'too_large', 'the body is too large');
      const body = parseJson(raw);
      call.body = body;
      return create(body, pipeline);
    }
    const match = /^\/api\/v1\/requests\/([^/]+)$/.exec(url.pathname);
    const request = match?.[1] === undefined ? undefined : stored.get(decodeURIComponent(match[1]));
    if (match === null || (req.method !== 'GET' && req.method !== 'DELETE')) {
      return error(404, 'not_found', 'no such route');
    }
    if (request === undefined || request.pipeline !== pipeline) {
      return error(404, 'unknown_request', 'no such request');
    }
    advance(request);
    if (req.method === 'GET') return { status: 200, body: request.view };
    if (!['new', 'pending_approval'].includes(request.view.status)) {
      return error(409, 'conflict', `the request is ${request.view.status}, no longer pending`);
    }
    request.view.status = 'cancelled';
    request.view.cancelledBy = `pipeline:${pipeline}`;
    request.lifecycle = [];
    return { status: 200, body: request.view };
  }

  function pipelineOf(header: string | undefined): string | undefined {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    return token === undefined ? undefined : options.tokens[token];
  }

  function create(body: unknown, pipeline: string): Answer {
    const problems = validate(body);
    if (problems.length > 0 || !isCreateBody(body)) {
      return error(400, 'invalid_request', 'the request is not valid', problems);
    }
    const distribution = options.distributions[body.distribution];
    if (distribution === undefined) {
      return error(400, 'invalid_request', 'the request is not valid', [
        { path: 'distribution', message: `unknown distribution "${body.distribution}"` },
      ]);
    }
    if (!distribution.pipelines.includes(pipeline)) {
      return error(403, 'forbidden', `pipeline ${pipeline} may not invalidate ${body.distribution}`);
    }
    const pathsHash = createHash('sha256')
      .update(JSON.stringify([body.distribution, ...body.paths]))
      .digest('hex');
    const previous = [...stored.values()].find(
      (s) =>
        s.pipeline === pipeline &&
        body.idempotencyKey !== undefined &&
        s.idempotencyKey === body.idempotencyKey,
    );
    if (previous !== undefined) {
      if (previous.pathsHash !== pathsHash) {
        return error(409, 'idempotency_conflict', 'this idempotency key was used for other paths');
      }
      advance(previous);
      return { status: 200, body: previous.view };
    }
    const now = Date.now();
    sequence += 1;
    const id = `INV-${String(sequence).padStart(10, '0')}`;
    const requiredApprovals = distribution.requiredApprovals ?? [];
    const view: RequestView = {
      id,
      status: 'new',
      distribution: { alias: body.distribution, id: distribution.id },
      paths: body.paths.length,
      requester: `pipeline:${pipeline}`,
      createdAt: new Date(now).toISOString(),
      requiredApprovals,
      approvers: requiredApprovals.length > 0 ? '@web-leads' : 'nobody (no approval needed)',
      ...(requiredApprovals.length > 0 ? { expiresAt: new Date(now + 3_600_000).toISOString() } : {}),
      invalidationIds: [],
      cardUrl: `https://example.slack.com/archives/C0CARDS/p${now}`,
      events: [
        { at: new Date(now).toISOString(), type: 'requested', actor: pipeline, text: `${pipeline} asked.` },
      ],
    };
    const entry: Stored = {
      view,
      created: now,
      pipeline,
      pathsHash,
      lifecycle: distribution.lifecycle ?? DEFAULT_LIFECYCLE,
      applied: 0,
      ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
    };
    stored.set(id, entry);
    advance(entry);
    return { status: 201, body: view };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: { code: 'standin_bug', message: String(cause) } }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    requests: () =>
      [...stored.values()].map((s) => {
        advance(s);
        return s.view;
      }),
    injectFaults: (...more) => faults.push(...more),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Auto-approved by policy, submitted at once, completed after 300 ms. */
const DEFAULT_LIFECYCLE: LifecycleStep[] = [
  { afterMs: 0, status: 'approved', by: 'policy' },
  { afterMs: 0, status: 'in_progress' },
  { afterMs: 300, status: 'completed' },
];

/** Applies the lifecycle steps that are due, as of now. */
function advance(entry: Stored): void {
  const elapsed = Date.now() - entry.created;
  while (entry.applied < entry.lifecycle.length) {
    const step = entry.lifecycle[entry.applied];
    if (step === undefined || step.afterMs > elapsed) return;
    apply(entry.view, step, new Date(entry.created + step.afterMs).toISOString());
    entry.applied += 1;
  }
}

function apply(view: RequestView, step: LifecycleStep, at: string): void {
  view.status = step.status;
  const status: RequestStatus = step.status;
  switch (step.status) {
    case 'pending_approval':
      view.events.push({ at, type: 'card_posted', text: `Waiting for approval by ${view.approvers}.` });
      return;
    case 'approved':
    case 'denied': {
      const { by, byName } = step;
      const reason = step.status === 'denied' ? step.reason : undefined;
      view.decision = {
        outcome: step.status,
        by,
        at,
        ...(byName === undefined ? {} : { byName }),
        ...(reason === undefined ? {} : { reason }),
      };
      view.events.push({ at, type: step.status, actor: by, text: `${status} by ${byName ?? by}.` });
      return;
    }
    case 'queued':
      view.events.push({ at, type: 'queued', text: 'Queued.' });
      return;
    case 'in_progress':
      view.invalidationIds = [`I2J0${view.id.slice(-6)}EXAMPLE`];
      view.submittedAt = at;
      view.events.push({ at, type: 'submitted', text: `Submitted as ${view.invalidationIds[0]}.` });
      return;
    case 'completed':
      view.completedAt = at;
      view.events.push({ at, type: 'completed', text: 'Completed.' });
      return;
    case 'failed':
    case 'undeliverable':
      view.failure = { code: step.code, message: step.message };
      view.events.push({ at, type: step.status, text: step.message });
      return;
    case 'expired':
      view.events.push({ at, type: 'expired', text: 'Expired.' });
      return;
    default: {
      const unreachable: never = step;
      throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
    }
  }
}

interface CreateBody {
  distribution: string;
  paths: string[];
  reason?: string;
  idempotencyKey?: string;
  context?: { url?: string; commit?: string; pipeline?: string };
}

function isCreateBody(body: unknown): body is CreateBody {
  return validate(body).length === 0;
}

type Detail = { path?: string; message: string };

/** The contract's input rules, every problem listed. */
function validate(body: unknown): Detail[] {
  if (typeof body !== 'object' || body === null) return [{ message: 'the body must be a JSON object' }];
  const fields = body as Record<string, unknown>;
  const problems: Detail[] = [];
  if (typeof fields.distribution !== 'string' || fields.distribution === '') {
    problems.push({ path: 'distribution', message: 'required' });
  }
  if (!Array.isArray(fields.paths) || fields.paths.length === 0) {
    problems.push({ path: 'paths', message: 'at least one path' });
  } else {
    fields.paths.forEach((path: unknown, i) => {
      if (typeof path !== 'string' || !path.startsWith('/')) {
        problems.push({ path: `paths[${i}]`, message: `${JSON.stringify(path)} must start with /` });
      } else if (path.indexOf('*') !== -1 && path.indexOf('*') !== path.length - 1) {
        problems.push({ path: `paths[${i}]`, message: `${path}: * may only come last` });
      }
    });
  }
  if (fields.reason !== undefined && typeof fields.reason !== 'string') {
    problems.push({ path: 'reason', message: 'must be text' });
  }
  const key = fields.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
    problems.push({ path: 'idempotencyKey', message: '1 to 200 characters' });
  }
  if (fields.context !== undefined && (typeof fields.context !== 'object' || fields.context === null)) {
    problems.push({ path: 'context', message: 'must be an object' });
  }
  return problems;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function error(status: number, code: string, message: string, details?: Detail[]): Answer {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
}

function faultAnswer(fault: Fault): Answer {
  const status = fault.status ?? 500;
  const code = status === 429 ? 'rate_limited' : status < 500 ? 'invalid_request' : 'internal';
  const answer = error(status, code, fault.message ?? `injected ${status}`);
  return fault.retryAfter === undefined
    ? answer
    : { ...answer, headers: { 'retry-after': String(fault.retryAfter) } };
}

function send(res: ServerResponse, call: ApiCall, answer: Answer): void {
  call.status = answer.status;
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

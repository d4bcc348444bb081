import { Agent, request as httpRequest } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { CHANNEL, sign, TEAM } from '../../src/standins/slack-requests.js';
import { USERS } from '../../test/support/stack.js';

/** One autocannon run against one target. Latencies are autocannon's own, kept unrounded. */
export interface LoadFigures {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** responses per second over the run */
  requestsPerSecond: number;
  /** commands sent, including those still unanswered when the run stopped */
  sent: number;
  responses: number;
  non2xx: number;
  /** connection errors and timeouts */
  errors: number;
  /** p99 event-loop delay of this (load-generating) process: a busy generator would inflate latencies */
  generatorLoopDelayP99Ms: number;
}

let sequence = 0;

/** A `/invalidate docs /bench/<n>.html` command, form-encoded exactly as Slack sends it, every path new. */
function commandBody(slackUrl: string): string {
  sequence += 1;
  const id = `bench-${process.pid}-${sequence}`;
  return new URLSearchParams({
    token: 'verification-token-unused',
    team_id: TEAM,
    team_domain: 'test',
    channel_id: CHANNEL,
    channel_name: 'deploys',
    user_id: USERS.requester,
    user_name: 'requester',
    command: '/invalidate',
    text: `docs /bench/${sequence}.html`,
    api_app_id: 'A0TEST',
    is_enterprise_install: 'false',
    response_url: `${slackUrl}/response/${id}`,
    trigger_id: `trigger-${id}`,
  }).toString();
}

interface LoadOptions {
  url: string;
  secret: string;
  slackUrl: string;
  connections: number;
  durationS: number;
  /** commands per second, evenly spaced; without it, closed loop at full speed */
  rate?: number;
}

/**
 * Drives `connections` keep-alive connections for `durationS` seconds: closed loop at full speed with
 * autocannon, or at `rate` commands per second, evenly spaced, with `paced`. Every request is signed when it
 * is sent (Slack signatures carry a timestamp), so every one of them passes verification.
 */
export function measure(options: LoadOptions): Promise<LoadFigures> {
  return options.rate === undefined ? saturate(options) : paced({ ...options, rate: options.rate });
}

async function saturate(options: LoadOptions): Promise<LoadFigures> {
  const latencies: number[] = [];
  let non2xx = 0;
  let sent = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const instance = autocannon({
    url: `${options.url}/slack/events`,
    connections: options.connections,
    duration: options.durationS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          sent += 1;
          const body = commandBody(options.slackUrl);
          return { ...request, body, headers: { ...request.headers, ...sign(options.secret, body) } };
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    if (status < 200 || status > 299) non2xx += 1;
  });
  loopDelay.enable();
  const result = await instance;
  loopDelay.disable();
  const counts = { sent, non2xx, errors: result.errors };
  return summarise(latencies, counts, result.duration, loopDelay.percentile(99) / 1e6);
}

/** An answer that has not come within this long counts as an error (Slack itself gives up after 3 s). */
const PACED_TIMEOUT_MS = 10_000;

/**
 * Open loop: command k is due at start + k/rate seconds and sent then, over at most `connections` keep-alive
 * sockets (a command finding them all busy waits for one). Its latency runs from when it was due, not from
 * when a socket took it, so a slow answer that holds up the next command counts against both.
 * (autocannon's own rate limit lets each connection send its share of a second back to back when the second
 * begins, so at 50/s over 20 connections the commands arrive as one burst a second.)
 */
async function paced(options: LoadOptions & { rate: number }): Promise<LoadFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(`${options.url}/slack/events`);
  const latencies: number[] = [];
  const counts = { sent: 0, non2xx: 0, errors: 0 };
  const total = Math.round(options.rate * options.durationS);
  const intervalMs = 1000 / options.rate;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const answers: Array<Promise<void>> = [];
  const send = (dueAt: number) =>
    new Promise<void>((resolve) => {
      counts.sent += 1;
      const body = commandBody(options.slackUrl);
      const request = httpRequest(target, {
        method: 'POST',
        agent,
        headers: { ...sign(options.secret, body), 'content-length': Buffer.byteLength(body) },
        timeout: PACED_TIMEOUT_MS,
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          latencies.push(performance.now() - dueAt);
          if ((response.statusCode ?? 0) < 200 || (response.statusCode ?? 0) > 299) counts.non2xx += 1;
          resolve();
        });
      });
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', () => {
        counts.errors += 1;
        resolve();
      });
      request.end(body);
    });
  loopDelay.enable();
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    const dueAt = start + k * intervalMs;
    const wait = dueAt - performance.now();
    if (wait > 0) await sleep(wait);
    answers.push(send(dueAt));
  }
  await Promise.all(answers);
  loopDelay.disable();
  agent.destroy();
  const durationS = (performance.now() - start) / 1000;
  return summarise(latencies, counts, durationS, loopDelay.percentile(99) / 1e6);
}

function summarise(
  latencies: number[],
  counts: Pick<LoadFigures, 'sent' | 'non2xx' | 'errors'>,
  durationS: number,
  generatorLoopDelayP99Ms: number,
): LoadFigures {
  const sorted = Float64Array.from(latencies).sort();
  // Nearest-rank percentile: the smallest latency that at least q of the responses did not exceed.
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    meanMs: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
    requestsPerSecond: latencies.length / durationS,
    responses: latencies.length,
    ...counts,
    generatorLoopDelayP99Ms,
  };
}

import { monitorEventLoopDelay } from 'node:perf_hooks';
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

/**
 * Drives `connections` keep-alive connections for `durationS` seconds: at full speed, or at `rate` commands
 * per second over all of them. Every request is signed when it is sent (Slack signatures carry a
 * timestamp), so every one of them passes verification.
 */
export async function measure(options: {
  url: string;
  secret: string;
  slackUrl: string;
  connections: number;
  durationS: number;
  rate?: number;
}): Promise<LoadFigures> {
  const latencies: number[] = [];
  let non2xx = 0;
  let sent = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const instance = autocannon({
    url: `${options.url}/slack/events`,
    connections: options.connections,
    duration: options.durationS,
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
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

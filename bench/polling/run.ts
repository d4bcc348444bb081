// `npm run bench:polling`: CloudFront calls and notify lag of the bot's per-distribution polling, side by
// side with one CLI-style waiter per invalidation, in one run. Results go to stdout and docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CloudFrontCall, startCloudFrontStandIn } from '../../src/standins/cloudfront-standin.js';
import { REPO_ROOT } from '../../test/support/bot-process.js';
import { startStack } from '../../test/support/stack.js';
import { writeSection } from '../doc-section.js';
import { analyseBotSide, type PlannedRequest, runBotSide } from './bot-side.js';
import { drawDelays, inCreationOrder } from './delays.js';
import { type PollingReport, renderSection, SECTION_TITLE } from './report.js';
import { summarize } from './stats.js';
import { runWaiterSide } from './waiter-side.js';

const DISTRIBUTIONS = 5;
const PER_DISTRIBUTION = 40;
const SEND_CONCURRENCY = 20;
/** Fixed, so runs are comparable; change it to see another draw. */
const DELAYS = { seed: 20_261_130, minMs: 5_000, maxMs: 60_000 } as const;
/** The bot's defaults (src/config.ts); the bench does not set them, it only reports them. */
const DEFAULT_POLLING = { firstCheckSeconds: 5, maxIntervalSeconds: 60 } as const;
/** The AWS SDK's default (standard retry mode), which the bot runs with when AWS_MAX_ATTEMPTS is not set. */
const SDK_DEFAULT_MAX_ATTEMPTS = 3;
/** Give up waiting this long after the first command (longest delay + a minute + margin). */
const DEADLINE_MS = 150_000;
/** After the last completion: time for any late or duplicate reply or poll to show up in the counts. */
const GRACE_MS = 5_000;

function plan(): PlannedRequest[] {
  return Array.from({ length: DISTRIBUTIONS * PER_DISTRIBUTION }, (_, index) => {
    const d = (index % DISTRIBUTIONS) + 1;
    return {
      n: index + 1,
      alias: `poll${d}`,
      distributionId: `EPOLL${String(d).padStart(8, '0')}`,
      path: `/bench/${index + 1}.html`,
    };
  });
}

/** Five distributions that never need approval; nothing else set, so polling runs on its defaults. */
function config(): Record<string, unknown> {
  const distributions: Record<string, unknown> = {};
  for (let d = 1; d <= DISTRIBUTIONS; d++) {
    distributions[`poll${d}`] = { id: `EPOLL${String(d).padStart(8, '0')}`, approval: 'never' };
  }
  // Reconciliation (on by default) lists invalidations too; the bench measures polling alone.
  return { distributions, reconciliation: { enabled: false } };
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

function packageVersion(path: string): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', path, 'package.json'), 'utf8'));
  return String(manifest.version);
}

async function bench(cleanup: Array<() => Promise<void>>): Promise<PollingReport> {
  const requests = plan();
  const delays = drawDelays({ ...DELAYS, count: requests.length });
  const botDelays = inCreationOrder(delays);
  const waiterDelays = inCreationOrder(delays);
  const loadBefore = loadavg()[0] ?? 0;

  const stack = await startStack({
    config: config(),
    cloudfront: { completeAfterMs: botDelays.next, distributions: requests.map((r) => r.distributionId) },
  });
  cleanup.push(() => stack.close());
  const waiterCloudFront = await startCloudFrontStandIn({ completeAfterMs: waiterDelays.next });
  cleanup.push(() => waiterCloudFront.close());
  // The test stack turns the SDK's retries off (AWS_MAX_ATTEMPTS=1); a deployed bot keeps the SDK default.
  const bot = await stack.startBot({ AWS_MAX_ATTEMPTS: String(SDK_DEFAULT_MAX_ATTEMPTS) });
  cleanup.push(async () => {
    // A graceful stop, but never a hanging bench: stack.close() then kills whatever is left.
    await Promise.race([bot.stop('SIGTERM'), sleep(10_000)]);
  });
  const abort = new AbortController();
  // Every waiter listens on it while it sleeps.
  setMaxListeners(requests.length + 10, abort.signal);
  cleanup.push(async () => abort.abort());

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  process.stderr.write(
    `bench:polling: ${requests.length} requests to the bot and ${requests.length} CLI-style waiters, delays ${DELAYS.minMs / 1000}–${DELAYS.maxMs / 1000} s…\n`,
  );
  const started = Date.now();
  const deadline = started + DEADLINE_MS;
  const cutOff = setTimeout(() => abort.abort(), DEADLINE_MS);
  const [sent, waiter] = await Promise.all([
    runBotSide(stack, bot, requests, { concurrency: SEND_CONCURRENCY, deadline }),
    runWaiterSide(waiterCloudFront, requests, { concurrency: SEND_CONCURRENCY, signal: abort.signal }),
  ]).finally(() => clearTimeout(cutOff));
  process.stderr.write(`both sides done after ${((Date.now() - started) / 1000).toFixed(1)} s; grace…\n`);
  await sleep(GRACE_MS);
  loop.disable();
  const botResult = analyseBotSide(stack, bot, requests, sent);
  const measuredMs = Date.now() - started;
  const createdSpan = (calls: readonly CloudFrontCall[]): [number, number] => {
    const at = calls.filter((call) => call.operation === 'create').map((call) => call.at - started);
    return at.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...at), Math.max(...at)];
  };

  return {
    command: 'npm run bench:polling',
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    build: {
      commit: git('rev-parse', '--short', 'HEAD'),
      srcChanged: git('status', '--porcelain', '--', 'src') !== '',
    },
    machine: {
      cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
      node: process.version,
      loadBefore,
      loadAfter: loadavg()[0] ?? 0,
    },
    delays: { ...DELAYS, count: delays.length, drawn: summarize(delays) },
    plan: {
      distributions: DISTRIBUTIONS,
      perDistribution: PER_DISTRIBUTION,
      sendConcurrency: SEND_CONCURRENCY,
    },
    polling: { ...DEFAULT_POLLING, awsMaxAttempts: SDK_DEFAULT_MAX_ATTEMPTS },
    sdkWaiter: {
      clientVersion: packageVersion('@aws-sdk/client-cloudfront'),
      smithyCoreVersion: packageVersion('@smithy/core'),
    },
    bot: botResult,
    waiter,
    measuredMs,
    timeline: {
      botCreatesMs: createdSpan(stack.cloudfront.calls),
      waiterCreatesMs: createdSpan(waiterCloudFront.calls),
      lastBotReplyMs: botResult.lastReplyAt - started,
      lastWaiterSeenMs: waiter.lastSeenAt - started,
    },
    eventLoop: { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 },
  };
}

async function main(): Promise<void> {
  // The SDK's Node-version notice is noise here (docs: AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop().catch(() => {});
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().then(() => process.exit(130)));
  }
  try {
    const report = await bench(cleanup);
    const section = renderSection(report);
    process.stdout.write(`\n${section}`);
    writeSection(join(REPO_ROOT, 'docs/benchmarks.md'), SECTION_TITLE, section);
    process.stderr.write('written to docs/benchmarks.md\n');
  } finally {
    await stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// `npm run bench:ack`: /invalidate acknowledgement latency and idle memory of the built bot, side by side
// with a bare Bolt app, in one run. Results go to stdout and to docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, REPO_ROOT, SERVER_ENTRYPOINT } from '../../test/support/bot-process.js';
import { writeSection } from '../doc-section.js';
import { type Backends, startBackends } from './backends-process.js';
import { cores, cpuMs, otherCpuMs, statusKb, waitForQuiet } from './cpu.js';
import { interpret } from './interpret.js';
import { measure } from './load.js';
import { type ServerProcess, spawnServer } from './processes.js';
import {
  type BenchReport,
  type Measurement,
  type Mode,
  renderSection,
  SECTION_TITLE,
  type Target,
} from './report.js';

const CONNECTIONS = 20;
const WARMUP_S = 2;
const ROUNDS = 2;
const IDLE_BEFORE_RSS_MS = 3_000;
/** Idle RSS differs by several MB from one start to the next, so each app is started this many times. */
const RSS_STARTS = 3;
const DEFAULT_DURATION_S = 15;
/** The paced runs' offered load: well under either app's capacity here, far above any Slack workspace's. */
const DEFAULT_RATE = 50;
const DRAIN_TIMEOUT_MS = 60_000;

interface Served extends ServerProcess {
  target: Target;
  url: string;
}

interface Context {
  backends: Backends;
  durationS: number;
  rate: number;
}

/** `--name 30`, `--name=30` or the environment variable; `fallback` when none is given. */
function numberOption(argv: string[], name: string, fromEnv: string | undefined, fallback: number): number {
  const flag = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  const text = flag === -1 ? fromEnv : (argv[flag]?.split('=')[1] ?? argv[flag + 1]);
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 1) throw new Error(`--${name} must be a number ≥ 1, got ${text}`);
  return value;
}

/**
 * BENCH_CPU_PROF=<dir>: the bot writes a CPU profile of its run there when it stops (for Chrome's DevTools or
 * speedscope), to see what the acknowledgements wait behind. Node takes the flag only on its command line.
 */
function profiling(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** The bot exactly as `npm start` runs it, or the bare app, both configured only by environment. */
async function startTarget(target: Target, backends: Backends, tableName?: string): Promise<Served> {
  const port = await freePort();
  const { cwd } = backends.ready;
  const env = tableName ? { ...backends.ready.env, TABLE_NAME: tableName } : backends.ready.env;
  const server = await spawnServer({
    name: target,
    args:
      target === 'bot' ? [...profiling(), SERVER_ENTRYPOINT] : [join(REPO_ROOT, 'bench/ack/bare-bolt.mjs')],
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    ready: target === 'bot' ? /Invalidator is ready/ : /bare-bolt ready/,
  });
  return { ...server, target, url: `http://127.0.0.1:${port}` };
}

/** Best effort: this machine may be shared, so wait (up to a minute) until other processes are quiet. */
function quietMachine(ownPids: number[]) {
  return waitForQuiet(() => otherCpuMs(ownPids), {
    windowMs: 1_000,
    quietWindows: 2,
    maxCores: 0.25,
    timeoutMs: 60_000,
  });
}

/**
 * After the load, the target's processes work off what they accepted; the bench waits for that (they must
 * stay under 0.05 cores for 6 s: the bot's first CloudFront check comes 5 s after a submission), but no longer
 * than DRAIN_TIMEOUT_MS.
 */
function drain(ownPids: number[]) {
  const ownCpuMs = () => ownPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  return waitForQuiet(ownCpuMs, {
    windowMs: 500,
    quietWindows: 12,
    maxCores: 0.05,
    timeoutMs: DRAIN_TIMEOUT_MS,
  });
}

async function measureTarget(
  round: number,
  mode: Mode,
  server: Served,
  context: Context,
): Promise<Measurement> {
  const { backends, durationS } = context;
  const rate = mode === 'paced' ? { rate: context.rate } : {};
  const ownPids = [process.pid, backends.pid, server.pid];
  const quiet = await quietMachine(ownPids);
  const before = { counts: await backends.counts(), problems: new Map(server.problems) };
  const load = { url: server.url, secret: backends.ready.secret, slackUrl: backends.ready.slackUrl };
  const warmup = await measure({ ...load, connections: CONNECTIONS, durationS: WARMUP_S, ...rate });
  const started = { at: Date.now(), target: cpuMs(server.pid), other: otherCpuMs(ownPids) };
  const figures = await measure({ ...load, connections: CONNECTIONS, durationS, ...rate });
  const wallMs = Date.now() - started.at;
  const targetCores = cores(started.target, cpuMs(server.pid), wallMs);
  const otherCores = cores(started.other, otherCpuMs(ownPids), wallMs);
  const drained = await drain(ownPids);
  const after = await backends.counts();
  // Both apps use one Slack stand-in: the bare app's posts are told apart by their text.
  const calls = (counts: typeof after) =>
    server.target === 'bare'
      ? counts.bareMessages
      : Object.values(counts.slackCalls).reduce((a, b) => a + b, 0) - counts.bareMessages;
  return {
    round,
    target: server.target,
    mode,
    figures,
    sent: warmup.sent + figures.sent,
    acked: warmup.responses - warmup.non2xx + figures.responses - figures.non2xx,
    busyAfterMs: drained.busyMs,
    settled: drained.quiet,
    peakRssKb: statusKb(server.pid, 'VmHWM'),
    slackCalls: calls(after) - calls(before.counts),
    invalidationsCreated: after.invalidationsCreated - before.counts.invalidationsCreated,
    responseUrlPosts: after.responseUrlPosts - before.counts.responseUrlPosts,
    problems: countsSince(before.problems, server.problems),
    conditions: { quietBefore: quiet.quiet, targetCores, otherCores },
  };
}

function countsSince(before: Map<string, number>, now: Map<string, number>): Record<string, number> {
  const since: Record<string, number> = {};
  for (const [kind, count] of now) {
    const added = count - (before.get(kind) ?? 0);
    if (added > 0) since[kind] = added;
  }
  return since;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

function machine(): BenchReport['machine'] {
  return {
    cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
  };
}

/** Idle RSS differs by several MB from one start to the next: both apps are started RSS_STARTS times. */
async function idleRss(backends: Backends, cleanup: Array<() => Promise<void>>) {
  const idleRssKb: Record<Target, number[]> = { bot: [], bare: [] };
  for (let start = 1; start <= RSS_STARTS; start++) {
    const bot = await startTarget('bot', backends);
    cleanup.push(bot.stop);
    const bare = await startTarget('bare', backends);
    cleanup.push(bare.stop);
    await sleep(IDLE_BEFORE_RSS_MS);
    idleRssKb.bot.push(statusKb(bot.pid, 'VmRSS'));
    idleRssKb.bare.push(statusKb(bare.pid, 'VmRSS'));
    await Promise.all([bot.stop(), bare.stop()]);
  }
  return idleRssKb;
}

/** Each run gets a fresh process (the bot a fresh table too), so no run inherits another's backlog or data. */
async function run(
  round: number,
  mode: Mode,
  target: Target,
  context: Context,
  cleanup: Array<() => Promise<void>>,
) {
  const table = `${context.backends.ready.env.TABLE_NAME}-${target}-${mode}-${round}`;
  const server = await startTarget(target, context.backends, target === 'bot' ? table : undefined);
  cleanup.push(server.stop);
  try {
    return await measureTarget(round, mode, server, context);
  } finally {
    await server.stop();
  }
}

async function bench(
  durationSeconds: number,
  rate: number,
  cleanup: Array<() => Promise<void>>,
): Promise<BenchReport> {
  // `npm run bench:ack` has just built dist/ from this tree: say which one, before anyone changes it.
  const build = {
    commit: git('rev-parse', '--short', 'HEAD'),
    srcChanged: git('status', '--porcelain', '--', 'src') !== '',
  };
  const backends = await startBackends();
  cleanup.push(backends.stop);
  const idleRssKb = await idleRss(backends, cleanup);
  const context: Context = { backends, durationS: durationSeconds, rate };
  const measurements: Measurement[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of ['paced', 'saturation'] as const) {
      // Alternating targets spreads drift (other load on the machine, a warmer disk cache) over both.
      for (const target of ['bot', 'bare'] as const) {
        process.stderr.write(`round ${round}, ${mode}: ${target}…\n`);
        measurements.push(await run(round, mode, target, context, cleanup));
      }
    }
  }
  return {
    command: 'npm run bench:ack',
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    build,
    machine: machine(),
    connections: CONNECTIONS,
    durationS: durationSeconds,
    pacedRate: rate,
    warmupS: WARMUP_S,
    drainTimeoutS: DRAIN_TIMEOUT_MS / 1000,
    idleRssKb,
    measurements,
  };
}

/** `--rss-only`: the idle-memory half alone, printed and not written to the docs (a quick check). */
async function rssOnly(cleanup: Array<() => Promise<void>>): Promise<void> {
  const backends = await startBackends();
  cleanup.push(backends.stop);
  const idle = await idleRss(backends, cleanup);
  const mb = (kb: number[]) => kb.map((k) => (k / 1024).toFixed(1)).join(', ');
  const median = (kb: number[]) => [...kb].sort((x, y) => x - y)[Math.floor(kb.length / 2)] ?? Number.NaN;
  process.stdout.write(
    `idle RSS MB: bot ${mb(idle.bot)}; bare ${mb(idle.bare)}; ratio of medians ${(median(idle.bot) / median(idle.bare)).toFixed(3)}\n`,
  );
}

/** `--paced-only`: one paced run of each app, printed and not written to the docs (a quick check). */
async function pacedOnly(
  durationS: number,
  rate: number,
  cleanup: Array<() => Promise<void>>,
): Promise<void> {
  const backends = await startBackends();
  cleanup.push(backends.stop);
  const context: Context = { backends, durationS, rate };
  for (const target of ['bot', 'bare'] as const) {
    const measured = await run(1, 'paced', target, context, cleanup);
    const ms = (value: number) => value.toFixed(1);
    const f = measured.figures;
    process.stdout.write(
      `${target}: p50 ${ms(f.p50Ms)} ms, p90 ${ms(f.p90Ms)} ms, p99 ${ms(f.p99Ms)} ms, max ${ms(f.maxMs)} ms (${f.responses} answers)\n`,
    );
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seconds = numberOption(argv, 'duration', process.env.BENCH_DURATION, DEFAULT_DURATION_S);
  const rate = numberOption(argv, 'rate', process.env.BENCH_RATE, DEFAULT_RATE);
  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop().catch(() => {});
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().then(() => process.exit(130)));
  }
  if (process.argv.includes('--paced-only')) {
    await pacedOnly(seconds, rate, cleanup).finally(stopAll);
    return;
  }
  if (process.argv.includes('--rss-only')) {
    await rssOnly(cleanup).finally(stopAll);
    return;
  }
  try {
    const report = await bench(seconds, rate, cleanup);
    // The raw figures, for a closer look than the markdown gives.
    if (process.env.BENCH_REPORT_JSON) writeFileSync(process.env.BENCH_REPORT_JSON, JSON.stringify(report));
    const section = renderSection(report, interpret(report));
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

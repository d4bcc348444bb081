import type { LoadFigures } from './load.js';

export type Target = 'bot' | 'bare';
/** closed loop at full speed (throughput), or paced at the same offered rate for both apps (latency) */
export type Mode = 'saturation' | 'paced';

/** One measured run of one target, and what its process did with the requests by the time it was idle. */
export interface Measurement {
  round: number;
  target: Target;
  mode: Mode;
  figures: LoadFigures;
  /** commands sent, warm-up included (the last few of each saturation run are never answered) */
  sent: number;
  /** 2xx answers, warm-up included */
  acked: number;
  /** how long the target (and the stand-ins) stayed busy after the load stopped */
  busyAfterMs: number;
  /** false when it was still busy at the drain timeout and was stopped with work left */
  settled: boolean;
  /** peak resident memory of the target's process over the run (VmHWM) */
  peakRssKb: number;
  slackCalls: number;
  invalidationsCreated: number;
  responseUrlPosts: number;
  /** warning and error lines the target logged during the run and until it was idle, by kind */
  problems: Record<string, number>;
  conditions: {
    /** whether other processes on the machine were quiet before the run (waited for up to a minute) */
    quietBefore: boolean;
    /** CPU the target used during the measured run, in cores */
    targetCores: number;
    /** CPU used by processes the bench did not start, during the measured run, in cores */
    otherCores: number;
  };
}

export interface BenchReport {
  command: string;
  date: string;
  /** the commit the bot was built from, and whether src/ differed from it */
  build: { commit: string; srcChanged: boolean };
  machine: { cpus: number; cpuModel: string; node: string };
  connections: number;
  durationS: number;
  /** commands per second over all connections in the paced runs */
  pacedRate: number;
  warmupS: number;
  /** how long the bench waits, after the load, for a target to finish what it accepted */
  drainTimeoutS: number;
  /** resident 3 s after start-up, one value per start */
  idleRssKb: Record<Target, number[]>;
  measurements: Measurement[];
}

/** The targets from docs/benchmarks.md's brief: bot p99 ≤ 1.25 × bare p99, bot idle RSS ≤ 1.2 × bare. */
export const TARGETS = { p99Ratio: 1.25, idleRssRatio: 1.2 } as const;

export const SECTION_TITLE = '## Ack latency (bench/ack)';

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const mb = (kb: number) => (kb / 1024).toFixed(1);
/** Two decimals, or three when two would hide which side of `limit` the value is on. */
const ratio = (value: number, limit?: number) => {
  const hidden = limit !== undefined && value !== limit && value.toFixed(2) === limit.toFixed(2);
  return `${value.toFixed(hidden ? 3 : 2)}×`;
};

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** bot / bare idle RSS, from the medians over the starts. */
export function idleRssRatio(report: BenchReport): number {
  return median(report.idleRssKb.bot) / median(report.idleRssKb.bare);
}

const verdict = (value: number, limit: number) => (value <= limit ? 'met' : '**missed**');

const modeName = (m: Measurement, report: BenchReport) =>
  m.mode === 'paced' ? `paced ${report.pacedRate}/s` : 'saturation';

function latencyTable(report: BenchReport): string[] {
  const rows = report.measurements.map((m) =>
    [m.round, modeName(m, report), m.target]
      .concat([ms(m.figures.p50Ms), ms(m.figures.p90Ms), ms(m.figures.p99Ms), ms(m.figures.meanMs)])
      .concat([ms(m.figures.maxMs)])
      .concat([
        m.figures.requestsPerSecond.toFixed(0),
        m.figures.responses,
        m.figures.non2xx,
        m.figures.errors,
      ])
      .join(' | '),
  );
  return [
    '| Round | Load | Target | p50 ms | p90 ms | p99 ms | mean ms | max ms | req/s | responses | non-2xx | errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row} |`),
  ];
}

/** bot p99 / bare p99 for each round that measured both under `mode`. */
export function p99Ratios(measurements: Measurement[], mode: Mode): Array<{ round: number; ratio: number }> {
  const rounds = [...new Set(measurements.map((m) => m.round))];
  return rounds.flatMap((round) => {
    const bot = measurements.find((m) => m.round === round && m.mode === mode && m.target === 'bot');
    const bare = measurements.find((m) => m.round === round && m.mode === mode && m.target === 'bare');
    return bot && bare ? [{ round, ratio: bot.figures.p99Ms / bare.figures.p99Ms }] : [];
  });
}

function checksTable(report: BenchReport): string[] {
  const rss = idleRssRatio(report);
  return [
    '| Check | Measured | Target | Result |',
    '|---|---:|---:|---|',
    ...p99Ratios(report.measurements, 'paced').map(
      ({ round, ratio: r }) =>
        `| p99 ack latency at ${report.pacedRate} commands/s, bot / bare, round ${round} | ${ratio(r, TARGETS.p99Ratio)} | ≤ ${ratio(TARGETS.p99Ratio)} | ${verdict(r, TARGETS.p99Ratio)} |`,
    ),
    ...p99Ratios(report.measurements, 'saturation').map(
      ({ round, ratio: r }) =>
        `| p99 ack latency at saturation, bot / bare, round ${round} (throughput-bound, see below) | ${ratio(r, TARGETS.p99Ratio)} | ≤ ${ratio(TARGETS.p99Ratio)} | ${verdict(r, TARGETS.p99Ratio)} |`,
    ),
    `| idle RSS, bot / bare (medians) | ${ratio(rss, TARGETS.idleRssRatio)} | ≤ ${ratio(TARGETS.idleRssRatio)} | ${verdict(rss, TARGETS.idleRssRatio)} |`,
  ];
}

function conditionsTable(report: BenchReport): string[] {
  const rows = report.measurements.map((m) =>
    [m.round, modeName(m, report), m.target, m.conditions.targetCores.toFixed(2)]
      .concat([m.conditions.otherCores.toFixed(2), m.conditions.quietBefore ? 'yes' : '**no**'])
      .concat([ms(m.figures.generatorLoopDelayP99Ms)])
      .join(' | '),
  );
  return [
    '| Round | Load | Target | target CPU (cores) | other processes CPU (cores) | machine quiet before | load generator loop delay p99 ms |',
    '|---|---|---|---:|---:|---|---:|',
    ...rows.map((row) => `| ${row} |`),
  ];
}

function memoryTable(report: BenchReport): string[] {
  const row = (target: Target, name: string) => {
    const idle = report.idleRssKb[target];
    const starts = idle.map(mb).join(', ');
    const peaks = report.measurements.filter((m) => m.target === target).map((m) => mb(m.peakRssKb));
    return `| ${name} | ${mb(median(idle))} (${starts}) | ${peaks.join(', ')} |`;
  };
  return [
    '| Process | idle RSS MB 3 s after start-up: median (each start) | peak RSS MB under load (VmHWM), by round |',
    '|---|---:|---:|',
    row('bot', 'bot (`node dist/entrypoints/server.js`)'),
    row('bare', 'bare Bolt (`node bench/ack/bare-bolt.mjs`)'),
  ];
}

function problemSummary(problems: Record<string, number>): string {
  const kinds = Object.entries(problems).sort((a, b) => b[1] - a[1]);
  if (kinds.length === 0) return 'no warnings or errors logged';
  const total = kinds.reduce((sum, [, count]) => sum + count, 0);
  const top = kinds.slice(0, 3).map(([kind, count]) => `${count}× \`${kind}\``);
  return `${total} warnings/errors logged (${top.join(', ')}${kinds.length > 3 ? ', …' : ''})`;
}

function workLines(report: BenchReport): string[] {
  return report.measurements.map((m) => {
    const busy = `${(m.busyAfterMs / 1000).toFixed(1)} s`;
    const drained = m.settled
      ? `it was idle again ${busy} after the load stopped`
      : `it was still busy ${busy} after the load stopped and was stopped with work left`;
    const work =
      m.target === 'bot'
        ? `${m.invalidationsCreated} invalidations created, ${m.slackCalls} Slack API calls`
        : `${m.slackCalls} messages posted`;
    const problems = `${problemSummary(m.problems)}, ${m.responseUrlPosts} replies through response_url`;
    return `- round ${m.round}, ${modeName(m, report)}, ${m.target}: ${m.sent} commands sent, ${m.acked} acknowledged (warm-up included); ${work}; ${problems}; ${drained}.`;
  });
}

/** The whole `## Ack latency (bench/ack)` section, interpretation included. */
export function renderSection(report: BenchReport, interpretation: string): string {
  const { machine } = report;
  return [
    SECTION_TITLE,
    '',
    `Command: \`${report.command}\` (duration: \`--duration <s>\` or \`BENCH_DURATION\`; paced rate: \`--rate <n>\` or \`BENCH_RATE\`).`,
    '',
    `Run on ${report.date}; ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}; node ${machine.node}; bot built from ${report.build.commit}${report.build.srcChanged ? ' with uncommitted changes in src/' : ''}.`,
    `Each run starts a fresh process (the bot on a fresh table), waits up to a minute for other processes on the machine to be quiet, sends ${report.warmupS} s of warm-up, then ${report.durationS} s of load over ${report.connections} keep-alive connections, either closed-loop at full speed with autocannon (saturation: each connection sends its next command when the last is answered) or paced for both apps at ${report.pacedRate} commands/s, evenly spaced (\`--rate <n>\`: an open loop that sends command k at k/${report.pacedRate} s over the same ${report.connections} connections and counts its latency from then, so a command waiting for a free connection counts that wait; autocannon's own rate limit is not used because it lets each connection send its share of a second back to back when the second begins, which turns ${report.pacedRate}/s into one burst a second); every request is a freshly signed \`/invalidate docs /bench/<n>.html\` (a new path each time; \`docs\` needs no approval). After the load the bench waits up to ${report.drainTimeoutS} s for the process to finish the work it accepted, then stops it. Targets alternate bot, bare, bot, bare. The Slack and CloudFront stand-ins and dynalite run in a process of their own, apart from the load generator. Idle RSS is read 3 s after start-up, over ${report.idleRssKb.bot.length} separate starts of each app.`,
    '',
    ...latencyTable(report),
    '',
    ...checksTable(report),
    '',
    ...memoryTable(report),
    '',
    'Conditions during each measured run (CPU from /proc; the machine may be shared):',
    '',
    ...conditionsTable(report),
    '',
    'Work behind the acks:',
    '',
    ...workLines(report),
    '',
    interpretation,
    '',
  ].join('\n');
}

// `npm run bench:lambda`: size and cold module-init time of the Lambda bundles against a bare Bolt
// AwsLambdaReceiver handler built the same way. Results go to stdout and to docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { bundleHandler, esbuildOptions, REPO_ROOT } from '../../infra/lib/bundle.js';
import { EXAMPLE_CONFIG } from '../../infra/lib/policy-file.js';
import { writeSection } from '../doc-section.js';
import { coldImport, type InitSample, percentile, type Size, sizeOf } from './measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const TITLE = '## Lambda bundle and cold start (bench/lambda)';
const DOC = join(REPO_ROOT, 'docs/benchmarks.md');

interface Target {
  name: string;
  file: string;
  size: Size;
  samples: InitSample[];
}

function build(): Target[] {
  const dir = mkdtempSync(join(tmpdir(), 'invalidator-bench-lambda-'));
  const config = join(REPO_ROOT, EXAMPLE_CONFIG);
  bundleHandler('slack', join(dir, 'slack'), config);
  bundleHandler('worker', join(dir, 'worker'), config);
  buildSync(esbuildOptions(join(REPO_ROOT, 'bench/lambda/bare-handler.ts'), join(dir, 'bare/index.mjs')));
  return [
    { name: 'Slack handler (src/entrypoints/lambda-slack.ts)', file: join(dir, 'slack/index.mjs') },
    { name: 'worker (src/entrypoints/lambda-worker.ts)', file: join(dir, 'worker/index.mjs') },
    { name: 'bare Bolt AwsLambdaReceiver (bench/lambda/bare-handler.ts)', file: join(dir, 'bare/index.mjs') },
  ].map((target) => ({ ...target, size: sizeOf(target.file), samples: [] }));
}

function machine(): string {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', 'src', 'infra', 'bench/lambda'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  }).trim();
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const load = loadavg()[0]?.toFixed(2);
  return `Run on ${when} UTC; ${cpus().length} CPUs, ${cpus()[0]?.model.trim()}; node ${process.version}; bundles built from ${commit}${dirty ? ' with uncommitted changes' : ''}; load average ${load} when the runs began (the machine may be shared).`;
}

const ms = (value: number) => value.toFixed(1);
const kib = (bytes: number) => (bytes / 1024).toFixed(0);

function render(targets: Target[], header: string): string {
  const [slack, , bare] = targets;
  const median = (target: Target | undefined) => percentile(target?.samples.map((s) => s.importMs) ?? [], 50);
  const rows = targets.map((t) => {
    const times = t.samples.map((s) => s.importMs);
    const rss = percentile(
      t.samples.map((s) => s.rssMb),
      50,
    );
    return `| ${t.name} | ${t.size.bytes} (${kib(t.size.bytes)} KiB) | ${t.size.gzipBytes} (${kib(t.size.gzipBytes)} KiB) | ${ms(percentile(times, 50))} | ${ms(percentile(times, 90))} | ${ms(Math.min(...times))} | ${rss.toFixed(1)} |`;
  });
  return `${TITLE}

Command: \`npm run bench:lambda\` (runs per bundle: \`BENCH_RUNS\`, default 20).

${header}
Each bundle is built by the stack's own esbuild options (infra/lib/bundle.ts: ESM, node22, minified). Each run starts a fresh \`node\` and times only \`await import(bundle)\`, the module-init part of a Lambda cold start; runs alternate between the bundles. This machine runs Node ${process.version.split('.')[0]} on x86_64, Lambda runs Node 22 on arm64 with CPU in proportion to memory, so the absolute figures there differ: compare the rows.

| Bundle | bytes | gzip -9 bytes | import median ms | p90 ms | min ms | RSS after import, median MB |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

The Slack handler bundle is ${(slack && bare ? slack.size.bytes / bare.size.bytes : 0).toFixed(2)}× the bare Bolt bundle in bytes and its import takes ${(median(slack) / median(bare)).toFixed(2)}× as long (medians). Both carry Bolt with its HTTP, OAuth and Socket Mode receivers (Bolt's entry point loads them all, so they cannot be left out); the bot adds the AWS SDK clients for DynamoDB, CloudFront and Secrets Manager (and Lambda, for the wake, in the Slack handler), zod and yaml. Neither handler talks to the network at import: the bot composes on its first invocation (secret, config, \`auth.test\`), which this figure does not include.
`;
}

const targets = build();
for (const target of targets) coldImport(target.file); // one warm-up each: the OS file cache
const header = machine();
for (let run = 0; run < RUNS; run++) {
  for (const target of targets) target.samples.push(coldImport(target.file));
}
const section = render(targets, header);
process.stdout.write(`${section}\n`);
writeSection(DOC, TITLE, section);

// `npm run bench:lambda`: size, cold module-init time and first-request time of the Lambda bundles against a
// bare Bolt AwsLambdaReceiver handler. Results go to stdout and to docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { bundleHandler, esbuildOptions, REPO_ROOT } from '../../infra/lib/bundle.js';
import { EXAMPLE_CONFIG } from '../../infra/lib/policy-file.js';
import { writeSection } from '../doc-section.js';
import { type Delays, type FirstRequestSample, firstRequest, startBackends } from './first-request.js';
import { coldImport, type InitSample, percentile, type Size, sizeOf } from './measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const FIRST_RUNS = Number(process.env.BENCH_FIRST_RUNS ?? 8);
/** The stand-ins' answers: as fast as they can, then after the issue's realistic delays. */
const SETTINGS: Array<{ name: string; delays: Delays }> = [
  { name: 'stand-ins answering at once', delays: { awsMs: 0, slackMs: 0 } },
  { name: 'Secrets Manager, DynamoDB and Lambda 20 ms, Slack 150 ms', delays: { awsMs: 20, slackMs: 150 } },
];
const TITLE = '## Lambda bundle and cold start (bench/lambda)';
const DOC = join(REPO_ROOT, 'docs/benchmarks.md');

interface Target {
  name: string;
  file: string;
  size: Size;
  samples: InitSample[];
  /** per entry of SETTINGS */
  first: FirstRequestSample[][];
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
  ].map((target) => ({ ...target, size: sizeOf(target.file), samples: [], first: SETTINGS.map(() => []) }));
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
  const firstRows = SETTINGS.flatMap((setting, index) =>
    [slack, bare].map((t) => {
      const samples = t?.first[index] ?? [];
      const first = samples.map((s) => s.firstMs);
      const statuses = [...new Set(samples.map((s) => s.status))].join(', ');
      return `| ${setting.name} | ${t?.name} | ${ms(percentile(first, 50))} | ${ms(percentile(first, 90))} | ${ms(Math.min(...first))} | ${ms(
        percentile(
          samples.map((s) => s.importMs),
          50,
        ),
      )} | ${statuses} |`;
    }),
  );
  return `${TITLE}

Command: \`npm run bench:lambda\` (runs per bundle: \`BENCH_RUNS\`, default 20, for the import; \`BENCH_FIRST_RUNS\`, default 8, per setting for the first request).

${header}
The bot's handlers are built by the stack's own bundling (infra/lib/bundle.ts: ESM, node22, minified, with Bolt's server-only packages left out); the bare Bolt handler by the same esbuild options without that, as Bolt's Lambda guide would have it. This machine runs Node ${process.version.split('.')[0]} on x86_64, Lambda runs Node 22 on arm64 with CPU in proportion to memory, so the absolute figures there differ: compare the rows.

### Size and module init

Each run starts a fresh \`node\` and times only \`await import(bundle)\`, the module-init part of a Lambda cold start; runs alternate between the bundles.

| Bundle | bytes | gzip -9 bytes | import median ms | p90 ms | min ms | RSS after import, median MB |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

The Slack handler bundle is ${(slack && bare ? slack.size.bytes / bare.size.bytes : 0).toFixed(2)}× the bare Bolt bundle in bytes and its import takes ${(median(slack) / median(bare)).toFixed(2)}× as long (medians). Bolt's HTTP, Express and Socket Mode receivers load their packages (Express, OAuth, the Socket Mode client with undici, raw-body with iconv-lite); in the bot's bundles those resolve to a stub (infra/lib/bolt-absent.ts), and zod is imported as a namespace so that esbuild drops what is unused. Module init evaluates only what sends the secret's request (the Secrets Manager client, the secret's schema): the config parser, Bolt, the DynamoDB and Lambda clients and the listeners are evaluated at the first request, while the secret is on its way, so part of what the bare bundle does at import the bot does in its first request; the first-request table below counts both. The CloudFront client is in the Slack bundle only for \`/invalidate status\`, and is evaluated only there.

### First request

Each run starts a fresh \`node\`, imports the bundle and hands its handler one signed \`/invalidate docs <path>\` (a Function URL event); the time is from the start of the import to the handler's answer: module init, compose (secret, policy file, clients; for the bare handler Bolt's \`init\`, one \`auth.test\`) and the first acknowledgement. Stand-ins on loopback: dynalite, Secrets Manager and Lambda (each behind a proxy that holds every request for the AWS delay), and Slack (delaying every Web API call itself). The bare handler acknowledges after its one \`chat.postMessage\`, as Bolt on Lambda does (\`processBeforeResponse\`); the bot's handler answers once its listener is done, so its row carries the DynamoDB calls that record the request and the worker's wake (no Slack call: the worker posts the card after the acknowledgement), where the bare one carries \`auth.test\` and one \`chat.postMessage\`. Runs alternate between the bundles.

| Stand-ins | Bundle | first request median ms | p90 ms | min ms | of which import, median ms | HTTP status |
|---|---|---:|---:|---:|---:|---|
${firstRows.join('\n')}
`;
}

const targets = build();
for (const target of targets) coldImport(target.file); // one warm-up each: the OS file cache
const header = machine();
for (let run = 0; run < RUNS; run++) {
  for (const target of targets) target.samples.push(coldImport(target.file));
}
const backends = await startBackends();
try {
  const measured = [targets[0], targets[2]].filter((target) => target !== undefined);
  for (const [index, setting] of SETTINGS.entries()) {
    backends.setDelays(setting.delays);
    for (let run = 0; run < FIRST_RUNS; run++) {
      for (const target of measured) {
        const event = backends.commandEvent(`/bench/${index}-${run}-${target.samples.length}.html`);
        target.first[index]?.push(await firstRequest(target.file, backends.env, event));
      }
    }
  }
} finally {
  await backends.close();
}
const section = render(targets, header);
process.stdout.write(`${section}\n`);
writeSection(DOC, TITLE, section);

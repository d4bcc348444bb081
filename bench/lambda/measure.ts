import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Size {
  bytes: number;
  gzipBytes: number;
}

export function sizeOf(file: string): Size {
  return { bytes: statSync(file).size, gzipBytes: gzipSync(readFileSync(file), { level: 9 }).length };
}

export interface InitSample {
  /** ms from the start of `import()` to the module being evaluated */
  importMs: number;
  /** resident set size after the import, MB */
  rssMb: number;
}

// Run in a fresh `node` each time: nothing cached but what the OS caches. Only the import is timed, which is
// the module-init part of a Lambda cold start (the runtime's own start comes before it, the same for both).
const PROBE = `
const started = performance.now();
await import(process.argv[1]);
const importMs = performance.now() - started;
process.stdout.write(JSON.stringify({ importMs, rssMb: process.memoryUsage().rss / 2 ** 20 }));
`;

export function coldImport(file: string): InitSample {
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', PROBE, pathToFileURL(file).href],
    {
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      encoding: 'utf8',
    },
  );
  return JSON.parse(output) as InitSample;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

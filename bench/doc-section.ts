import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const BENCHMARKS_HEADER =
  '# Benchmarks\n\nMeasured figures, each with the command that produced them. Re-run a command to refresh its section.\n';

/**
 * Replaces the section that starts with `title` (up to the next `## ` heading) in a figures document
 * (docs/benchmarks.md, docs/reliability.md), or appends it; creates the file with `header` if missing.
 * Every bench and every full-size reliability run writes its figures through this.
 */
export function writeSection(file: string, title: string, section: string, header = BENCHMARKS_HEADER): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const start = text.indexOf(title);
  if (start === -1) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + title.length);
  const rest = next === -1 ? '' : `\n${text.slice(next + 1)}`;
  writeFileSync(file, `${text.slice(0, start)}${section}${rest}`);
}

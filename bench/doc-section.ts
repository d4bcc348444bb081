import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const HEADER =
  '# Benchmarks\n\nMeasured figures, each with the command that produced them. Re-run a command to refresh its section.\n';

/**
 * Replaces the section that starts with `title` (up to the next `## ` heading) in the benchmarks file,
 * or appends it; creates the file if missing. Every bench writes its figures through this.
 */
export function writeSection(file: string, title: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const start = text.indexOf(title);
  if (start === -1) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + title.length);
  const rest = next === -1 ? '' : `\n${text.slice(next + 1)}`;
  writeFileSync(file, `${text.slice(0, start)}${section}${rest}`);
}

import { join } from 'node:path';
import { writeSection } from '../../bench/doc-section.js';
import { REPO_ROOT } from '../support/bot-process.js';

/**
 * The reliability suites run twice over: inside `npm test` at a size that keeps it quick, and at full
 * size with `npm run reliability` (RELIABILITY=full), which also writes their figures to
 * docs/reliability.md.
 */
export const FULL = process.env.RELIABILITY === 'full';

/** `quick` inside `npm test`, `full` under `npm run reliability`. */
export function size(quick: number, full: number): number {
  return FULL ? full : quick;
}

export const RELIABILITY_COMMAND = 'npm run reliability';

const DOC = join(REPO_ROOT, 'docs/reliability.md');
const HEADER = `# Reliability and security

What the bot was made to survive, and what it refused, in figures. Every figure comes from the
reliability suites in \`test/reliability/\`: \`npm test\` runs them at a reduced size on every change;
\`${RELIABILITY_COMMAND}\` runs them at full size and rewrites the sections below (one suite alone:
\`RELIABILITY=full npx vitest run test/reliability/<file>\`). Each section names the suite that produced it.
`;

/**
 * Writes one section of docs/reliability.md (starting `## title`) on a full-size run; inside
 * `npm test` it does nothing, so the tree stays clean.
 */
export function reportFigures(title: string, body: string): void {
  if (!FULL) return;
  writeSection(DOC, `## ${title}`, `## ${title}\n\n${body.trim()}\n`, HEADER);
}

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './bot-process.js';

/** vitest globalSetup: end-to-end tests run the built bot, so build it once before any test file. */
export function setup(): void {
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    },
  );
}

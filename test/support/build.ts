import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './bot-process.js';

/** vitest globalSetup: end-to-end tests run the built bot, so build it once before any test file. */
export function setup(): void {
  // The bot, and the playground page's script and assets beside it (package.json's build).
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

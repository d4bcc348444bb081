import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './bot-process.js';

/** The built `npm run audit` (vitest's global set-up builds dist/). */
export const AUDIT_CLI = join(REPO_ROOT, 'dist/entrypoints/audit-cli.js');

export interface AuditRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the audit export as its own process, with only `env` (and PATH). Asynchronous on purpose: dynalite
 * and the stand-ins live in the test's process and must keep answering while it runs.
 */
export function runAuditCli(cwd: string, env: Record<string, string>, args: string[]): Promise<AuditRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AUDIT_CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('bench/ack/ack-first.patch (the experiment docs/benchmarks.md reports)', () => {
  it('still applies to the command listener, so the experiment can be run again', () => {
    const check = () =>
      execFileSync('git', ['apply', '--check', 'bench/ack/ack-first.patch'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    expect(check).not.toThrow();
  });
});

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pipelineForToken, tokenSha256 } from '../../src/adapters/http/pipeline-token.js';
import { parsePolicyFile } from '../../src/config.js';
import { REPO_ROOT } from '../support/bot-process.js';

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
const SCRIPT = join(REPO_ROOT, 'src/entrypoints/token.ts');

/** Runs `npm run token -- …` as npm does (tsx on the entrypoint), asynchronously. */
function token(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [SCRIPT, ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** The token and the YAML block as printed. */
function printed(stdout: string): { token: string; yaml: string } {
  const token = /^ {2}(inv_\S+)$/m.exec(stdout)?.[1] ?? '';
  const yaml = stdout.slice(stdout.indexOf('pipelines:'));
  return { token, yaml };
}

describe('npm run token', () => {
  it('prints a new token once, and the hash of that very token in lines the config accepts', async () => {
    const { code, stdout, stderr } = await token('web-deploy');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const { token: made, yaml } = printed(stdout);
    expect(made).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
    expect(stdout).toContain('INVALIDATOR_TOKEN');
    expect(stdout.split(made)).toHaveLength(2);
    expect(yaml).toContain(`    tokenSha256: ${tokenSha256(made)}\n`);

    // The printed block, with its placeholders filled in, is a pipeline the bot recognises by the token.
    const filled = yaml.replace('<alias>', 'web').replace('<C… channel id>', 'C0123DEPLOY');
    const policy = parsePolicyFile({
      path: 'invalidator.config.yml',
      content: {
        distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0123LEAD'] } } },
        ...parse(filled),
      },
    });
    expect(pipelineForToken(policy.pipelines ?? [], made)?.name).toBe('web-deploy');
  });

  it('makes a different token every time', async () => {
    const [first, second] = await Promise.all([token('a'), token('a')]);
    expect(printed(first.stdout).token).not.toBe(printed(second.stdout).token);
  });

  it.each([
    ['no name', []],
    ['a name with a space', ['web deploy']],
    ['a name over 64 characters', ['p'.repeat(65)]],
    ['two names', ['web', 'docs']],
  ])('refuses %s with exit code 2 and the usage line, printing no token', async (_, args) => {
    const { code, stdout, stderr } = await token(...args);
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run token -- <pipeline name>');
    expect(stdout).toBe('');
  });
});

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, REPO_ROOT } from '../support/bot-process.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig } from '../support/stack.js';

const CLI = join(REPO_ROOT, 'dist/cli/invalidator.js');
const TOKEN = 'inv_budget-e2e-token-0123456789abcdef0123456789';
const CHANNEL = 'CDEPLOY001';
const FIGURES =
  "This would bring docs's month to 3 paths, past its budget of 2 paths. Used so far: 0 of 2 paths. Ask for fewer paths, or ask the platform team to raise `distributions.docs.budget.monthlyPaths`.";

/** A pipeline past a distribution's refusing budget: the API answers 422, the CLI exits 2, both with the figures. */
describe("a pipeline's request past a refusing budget", () => {
  let stack: Stack;
  let bot: BotProcess;

  beforeAll(async () => {
    stack = await startStack({
      config: testConfig({
        distributions: {
          docs: {
            id: DISTRIBUTIONS.docs,
            approval: 'never',
            budget: { monthlyPaths: 2, onExceed: 'refuse' },
          },
        },
        pipelines: {
          'docs-deploy': {
            tokenSha256: createHash('sha256').update(TOKEN).digest('hex'),
            distributions: ['docs'],
            channel: CHANNEL,
          },
        },
      }),
    });
    bot = await stack.startBot();
  });
  afterAll(() => stack?.close());

  it('is HTTP 422 over_budget with the figures, and nothing is recorded but the refusal', async () => {
    const response = await fetch(`${bot.url}/api/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ distribution: 'docs', paths: ['/a.html', '/b.html', '/c.html'] }),
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('over_budget');
    expect(body.error.message).toContain(FIGURES);
    const items = await stack.plainItems();
    expect(items.filter((item) => String(item.pk).startsWith('REQ#'))).toHaveLength(0);
    const refusals = items.filter((item) => String(item.pk).startsWith('REFUSAL#'));
    expect(refusals.map((item) => (item.refusal as { code: string }).code)).toEqual(['over_budget']);
  });

  it('makes the command line exit 2 with the message', async () => {
    const child = spawn(process.execPath, [CLI, 'request', 'docs', '/a.html', '/b.html', '/c.html'], {
      env: { PATH: process.env.PATH ?? '', INVALIDATOR_URL: bot.url, INVALIDATOR_TOKEN: TOKEN },
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(exit).toBe(2);
    expect(output).toContain(FIGURES);
  });
});

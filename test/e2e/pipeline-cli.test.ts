import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import { type BotProcess, REPO_ROOT } from '../support/bot-process.js';
import { type Stack, startStack, testConfig, USERS } from '../support/stack.js';

/** The built client, as a pipeline runs it (vitest's global set-up builds dist/). */
const CLI = join(REPO_ROOT, 'dist/cli/invalidator.js');
const TOKEN = 'inv_cli-e2e-token-0123456789abcdef0123456789';
const CHANNEL = 'CDEPLOY001';

interface Run {
  child: ChildProcess;
  /** every line printed so far, stdout and stderr */
  lines: string[];
  exit: Promise<number | null>;
}

/**
 * `invalidator request …` against the running bot: the CLI a deploy job runs, the API it calls, and Slack,
 * where an approver decides while the CLI waits.
 */
describe('the invalidator command line against the running bot', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack({
      config: testConfig({
        pipelines: {
          'web-deploy': {
            tokenSha256: createHash('sha256').update(TOKEN).digest('hex'),
            distributions: ['web', 'docs'],
            channel: CHANNEL,
          },
        },
      }),
    });
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  function run(args: string[], env: Record<string, string> = {}): Run {
    const child = spawn(process.execPath, [CLI, 'request', ...args], {
      env: { PATH: process.env.PATH ?? '', INVALIDATOR_URL: bot.url, INVALIDATOR_TOKEN: TOKEN, ...env },
    });
    const lines: string[] = [];
    const collect = (chunk: string) => lines.push(...chunk.split('\n').filter((line) => line !== ''));
    child.stdout?.setEncoding('utf8').on('data', collect);
    child.stderr?.setEncoding('utf8').on('data', collect);
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    return { child, lines, exit };
  }

  const idIn = (lines: readonly string[]) => /INV-[0-9A-Z]{10}/.exec(lines.join('\n'))?.[0];
  const cardOf = (id: string) =>
    stack.slack.waitFor(() => stack.slack.messages.find((m) => !m.thread_ts && m.text.includes(id)));

  it('requests what needs no approval, follows it to completion and exits 0', async () => {
    const cli = run(['docs', '/index.html', '/app.css', '--wait', '--reason', 'deploy 4.2'], {
      GITHUB_RUN_ID: '812',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'deploy',
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: 'acme/site',
      GITHUB_SHA: '9fceb02d0ae598e95dc970b74767f19372d61af8',
      GITHUB_WORKFLOW: 'Deploy docs',
    });
    expect(await cli.exit).toBe(0);
    expect(cli.lines.join('\n')).toMatch(/completed in/);
    const id = idIn(cli.lines) ?? '';
    const card = await cardOf(id);
    expect(card.channel).toBe(CHANNEL);
    // The card links the CI run the CLI found in GitHub's variables.
    expect(JSON.stringify(card.blocks)).toContain('https://github.example/acme/site/actions/runs/812');
    expect(cli.lines.join('\n')).not.toContain(TOKEN);

    // The same job step again finds the same request (its key comes from the run).
    const again = run(['docs', '/index.html', '/app.css', '--reason', 'deploy 4.2'], {
      GITHUB_RUN_ID: '812',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'deploy',
    });
    expect(await again.exit).toBe(0);
    expect(idIn(again.lines)).toBe(id);
  });

  it('waits while on-call approves the wildcard in Slack, prints the approval, and exits 0', async () => {
    const cli = run(['web', '/assets/*', '--wait', '--timeout', '1']);
    await stack.slack.waitFor(() => idIn(cli.lines));
    const id = idIn(cli.lines) ?? '';
    await cardOf(id);
    await stack.slack.waitFor(() => cli.lines.some((line) => /waiting for approval/i.test(line)));
    await slack.click(USERS.oncall, 'invalidator.approve', id, CHANNEL);
    expect(await cli.exit).toBe(0);
    const said = cli.lines.join('\n');
    expect(said).toMatch(new RegExp(`approved by .*${USERS.oncall}`));
    expect(said).toMatch(/submitted as I/);
    expect(said).toMatch(/completed in/);
  });

  it('exits 1 with the reason when the request is denied', async () => {
    const cli = run(['web', '/img/*', '--wait', '--timeout', '1']);
    await stack.slack.waitFor(() => idIn(cli.lines));
    const id = idIn(cli.lines) ?? '';
    await cardOf(id);
    await slack.submitDeny(USERS.lead, id, 'not during the sale', CHANNEL);
    expect(await cli.exit).toBe(1);
    expect(cli.lines.join('\n')).toContain('not during the sale');
  });

  it('exits 2 for a wrong token or a distribution the pipeline may not request, and 3 when the wait runs out', async () => {
    const wrong = run(['docs', '/a.html'], { INVALIDATOR_TOKEN: 'inv_not-a-known-token' });
    expect(await wrong.exit).toBe(2);
    const forbidden = run(['locked', '/a.html']);
    expect(await forbidden.exit).toBe(2);
    expect(forbidden.lines.join('\n')).toMatch(/may not request/);
    const slow = run(['web', '/slow/*', '--wait', '--timeout', '0.05']);
    expect(await slow.exit).toBe(3);
    expect(slow.lines.join('\n')).toMatch(/keeps going|still/i);
  });
});

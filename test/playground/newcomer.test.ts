import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SERVER_ENTRYPOINT } from '../support/bot-process.js';
import { type PlaygroundProcess, startPlaygroundProcess } from '../support/playground-process.js';

/**
 * The README's first command as a newcomer runs it: `npm start` in a clean checkout, with nothing in the
 * environment but PATH and HOME and `.env.example` copied to `.env`, prints the playground's address and
 * serves the page there.
 */

const DEFAULT_PORT = 3000;

/** The checkout: every tracked (and not ignored) file, with the installed dependencies beside them. */
async function cleanCheckout(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const dir = await mkdtemp(join(tmpdir(), 'invalidator-checkout-'));
  for (const file of stdout.split('\0').filter(Boolean)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(join(REPO_ROOT, file), join(dir, file)).catch((error: NodeJS.ErrnoException) => {
      // A file deleted in the working tree but not yet from git's index is not part of the checkout.
      if (error.code !== 'ENOENT') throw error;
    });
  }
  // `npm ci` would install the same locked tree; linking it keeps the test to the command under test.
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('npm start on a fresh checkout with no configuration', () => {
  let playground: PlaygroundProcess | undefined;
  afterAll(async () => {
    await playground?.stop();
  });

  it('prints the playground address and serves the page there', async () => {
    const cwd = await cleanCheckout();
    // A newcomer who copied .env.example as it comes gets the playground all the same.
    await copyFile(join(cwd, '.env.example'), join(cwd, '.env'));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: cwd };
    // The newcomer's default port, unless something else on this machine holds it already.
    if (!(await portIsFree(DEFAULT_PORT))) env.PORT = '0';
    playground = await startPlaygroundProcess({ cwd, env, how: 'npm start', timeoutMs: 180_000 });
    if (env.PORT === undefined) expect(playground.url).toBe(`http://127.0.0.1:${DEFAULT_PORT}/`);
    expect(playground.output()).toContain('simulated CloudFront: nothing leaves this machine');
    expect(playground.output()).not.toMatch(/error|warning/i);

    const page = await fetch(playground.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Invalidator playground</title>');
    const script = await fetch(new URL('/app.js', playground.url));
    expect(script.status).toBe(200);
    const state = (await (await fetch(new URL('/api/state', playground.url))).json()) as {
      info: { distributions: Array<{ alias: string }>; personas: unknown[] };
    };
    expect(state.info.distributions.map((d) => d.alias)).toEqual(['web', 'docs']);
    expect(state.info.personas.length).toBeGreaterThanOrEqual(4);

    // A process manager stops the service with SIGTERM to `npm` alone: npm hands it to the bot, which
    // stops, so that no process is left behind and the port is let go.
    const stopping = playground;
    await stopping.terminate();
    await expect.poll(() => stopping.anyLeft(), { timeout: 5_000, interval: 100 }).toBe(false);
    playground = undefined;
    await expect(fetch(page.url)).rejects.toThrow();
  });

  it.each([
    ['SLACK_SIGNING_SECRET', { SLACK_SIGNING_SECRET: 'a-signing-secret' }, 'SLACK_BOT_TOKEN'],
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: 'xoxb-1-2-abc' }, 'SLACK_SIGNING_SECRET'],
    ['SLACK_APP_TOKEN', { SLACK_APP_TOKEN: 'xapp-1-2-abc' }, 'SLACK_BOT_TOKEN'],
  ])(
    'never opens the playground when %s is set: it asks for the rest instead',
    async (_name, slack, missing) => {
      const cwd = await mkdtemp(join(tmpdir(), 'invalidator-configured-'));
      const run = promisify(execFile)(process.execPath, [SERVER_ENTRYPOINT], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: '0', ...slack },
        timeout: 30_000,
      });
      const failure = await run.then(
        () => undefined,
        (error: { code?: number; stdout?: string; stderr?: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain(missing);
      expect(`${failure?.stdout}${failure?.stderr}`).not.toContain('playground');
    },
  );
});

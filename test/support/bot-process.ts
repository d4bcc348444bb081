import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from '../../src/standins/free-port.js';

export { freePort };

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The file `npm start` runs. */
export const SERVER_ENTRYPOINT = join(REPO_ROOT, 'dist/entrypoints/server.js');

export interface BotProcess {
  url: string;
  port: number;
  logs: string[];
  /** resolves with the exit code */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A fresh working directory holding the config file, as a deployment would have. */
export function writeConfig(config: unknown, dir = mkdtempSync(join(tmpdir(), 'invalidator-'))): string {
  writeFileSync(join(dir, 'invalidator.config.yml'), stringify(config));
  return dir;
}

/**
 * Starts the bot exactly as `npm start` does (node on the built entrypoint), configured only by
 * environment and config file, and waits until `/healthz` answers 200.
 */
export async function startBot(options: { cwd: string; env: Record<string, string> }): Promise<BotProcess> {
  const port = Number(options.env.PORT ?? (await freePort()));
  const child = spawn(process.execPath, [SERVER_ENTRYPOINT], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: options.cwd,
      HOST: '127.0.0.1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  collect(child, logs);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, exited, logs);
  return { url, port, logs, exited, stop: (signal = 'SIGTERM') => stop(child, exited, signal) };
}

function collect(child: ChildProcess, logs: string[]) {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      logs.push(...lines.filter((line) => line !== ''));
    });
  }
}

async function waitHealthy(url: string, exited: Promise<number | null>, logs: string[]): Promise<void> {
  let done = false;
  exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (done) throw new Error(`bot exited before it was ready:\n${logs.join('\n')}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`bot not ready within 20 s:\n${logs.join('\n')}`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals) {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** A child process serving HTTP, spawned and watched the same way for the bot and the bare app. */
export interface ServerProcess {
  name: string;
  pid: number;
  /** the last lines it wrote, for error messages */
  logs: string[];
  /** warning and error lines written so far, counted by kind (level, message and error name) */
  problems: Map<string, number>;
  stop(): Promise<void>;
}

const KEPT_LOG_LINES = 200;
const STOP_GRACE_MS = 5_000;

/** Spawns `node <args>` and resolves once a line of its output matches `ready`. */
export async function spawnServer(options: {
  name: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  ready: RegExp;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const problems = new Map<string, number>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve) =>
    collectLines(child, { logs, problems }, options.ready, resolve),
  );
  const failed = exited.then(() => {
    throw new Error(`${options.name} exited before it was ready:\n${logs.join('\n')}`);
  });
  const stop = () => stopChild(child, exited);
  const timeout = sleep(20_000, undefined, { ref: false }).then(() => {
    throw new Error('no ready line within 20 s');
  });
  try {
    await Promise.race([ready, failed, timeout]);
  } catch (error) {
    await stop();
    throw new Error(`${options.name} did not start: ${String(error)}\n${logs.join('\n')}`);
  }
  failed.catch(() => {}); // from here on an exit is the caller's business, seen through stop()
  if (child.pid === undefined) throw new Error(`${options.name} has no pid`);
  return { name: options.name, pid: child.pid, logs, problems, stop };
}

function collectLines(
  child: ChildProcess,
  { logs, problems }: Pick<ServerProcess, 'logs' | 'problems'>,
  ready: RegExp,
  onReady: () => void,
): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (ready.test(line)) onReady();
        const kind = problemKind(line);
        if (kind !== undefined) problems.set(kind, (problems.get(kind) ?? 0) + 1);
        logs.push(line);
      }
      logs.splice(0, Math.max(0, logs.length - KEPT_LOG_LINES));
    });
  }
}

/**
 * `warn: <message> (<error name>)` for a warning or error line, else undefined. The bot writes JSON lines;
 * the bare app, Bolt's console logger (`[WARN]  bolt-app …`).
 */
function problemKind(line: string): string | undefined {
  if (/^\[(WARN|ERROR)\]/.test(line)) return line.slice(0, 120);
  if (!/"level":"(warn|error)"/.test(line)) return undefined;
  try {
    const entry = JSON.parse(line) as { level: string; message: string; error?: { name?: string } };
    return `${entry.level}: ${entry.message}${entry.error?.name ? ` (${entry.error.name})` : ''}`;
  } catch {
    return line.slice(0, 120);
  }
}

/** SIGTERM, then SIGKILL if the process is still there after a grace period. */
export async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

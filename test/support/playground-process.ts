import { spawn } from 'node:child_process';
import { SERVER_ENTRYPOINT } from './bot-process.js';

export interface PlaygroundProcess {
  /** the page's address, as printed */
  url: string;
  /** everything printed, stdout and stderr */
  output(): string;
  /** SIGTERM to the whole process group; resolves with the exit code */
  stop(): Promise<number | null>;
  /**
   * SIGTERM to the started process alone (`npm` itself, for `npm start`), as a process manager stops a
   * service; resolves with its exit code.
   */
  terminate(): Promise<number | null>;
  /** whether any process of its process group (`npm`, the shell, `node`) is still running */
  anyLeft(): boolean;
}

const URL_LINE = /Invalidator playground: (http:\/\/\S+)/;

/**
 * Starts the local playground as a person would, with no Slack credentials: `node` on the built server
 * (`how: 'node'`), or `npm start` itself, which builds first. Resolves once it prints its address.
 */
export async function startPlaygroundProcess(options: {
  cwd: string;
  env: Record<string, string>;
  how?: 'node' | 'npm start';
  timeoutMs?: number;
}): Promise<PlaygroundProcess> {
  const [command, args] =
    options.how === 'npm start' ? ['npm', ['start']] : [process.execPath, [SERVER_ENTRYPOINT]];
  // Its own process group, so that stopping `npm start` stops the node process under it too.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no playground address within ${options.timeoutMs ?? 30_000} ms:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = URL_LINE.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the playground exited (${code}) before printing its address:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      // The whole group, even once the started process has gone: a child it left must not outlive the test.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      return exited;
    },
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    anyLeft: () => {
      if (child.pid === undefined) return false;
      try {
        // Signal 0 checks that the group still has a member, and sends nothing.
        process.kill(-child.pid, 0);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
        throw error;
      }
    },
  };
}

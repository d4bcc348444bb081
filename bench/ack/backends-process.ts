import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../test/support/bot-process.js';
import type { BackendCounts, BackendsReport, BackendsRequest } from './backends.js';
import { stopChild } from './processes.js';

/** backends.ts running in its own process, driven over IPC. */
export interface Backends {
  ready: Extract<BackendsReport, { type: 'ready' }>;
  pid: number;
  counts(): Promise<BackendCounts>;
  stop(): Promise<void>;
}

type ReportOf<T extends BackendsReport['type']> = Extract<BackendsReport, { type: T }>;

/** Resolves with the next report of that type; rejects if the process exits first or after `timeoutMs`. */
function nextReport<T extends BackendsReport['type']>(
  child: ChildProcess,
  exited: Promise<void>,
  type: T,
  timeoutMs = 30_000,
): Promise<ReportOf<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' from the bench backends`)), timeoutMs);
    const onMessage = (message: unknown) => {
      const report = message as BackendsReport;
      if (report.type === type) done(undefined, report as ReportOf<T>);
    };
    const done = (error?: Error, report?: ReportOf<T>) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      if (report) resolve(report);
      else reject(error);
    };
    child.on('message', onMessage);
    exited.then(() => done(new Error('the bench backends exited')));
  });
}

/** Starts dynalite and the Slack and CloudFront stand-ins in a child process (see backends.ts for why). */
export async function startBackends(): Promise<Backends> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/ack/backends.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.connected) child.send({ type: 'close' } satisfies BackendsRequest);
    await Promise.race([exited, sleep(5_000)]);
    await stopChild(child, exited);
  };
  let ready: ReportOf<'ready'>;
  try {
    ready = await nextReport(child, exited, 'ready');
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error('the bench backends have no pid');
  return {
    ready,
    pid: child.pid,
    counts: async () => {
      const answer = nextReport(child, exited, 'counts');
      child.send({ type: 'counts' } satisfies BackendsRequest);
      return (await answer).counts;
    },
    stop,
  };
}

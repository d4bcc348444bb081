import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** A `kB` field of /proc/<pid>/status, e.g. VmRSS (resident now) or VmHWM (peak resident). */
export function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** User + system CPU time of a process so far, in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the numbered fields start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** User + nice + system CPU time of the whole machine so far, all cores, in ms (first line of /proc/stat). */
function machineCpuMs(): number {
  const [user = 0, nice = 0, system = 0] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .split(/\s+/)
    .slice(1, 4)
    .map(Number);
  return ((user + nice + system) * 1000) / TICKS_PER_SECOND;
}

/** CPU time used so far by every process on the machine except `own`, in ms (approximate: tick counts). */
export function otherCpuMs(own: number[]): number {
  return machineCpuMs() - own.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** Cores used on average between two readings of a CPU-time counter. */
export function cores(fromMs: number, toMs: number, wallMs: number): number {
  return Math.max(0, toMs - fromMs) / wallMs;
}

/**
 * Waits until a CPU-time counter grows by less than `maxCores` in each of `quietWindows` consecutive windows
 * of `windowMs`. `busyMs` is how long it stayed busy: the time until the quiet streak began.
 */
export async function waitForQuiet(
  usedMs: () => number,
  options: { windowMs: number; quietWindows: number; maxCores: number; timeoutMs: number },
): Promise<{ busyMs: number; quiet: boolean }> {
  const started = Date.now();
  let before = usedMs();
  let quietSince: number | undefined;
  let quietWindows = 0;
  while (Date.now() - started < options.timeoutMs) {
    const windowStart = Date.now();
    await sleep(options.windowMs);
    const after = usedMs();
    if (cores(before, after, Date.now() - windowStart) < options.maxCores) {
      quietSince ??= windowStart;
      quietWindows += 1;
      if (quietWindows >= options.quietWindows) return { busyMs: quietSince - started, quiet: true };
    } else {
      quietSince = undefined;
      quietWindows = 0;
    }
    before = after;
  }
  return { busyMs: Date.now() - started, quiet: false };
}

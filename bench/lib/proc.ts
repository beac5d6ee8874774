/**
 * Reading a process's memory and CPU from /proc (Linux only).
 * Fields: https://man7.org/linux/man-pages/man5/proc_pid_status.5.html and proc_pid_stat.5.html
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clkTck: number | undefined;
/** Clock ticks per second for utime/stime (`getconf CLK_TCK`, 100 on Linux in practice). */
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** VmRSS and VmHWM in bytes, or null when the process is gone. */
export function readMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * CPU seconds of the process itself (utime + stime) and of its children it has waited for
 * (cutime + cstime: e.g. the shell commands a library spawns), or null when the process is gone.
 */
export function readCpu(pid: number): { self: number; children: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): utime, stime, cutime, cstime (fields 14–17) are rest[11..14].
    const f = (i: number) => Number(rest[i]) / clockTicks();
    return { self: f(11) + f(12), children: f(13) + f(14) };
  } catch {
    return null;
  }
}

/** utime + stime in seconds, or null when the process is gone. */
export function readCpuSeconds(pid: number): number | null {
  return readCpu(pid)?.self ?? null;
}

export interface ProcSample {
  /** Seconds since sampling started. */
  t: number;
  rss: number;
  hwm: number;
  cpuSeconds: number;
  /** cutime + cstime: CPU of child processes the agent spawned and reaped. */
  childCpuSeconds: number;
}

/** Sample `pid` every `intervalMs` (first sample immediately); `stop()` returns the samples. */
export function sampleProcess(pid: number, intervalMs: number): { stop(): ProcSample[] } {
  const samples: ProcSample[] = [];
  const t0 = performance.now();
  const take = () => {
    const mem = readMemory(pid);
    const cpu = readCpu(pid);
    if (mem && cpu) {
      samples.push({
        t: (performance.now() - t0) / 1000,
        ...mem,
        cpuSeconds: cpu.self,
        childCpuSeconds: cpu.children,
      });
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** Machine-wide CPU time by state, in clock ticks, from the first line of /proc/stat. */
export interface CpuTimes {
  busy: number;
  idle: number;
  iowait: number;
  /** Time the hypervisor gave this VM's CPUs to other guests. */
  steal: number;
}

export function readCpuTimes(): CpuTimes | null {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const f = first.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    return { busy: user + nice + system + irq + softirq, idle, iowait, steal };
  } catch {
    return null;
  }
}

/** Shares (%) of the CPU time between two readings. */
export function cpuShares(
  a: CpuTimes,
  b: CpuTimes,
): { busyPct: number; iowaitPct: number; stealPct: number } {
  const d = (k: keyof CpuTimes) => b[k] - a[k];
  const total = d('busy') + d('idle') + d('iowait') + d('steal');
  const pct = (v: number) => (total > 0 ? (100 * v) / total : Number.NaN);
  return { busyPct: pct(d('busy')), iowaitPct: pct(d('iowait')), stealPct: pct(d('steal')) };
}

/** Readings of one process from /proc (Linux): resident memory and open file descriptors. */
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS in kB, or undefined when the process is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Number of entries in /proc/<pid>/fd, or undefined when the process is gone. */
export function fdCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

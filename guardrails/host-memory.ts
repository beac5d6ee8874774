/**
 * Host memory from /proc/meminfo: used = MemTotal − MemAvailable (what gopsutil's Total−Available
 * gives the Go agent, docs/PROTOCOL.md §5). Never touches the database.
 * https://www.kernel.org/doc/html/latest/filesystems/proc.html#meminfo
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MemoryReading } from './types.js';

/** Parse meminfo text into bytes per field (values are in kB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

export function hostReadingFromMeminfo(text: string): MemoryReading {
  const f = parseMeminfo(text);
  const total = f.get('MemTotal');
  if (total === undefined) throw new Error('guardrails: host memory: MemTotal missing from /proc/meminfo');
  // Kernels before 3.14 have no MemAvailable; approximate it as free + buffers + page cache.
  const available =
    f.get('MemAvailable') ?? (f.get('MemFree') ?? 0) + (f.get('Buffers') ?? 0) + (f.get('Cached') ?? 0);
  return { usedBytes: Math.max(0, total - available), limitBytes: total, source: 'host', kind: 'used' };
}

/** Read host memory; `root` makes the file system injectable (tests, /host mounts). */
export async function readHostMemory(root = '/'): Promise<MemoryReading> {
  return hostReadingFromMeminfo(await readFile(path.join(root, 'proc', 'meminfo'), 'utf8'));
}

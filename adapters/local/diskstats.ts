/**
 * Disk I/O operation counters from /proc/diskstats, read directly: systeminformation's disksIO()
 * spawns `lsblk` through a shell on every call, which at a 5 s interval is most of the agent's CPU.
 * Format: https://www.kernel.org/doc/html/latest/admin-guide/iostats.html — field 4 is reads
 * completed, field 8 writes completed (1-based, after major, minor, name).
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface DiskOps {
  read: number;
  write: number;
}

/**
 * Whole physical disks only: partitions would count every operation twice, and loop, RAM, zram,
 * device-mapper, md and optical devices either duplicate a physical disk's I/O or are not disks.
 */
const VIRTUAL = /^(loop|ram|zram|dm-|md|sr|fd|nbd)/;

export function sumDiskstats(text: string, wholeDisks: ReadonlySet<string>): DiskOps {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const name = f[2];
    if (!name || f.length < 11 || !wholeDisks.has(name) || VIRTUAL.test(name)) continue;
    read += Number(f[3]);
    write += Number(f[7]);
  }
  return { read, write };
}

/** Counters summed over whole disks; null when /proc/diskstats is unreadable (some containers). */
export async function readDiskOps(root = '/'): Promise<DiskOps | null> {
  try {
    const [text, disks] = await Promise.all([
      readFile(path.join(root, 'proc/diskstats'), 'utf8'),
      readdir(path.join(root, 'sys/block')),
    ]);
    return sumDiskstats(text, new Set(disks));
  } catch {
    return null;
  }
}

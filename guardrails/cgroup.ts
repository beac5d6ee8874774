/**
 * Container memory from the cgroup file system, cache excluded (what `docker stats` and the Go agent's
 * docker adapter report, docs/PROTOCOL.md §5):
 * - cgroup v2: memory.current − inactive_file (memory.stat) against memory.max; `max` = no limit.
 *   https://docs.kernel.org/admin-guide/cgroup-v2.html#memory-interface-files
 * - cgroup v1: memory.usage_in_bytes − total_inactive_file (memory.stat) against
 *   memory.limit_in_bytes; the "unlimited" sentinel is close to 2^63 (PAGE_COUNTER_MAX × page size).
 *   https://docs.kernel.org/admin-guide/cgroup-v1/memory.html
 * Which one applies comes from /proc/self/cgroup (a `memory` controller line → v1; a `0::` line and a
 * unified mount with cgroup.controllers → v2). With no limit, the host reading is used instead.
 * `root` makes the whole file system injectable (fixtures under guardrails/fixtures/).
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readHostMemory } from './host-memory.js';
import type { MemoryReading } from './types.js';

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupLocation {
  version: CgroupVersion;
  /** Directory holding the memory interface files. */
  dir: string;
}

/** Limits at or above this (1 EiB) mean "no limit" (v1 reports ~2^63 − 4096). */
const UNLIMITED = 2 ** 60;

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function readNumber(file: string): Promise<number | null> {
  const text = (await readFile(file, 'utf8')).trim();
  if (text === 'max') return null;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isFinite(n))
    throw new Error(`guardrails: cgroup: unexpected content in ${file}: ${text.slice(0, 40)}`);
  return n;
}

async function statField(file: string, keys: readonly string[]): Promise<number> {
  const text = await readFile(file, 'utf8');
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) fields.set(k, Number(v));
  }
  for (const k of keys) {
    const v = fields.get(k);
    if (v !== undefined) return v;
  }
  return 0;
}

interface CgroupLine {
  id: string;
  controllers: string[];
  path: string;
}

function parseProcCgroup(text: string): CgroupLine[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [id = '', controllers = '', ...rest] = l.split(':');
      return { id, controllers: controllers.split(','), path: rest.join(':') || '/' };
    });
}

/** The cgroup whose memory files describe this process, or null outside any usable cgroup. */
export async function detectCgroup(root = '/'): Promise<CgroupLocation | null> {
  let text: string;
  try {
    text = await readFile(path.join(root, 'proc', 'self', 'cgroup'), 'utf8');
  } catch {
    return null;
  }
  const lines = parseProcCgroup(text);
  const mount = path.join(root, 'sys', 'fs', 'cgroup');
  const v1 = lines.find((l) => l.controllers.includes('memory'));
  if (v1) {
    const base = path.join(mount, 'memory');
    // Without a cgroup namespace the line shows the host path, but the container sees its own
    // cgroup at the mount root: try the path, then the root.
    for (const dir of [path.join(base, v1.path), base]) {
      if (await exists(path.join(dir, 'memory.usage_in_bytes'))) return { version: 'v1', dir };
    }
    return null;
  }
  const v2 = lines.find((l) => l.id === '0' && l.controllers.join('') === '');
  if (v2 && (await exists(path.join(mount, 'cgroup.controllers')))) {
    for (const dir of [path.join(mount, v2.path), mount]) {
      if (await exists(path.join(dir, 'memory.current'))) return { version: 'v2', dir };
    }
  }
  return null;
}

/** Cgroup reading, or null when the cgroup has no memory limit (or there is no cgroup). */
export async function readCgroupMemory(root = '/'): Promise<MemoryReading | null> {
  const where = await detectCgroup(root);
  if (!where) return null;
  const v2 = where.version === 'v2';
  const limit = await readNumber(path.join(where.dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'));
  if (limit === null || limit >= UNLIMITED || limit === 0) return null;
  const usage =
    (await readNumber(path.join(where.dir, v2 ? 'memory.current' : 'memory.usage_in_bytes'))) ?? 0;
  const inactive = await statField(
    path.join(where.dir, 'memory.stat'),
    v2 ? ['inactive_file'] : ['total_inactive_file', 'inactive_file'],
  );
  const used = inactive < usage ? usage - inactive : usage;
  return { usedBytes: used, limitBytes: limit, source: v2 ? 'cgroup-v2' : 'cgroup-v1', kind: 'used' };
}

/** Container reading when a memory limit applies, else the host reading. */
export async function readContainerMemory(root = '/'): Promise<MemoryReading> {
  return (await readCgroupMemory(root)) ?? readHostMemory(root);
}

/**
 * System info for a self-hosted PostgreSQL on this host (docs/ADAPTERS.md §2). All-or-nothing: any failed
 * reading fails the whole call, because a partial system info looks to the platform like a
 * hardware change.
 */
import os from 'node:os';
import type { Systeminformation } from 'systeminformation';
import type { Db } from '../../src/pg/pool.js';
import type { ServerVersion } from '../../src/pg/version.js';
import type { Metric } from '../../src/platform/types.js';
import { databaseSystemInfo } from '../../src/pg/db-info.js';
import { si } from './si-modules.js';

/** The platform rejects blank values (Go #189). */
function orUnknown(v: string | undefined): string {
  return v && v.trim() ? v.trim() : 'unknown';
}

// The OS does not change while the agent runs, and si.osInfo() spawns several commands: read it once.
let osInfoOnce: Promise<Systeminformation.OsData> | undefined;

export async function hostSystemInfo(): Promise<Metric[]> {
  osInfoOnce ??= si.osInfo().catch((err: unknown) => {
    osInfoOnce = undefined; // retry on the next call
    throw err;
  });
  const [mem, osInfo] = await Promise.all([si.mem(), osInfoOnce]);
  if (!(mem.total > 0)) throw new Error('local: system info: total memory unavailable');
  return [
    { key: 'node_cpu_count', type: 'int', value: os.availableParallelism() },
    { key: 'node_memory_total', type: 'bytes', value: mem.total },
    { key: 'node_os_info', type: 'string', value: orUnknown(os.platform()) },
    { key: 'system_info_platform', type: 'string', value: orUnknown(osInfo.distro) },
    { key: 'system_info_platform_version', type: 'string', value: orUnknown(osInfo.release) },
  ];
}

export async function localSystemInfo(db: Db, version: ServerVersion): Promise<Metric[]> {
  const [host, database] = await Promise.all([hostSystemInfo(), databaseSystemInfo(db, version)]);
  return [...database, ...host];
}

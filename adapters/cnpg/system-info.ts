/**
 * System info for a CloudNativePG instance: the database facts, plus the measured pod's CPU and
 * memory (the limits the container runs under, see resources.ts) and its node's OS. All-or-nothing.
 */
import { databaseSystemInfo } from '../../src/pg/db-info.js';
import type { Db } from '../../src/pg/pool.js';
import type { ServerVersion } from '../../src/pg/version.js';
import type { Metric } from '../../src/platform/types.js';
import type { PodReader } from './pod-reader.js';

export async function cnpgSystemInfo(
  reader: PodReader,
  db: Db,
  version: ServerVersion,
  signal: AbortSignal,
): Promise<Metric[]> {
  const [database, info] = await Promise.all([databaseSystemInfo(db, version), reader.info(signal)]);
  const ni = info.node.status?.nodeInfo;
  // The platform rejects blank values (Go #189).
  const text = (v: string | undefined) => v?.trim() || 'unknown';
  return [
    ...database,
    { key: 'node_cpu_count', type: 'int', value: Math.max(1, Math.trunc(info.cpu.value / 1000)) },
    { key: 'node_memory_total', type: 'bytes', value: Math.round(info.memory.value) },
    { key: 'node_os_info', type: 'string', value: text(ni?.osImage) },
    { key: 'system_info_platform', type: 'string', value: text(ni?.operatingSystem) },
    { key: 'system_info_platform_version', type: 'string', value: text(ni?.kernelVersion) },
  ];
}

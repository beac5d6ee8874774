/**
 * System info for an Aiven service (docs/ADAPTERS.md §6): the database part, node_cpu_count and
 * node_memory_total (node_memory_mb × 1 MiB) from the service. All-or-nothing.
 */
import type { Db } from '../../src/pg/pool.js';
import type { ServerVersion } from '../../src/pg/version.js';
import type { Metric } from '../../src/platform/types.js';
import { databaseSystemInfo } from '../../src/pg/db-info.js';
import type { AivenApi, AivenService } from './client.js';
import { MEBIBYTE } from './knobs.js';

export function memoryBytes(s: AivenService): number {
  return Math.round(s.nodeMemoryMb * MEBIBYTE);
}

export async function aivenSystemInfo(
  api: AivenApi,
  db: Db,
  version: ServerVersion,
  signal: AbortSignal,
  onService: (s: AivenService) => void,
): Promise<Metric[]> {
  const [database, service] = await Promise.all([databaseSystemInfo(db, version), api.getService(signal)]);
  if (!(service.nodeMemoryMb > 0) || !(service.nodeCpuCount > 0)) {
    throw new Error('aiven: service.get: the service reports no node_memory_mb / node_cpu_count');
  }
  onService(service);
  return [
    ...database,
    { key: 'node_cpu_count', type: 'int', value: Math.trunc(service.nodeCpuCount) },
    { key: 'node_memory_total', type: 'bytes', value: memoryBytes(service) },
    { key: 'node_os_info', type: 'string', value: 'linux' },
    { key: 'system_info_platform', type: 'string', value: 'aiven' },
  ];
}

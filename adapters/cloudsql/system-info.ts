/**
 * System info for a Cloud SQL instance (docs/ADAPTERS.md §5): the database part, node_cpu_count =
 * cpu/reserved_cores (truncated), node_memory_total = memory/quota, from Cloud Monitoring, and the
 * instance's database version from the SQL Admin API. All-or-nothing: a missing reading fails the
 * whole call, because a partial system info looks to the platform like a hardware change.
 */
import type { Db } from '../../src/pg/pool.js';
import type { ServerVersion } from '../../src/pg/version.js';
import type { Metric } from '../../src/platform/types.js';
import { databaseSystemInfo } from '../../src/pg/db-info.js';
import type { CloudSqlApi } from './client.js';
import { metricType } from './monitoring.js';

export async function cloudSqlSystemInfo(
  api: CloudSqlApi,
  db: Db,
  version: ServerVersion,
  signal: AbortSignal,
): Promise<Metric[]> {
  const [database, cores, memory, instance] = await Promise.all([
    databaseSystemInfo(db, version),
    api.latestPoint(metricType('reservedCores'), undefined, signal),
    api.latestPoint(metricType('memoryQuota'), undefined, signal),
    api.getInstance(signal),
  ]);
  return [
    ...database,
    { key: 'node_cpu_count', type: 'int', value: Math.max(1, Math.trunc(cores)) },
    { key: 'node_memory_total', type: 'bytes', value: Math.round(memory) },
    { key: 'node_os_info', type: 'string', value: 'linux' },
    { key: 'system_info_platform', type: 'string', value: 'cloudsql' },
    { key: 'system_info_platform_version', type: 'string', value: instance.databaseVersion || 'unknown' },
  ];
}

/**
 * System info for RDS and Aurora: vCPU and memory of the instance class (or of
 * Serverless v2's maximum capacity), the parameter group names, and the database part. Each call
 * describes the instance again, so a class change or a new parameter group shows up within a tick.
 * All-or-nothing: any failed call fails the whole list.
 */
import { databaseSystemInfo } from '../../src/pg/db-info.js';
import type { Db } from '../../src/pg/pool.js';
import type { ServerVersion } from '../../src/pg/version.js';
import type { Metric } from '../../src/platform/types.js';
import type { InstanceInfo } from './instance.js';

export function instanceSystemInfo(info: InstanceInfo, platform: 'rds' | 'aurora'): Metric[] {
  return [
    { key: 'node_cpu_count', type: 'int', value: info.vcpus },
    { key: 'node_memory_total', type: 'bytes', value: info.memoryBytes },
    { key: 'system_info_platform', type: 'string', value: platform === 'aurora' ? 'aws-aurora' : 'aws-rds' },
    { key: 'system_info_platform_version', type: 'string', value: info.instanceClass || 'unknown' },
    { key: 'aws_rds_parameter_group', type: 'string', value: info.parameterGroup.name },
    ...(info.cluster
      ? [
          {
            key: 'aws_rds_cluster_parameter_group',
            type: 'string',
            value: info.cluster.parameterGroup.name,
          } as const,
        ]
      : []),
  ];
}

export async function rdsSystemInfo(
  refresh: (signal: AbortSignal) => Promise<InstanceInfo>,
  platform: 'rds' | 'aurora',
  db: Db,
  version: ServerVersion,
  signal: AbortSignal,
): Promise<Metric[]> {
  const [database, info] = await Promise.all([databaseSystemInfo(db, version), refresh(signal)]);
  return [...database, ...instanceSystemInfo(info, platform)];
}

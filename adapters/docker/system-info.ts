/**
 * System info for PostgreSQL in a Docker container (docs/ADAPTERS.md §3), from container inspect and one
 * stats sample. All-or-nothing: any failed reading fails the whole call, because a partial system
 * info looks to the platform like a hardware change.
 */
import type { Db } from '../../src/pg/pool.js';
import type { ServerVersion } from '../../src/pg/version.js';
import type { Metric } from '../../src/platform/types.js';
import { databaseSystemInfo } from '../../src/pg/db-info.js';
import type { DockerApi } from './client.js';
import { cpuCount, memoryLimitBytes } from './stats.js';

export async function containerSystemInfo(
  api: DockerApi,
  container: string,
  signal: AbortSignal,
): Promise<Metric[]> {
  const [info, sample] = await Promise.all([
    api.inspect(container, signal),
    api.stats(container, signal, true),
  ]);
  // A container without a memory limit can use all of the engine host's memory, so that is its total
  // (the engine's MemTotal, which is the right host even when DOCKER_HOST points elsewhere).
  const memoryTotal = memoryLimitBytes(sample.memory_stats) ?? (await api.hostMemory(signal));
  const image = info.Config?.Image?.trim();
  return [
    { key: 'node_cpu_count', type: 'int', value: cpuCount(info.HostConfig, sample) },
    { key: 'node_memory_total', type: 'bytes', value: memoryTotal },
    { key: 'node_os_info', type: 'string', value: 'linux' },
    { key: 'system_info_platform', type: 'string', value: 'docker' },
    // The platform rejects blank values (Go #189).
    { key: 'system_info_platform_version', type: 'string', value: image || 'unknown' },
  ];
}

export async function dockerSystemInfo(
  api: DockerApi,
  container: string,
  db: Db,
  version: ServerVersion,
  signal: AbortSignal,
): Promise<Metric[]> {
  const [database, node] = await Promise.all([
    databaseSystemInfo(db, version),
    containerSystemInfo(api, container, signal),
  ]);
  return [...database, ...node];
}

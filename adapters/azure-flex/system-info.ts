/**
 * System info for a Flexible Server: vCores and memory from the server's SKU (Servers - Get), the
 * database facts from SQL. All-or-nothing: an unknown SKU or a failed call fails the whole reading,
 * because a partial system info looks to the platform like a hardware change.
 */
import type { Server } from '@azure/arm-postgresql-flexible';
import { databaseSystemInfo } from '../../src/pg/db-info.js';
import type { Db } from '../../src/pg/pool.js';
import type { ServerVersion } from '../../src/pg/version.js';
import type { Metric } from '../../src/platform/types.js';
import type { AzureFlexApi } from './api.js';
import { skuSize, type SkuSize } from './sku.js';

/** The server's compute size; throws when Azure reports a SKU this agent cannot size. */
export function serverSize(server: Server, serverName: string): SkuSize {
  const name = server.sku?.name;
  if (!name)
    throw new Error(`azure-flex: servers.get: server "${serverName}" has no sku.name in the response`);
  const size = skuSize(name);
  if (!size)
    throw new Error(`azure-flex: servers.get: unknown compute size "${name}" for server "${serverName}"`);
  return size;
}

export async function azureSystemInfo(
  api: AzureFlexApi,
  db: Db,
  version: ServerVersion,
  signal: AbortSignal,
): Promise<Metric[]> {
  const [database, server] = await Promise.all([databaseSystemInfo(db, version), api.getServer(signal)]);
  const size = serverSize(server, api.settings.serverName);
  return [
    ...database,
    { key: 'node_cpu_count', type: 'int', value: size.cores },
    { key: 'node_memory_total', type: 'bytes', value: size.memoryBytes },
    { key: 'node_os_info', type: 'string', value: 'linux' },
    { key: 'system_info_platform', type: 'string', value: 'azure-flex' },
    // The platform rejects blank values (Go #189).
    { key: 'system_info_platform_version', type: 'string', value: server.sku?.name ?? 'unknown' },
  ];
}

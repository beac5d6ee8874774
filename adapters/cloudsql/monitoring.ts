/**
 * Cloud Monitoring readings for a Cloud SQL instance (metric list:
 * https://cloud.google.com/sql/docs/postgres/admin-api/metrics, `cloudsql.googleapis.com/database/…`).
 * Each reading is fetched on its own; a failed one is simply absent, so the metric is omitted
 * rather than reported as zero (the Go agent reports zeros, which the platform takes as real).
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../../src/log.js';
import type { CloudSqlApi } from './client.js';

const PREFIX = 'cloudsql.googleapis.com/database/';

export type Reading =
  | 'reservedCores'
  | 'cpuUtilization'
  | 'readOps'
  | 'writeOps'
  | 'diskQuota'
  | 'diskUtilization'
  | 'netReceived'
  | 'netSent'
  | 'memoryQuota'
  | 'memoryUsagePercent'
  | 'memoryCachePercent'
  | 'memoryFreePercent';

/** Reading name → metric type suffix (and memory component). */
export const READINGS: Readonly<Record<Reading, { type: string; component?: string }>> = {
  reservedCores: { type: 'cpu/reserved_cores' },
  cpuUtilization: { type: 'cpu/utilization' },
  readOps: { type: 'disk/read_ops_count' },
  writeOps: { type: 'disk/write_ops_count' },
  diskQuota: { type: 'disk/quota' },
  diskUtilization: { type: 'disk/utilization' },
  netReceived: { type: 'network/received_bytes_count' },
  netSent: { type: 'network/sent_bytes_count' },
  memoryQuota: { type: 'memory/quota' },
  memoryUsagePercent: { type: 'memory/components', component: 'Usage' },
  memoryCachePercent: { type: 'memory/components', component: 'Cache' },
  memoryFreePercent: { type: 'memory/components', component: 'Free' },
};
export type Readings = Partial<Record<Reading, number>>;

export function metricType(r: Reading): string {
  return PREFIX + READINGS[r].type;
}

/**
 * Fetch the given readings concurrently. A failed one is left out of `readings` (logged at debug
 * level) and its error kept in `errors`, so a caller that got nothing can say why.
 */
export async function fetchReadings(
  api: CloudSqlApi,
  names: readonly Reading[],
  signal: AbortSignal,
  log?: Logger,
): Promise<{ readings: Readings; errors: Error[] }> {
  const out: Readings = {};
  const errors: Error[] = [];
  // One listener on the caller's signal, however many readings run at once.
  const child = new AbortController();
  setMaxListeners(names.length + 1, child.signal);
  const onAbort = () => child.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  await Promise.all(
    names.map(async (name) => {
      try {
        out[name] = await api.latestPoint(metricType(name), READINGS[name].component, child.signal);
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
        log?.debug(
          { metric: metricType(name), err: err instanceof Error ? err.message : String(err) },
          'cloud monitoring reading failed',
        );
      }
    }),
  ).finally(() => signal.removeEventListener('abort', onAbort));
  return { readings: out, errors };
}

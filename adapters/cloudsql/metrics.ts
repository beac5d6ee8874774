/**
 * The `hardware` collector and the guardrail reading from Cloud Monitoring (docs/ADAPTERS.md §5, docs/PROTOCOL.md §5).
 * Mapping: node_cpu_usage = cpu/utilization × 100; node_disk_iops_* = disk ops per 60 s sample / 60
 * (and their running totals node_disk_io_ops_*); node_disk_size = disk/quota;
 * node_disk_used_percentage = disk/utilization × 100; node_net_*_count = bytes per sample;
 * node_memory_used = memory/quota × Usage% / 100; node_memory_freeable = quota × (Free% + Cache%) / 100.
 * A metric whose reading failed is left out, never sent as 0.
 */
import type { Logger } from '../../src/log.js';
import type { Metric } from '../../src/platform/types.js';
import type { MemoryReading } from '../../guardrails/types.js';
import type { MetricCollector } from '../types.js';
import type { CloudSqlApi } from './client.js';
import { fetchReadings, type Reading, type Readings } from './monitoring.js';

const HARDWARE_READINGS: readonly Reading[] = [
  'cpuUtilization',
  'readOps',
  'writeOps',
  'diskQuota',
  'diskUtilization',
  'netReceived',
  'netSent',
  'memoryQuota',
  'memoryUsagePercent',
  'memoryCachePercent',
  'memoryFreePercent',
];

/** Disk op counts are sampled every 60 s (DELTA over one minute). */
const SAMPLE_SECONDS = 60;

/** Running sums of disk operation counts (node_disk_io_ops_*), kept by the collector. */
export interface OpTotals {
  read: number;
  write: number;
}

/** Pure mapping from readings to metrics; updates `totals` with this sample's counts. */
export function hardwareMetrics(r: Readings, totals: OpTotals): Metric[] {
  const out: Metric[] = [];
  const add = (key: string, type: Metric['type'], value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ key, type, value });
  };
  add('node_cpu_usage', 'float', r.cpuUtilization === undefined ? undefined : r.cpuUtilization * 100);
  if (r.readOps !== undefined) totals.read += r.readOps;
  if (r.writeOps !== undefined) totals.write += r.writeOps;
  const perSecond = (n: number | undefined) => (n === undefined ? undefined : n / SAMPLE_SECONDS);
  add('node_disk_iops_read', 'float', perSecond(r.readOps));
  add('node_disk_iops_write', 'float', perSecond(r.writeOps));
  if (r.readOps !== undefined && r.writeOps !== undefined) {
    add('node_disk_iops_total', 'float', (r.readOps + r.writeOps) / SAMPLE_SECONDS);
  }
  if (r.readOps !== undefined) add('node_disk_io_ops_read', 'int', Math.round(totals.read));
  if (r.writeOps !== undefined) add('node_disk_io_ops_write', 'int', Math.round(totals.write));
  if (r.readOps !== undefined && r.writeOps !== undefined) {
    add('node_disk_io_ops_total', 'int', Math.round(totals.read + totals.write));
  }
  add('node_disk_size', 'bytes', r.diskQuota === undefined ? undefined : Math.round(r.diskQuota));
  add(
    'node_disk_used_percentage',
    'percentage',
    r.diskUtilization === undefined ? undefined : r.diskUtilization * 100,
  );
  add('node_net_receive_count', 'int', r.netReceived === undefined ? undefined : Math.round(r.netReceived));
  add('node_net_send_count', 'int', r.netSent === undefined ? undefined : Math.round(r.netSent));
  const quota = r.memoryQuota;
  const usage = r.memoryUsagePercent;
  const available =
    r.memoryFreePercent !== undefined && r.memoryCachePercent !== undefined
      ? r.memoryFreePercent + r.memoryCachePercent
      : undefined;
  if (quota !== undefined && usage !== undefined)
    add('node_memory_used', 'bytes', Math.round((quota * usage) / 100));
  add('node_memory_used_percentage', 'percentage', usage);
  if (quota !== undefined && available !== undefined) {
    add('node_memory_freeable', 'bytes', Math.round((quota * available) / 100));
  }
  add('node_memory_available_percentage', 'percentage', available);
  return out;
}

export function cloudSqlHardwareCollector(api: CloudSqlApi, log: Logger): MetricCollector {
  const totals: OpTotals = { read: 0, write: 0 };
  return {
    key: 'hardware',
    async collect(signal) {
      const { readings, errors } = await fetchReadings(api, HARDWARE_READINGS, signal, log);
      // Nothing at all: report why (a missing monitoring.timeSeries.list permission, say).
      const [first] = errors;
      if (Object.keys(readings).length === 0 && first) throw first;
      return hardwareMetrics(readings, totals);
    },
  };
}

export interface GuardrailReaderOptions {
  /** Minimum time between Monitoring calls; the cached reading is used in between (default 5 s). */
  intervalMs?: number;
  now?: () => number;
}

/**
 * The guardrail's memory reading: memory/components Usage % of memory/quota. The guardrail ticks
 * every second; Monitoring is asked at most every `intervalMs` (its samples are a minute apart).
 * No reading when either value is unavailable.
 */
export function cloudSqlGuardrailReader(
  api: CloudSqlApi,
  log: Logger,
  opts: GuardrailReaderOptions = {},
): (signal: AbortSignal) => Promise<MemoryReading | null> {
  const intervalMs = opts.intervalMs ?? 5_000;
  const now = opts.now ?? Date.now;
  let last: { at: number; reading: MemoryReading | null } | undefined;
  return async (signal) => {
    if (last && now() - last.at < intervalMs) return last.reading;
    const { readings: r } = await fetchReadings(api, ['memoryQuota', 'memoryUsagePercent'], signal, log);
    const reading =
      r.memoryQuota !== undefined && r.memoryUsagePercent !== undefined && r.memoryQuota > 0
        ? {
            usedBytes: (r.memoryQuota * r.memoryUsagePercent) / 100,
            limitBytes: r.memoryQuota,
            source: 'cloud-monitoring',
          }
        : null;
    last = { at: now(), reading };
    return reading;
  };
}

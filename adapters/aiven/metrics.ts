/**
 * Aiven service metrics (docs/ADAPTERS.md §6): `ServiceMetricsFetch` for the last hour returns one data table
 * per metric; the value is the newest row's column whose label contains "(master)". Mapping:
 * cpu_usage → node_cpu_usage, disk_usage → node_disk_used_percentage, diskio_read/diskio_writes →
 * node_disk_iops_read/_write (+ _total), load_average → node_load_average, mem_available →
 * node_memory_available_percentage, mem_usage → node_memory_used_percentage, net_receive/net_send →
 * node_net_receive_per_second/_send_per_second. Aiven samples every 30 s, so the API is asked at most
 * once per `aiven.metric_resolution_seconds`.
 */
import type { Logger } from '../../src/log.js';
import type { Metric } from '../../src/platform/types.js';
import type { MemoryReading } from '../../guardrails/types.js';
import type { MetricCollector } from '../types.js';
import type { AivenApi, MetricTable } from './client.js';

export const METRIC_KEYS: Readonly<Record<string, { key: string; type: Metric['type'] }>> = {
  cpu_usage: { key: 'node_cpu_usage', type: 'float' },
  disk_usage: { key: 'node_disk_used_percentage', type: 'percentage' },
  diskio_read: { key: 'node_disk_iops_read', type: 'float' },
  diskio_writes: { key: 'node_disk_iops_write', type: 'float' },
  load_average: { key: 'node_load_average', type: 'float' },
  mem_available: { key: 'node_memory_available_percentage', type: 'percentage' },
  mem_usage: { key: 'node_memory_used_percentage', type: 'percentage' },
  net_receive: { key: 'node_net_receive_per_second', type: 'float' },
  net_send: { key: 'node_net_send_per_second', type: 'float' },
};

/** The newest value of the master node's column, or undefined when the table has none. */
export function masterValue(table: MetricTable | undefined): number | undefined {
  const cols = table?.data?.cols ?? [];
  const rows = table?.data?.rows ?? [];
  const index = cols.findIndex((c) => typeof c?.label === 'string' && c.label.includes('(master)'));
  const last = rows.at(-1);
  if (index < 0 || !Array.isArray(last)) return undefined;
  const v = last[index];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Known metrics → node_* metrics; unknown or unreadable ones are left out. */
export function hardwareMetrics(tables: Record<string, MetricTable>): Metric[] {
  const out: Metric[] = [];
  for (const [name, { key, type }] of Object.entries(METRIC_KEYS)) {
    const v = masterValue(tables[name]);
    if (v !== undefined) out.push({ key, type, value: v });
  }
  const read = masterValue(tables.diskio_read);
  const write = masterValue(tables.diskio_writes);
  if (read !== undefined && write !== undefined)
    out.push({ key: 'node_disk_iops_total', type: 'float', value: read + write });
  return out;
}

/** Used memory in percent: mem_usage, else 100 − mem_available. */
export function usedPercent(tables: Record<string, MetricTable>): number | undefined {
  const usage = masterValue(tables.mem_usage);
  if (usage !== undefined) return usage;
  const available = masterValue(tables.mem_available);
  return available === undefined ? undefined : 100 - available;
}

/** One fetch at most per resolution, shared by the collector and the guardrail. */
export class AivenMetricsCache {
  private last: { at: number; tables: Record<string, MetricTable> } | undefined;
  constructor(
    private readonly api: AivenApi,
    private readonly resolutionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(signal: AbortSignal): Promise<{ at: number; tables: Record<string, MetricTable> }> {
    if (this.last && this.now() - this.last.at < this.resolutionMs) return this.last;
    this.last = { at: this.now(), tables: await this.api.fetchMetrics(signal) };
    return this.last;
  }
}

/** `hardware`: new values once per resolution; nothing in between (no stale repeats). */
export function aivenHardwareCollector(cache: AivenMetricsCache): MetricCollector {
  let sent: number | undefined;
  return {
    key: 'hardware',
    async collect(signal) {
      const { at, tables } = await cache.get(signal);
      if (sent === at) return [];
      sent = at;
      return hardwareMetrics(tables);
    },
  };
}

/**
 * The guardrail reading: used memory (mem_usage, else 100 − mem_available) of the node's memory.
 * The evaluation then fires when USED memory is above the threshold (the Go agent compares the
 * available percentage, so it fires when memory is plentiful).
 */
export function aivenGuardrailReader(
  cache: AivenMetricsCache,
  memoryBytes: () => number,
  log: Logger,
): (signal: AbortSignal) => Promise<MemoryReading | null> {
  return async (signal) => {
    const { tables } = await cache.get(signal);
    const pct = usedPercent(tables);
    const total = memoryBytes();
    if (pct === undefined || !(total > 0)) {
      log.debug({}, 'aiven metrics have no memory reading');
      return null;
    }
    return { usedBytes: (pct / 100) * total, limitBytes: total, source: 'aiven-metrics' };
  };
}

/**
 * Hardware metrics and the memory guardrail reading from Azure Monitor's platform metrics for the
 * server: `cpu_percent` → node_cpu_usage, `memory_percent` → node_memory_used_percentage (and, for
 * the guardrail, bytes against the SKU's memory). Azure Monitor aggregates per minute, so one
 * Metrics - List call serves both consumers for a few seconds, and the newest minute that has an
 * average is the reading (the current minute often has none yet).
 * https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-monitoring
 */
import type { Metric } from '../../src/platform/types.js';
import type { MemoryReading } from '../../guardrails/types.js';
import type { MetricCollector } from '../types.js';
import type { AzureFlexApi, MetricSeries } from './api.js';

export const CPU_METRIC = 'cpu_percent';
export const MEMORY_METRIC = 'memory_percent';
/** How far back to look for the newest complete minute. */
const WINDOW_MS = 5 * 60_000;
/** Reuse one Azure Monitor answer this long (the data changes once a minute). */
export const REUSE_MS = 5_000;

export interface MonitorReading {
  cpuPercent: number | null;
  memoryPercent: number | null;
}

/** The newest data point with an average, or null. */
export function latestAverage(series: MetricSeries, name: string): number | null {
  const points = series[name] ?? [];
  for (let i = points.length - 1; i >= 0; i--) {
    const v = points[i]?.average;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/** One Azure Monitor reader shared by the hardware collector and the guardrail. */
export function monitorReader(api: AzureFlexApi, now: () => number = Date.now) {
  let last: { at: number; reading: MonitorReading } | undefined;
  let pending: Promise<MonitorReading> | undefined;
  return (signal: AbortSignal): Promise<MonitorReading> => {
    if (last && now() - last.at < REUSE_MS) return Promise.resolve(last.reading);
    pending ??= (async () => {
      const end = new Date(now());
      const series = await api.metrics(
        [CPU_METRIC, MEMORY_METRIC],
        new Date(end.getTime() - WINDOW_MS),
        end,
        signal,
      );
      const reading = {
        cpuPercent: latestAverage(series, CPU_METRIC),
        memoryPercent: latestAverage(series, MEMORY_METRIC),
      };
      last = { at: now(), reading };
      return reading;
    })().finally(() => (pending = undefined));
    return pending;
  };
}

export type MonitorRead = ReturnType<typeof monitorReader>;

/** `hardware`: the two percentages; a metric without a data point is left out, not reported as 0. */
export function monitorHardwareCollector(read: MonitorRead): MetricCollector {
  return {
    key: 'hardware',
    async collect(signal): Promise<Metric[]> {
      const r = await read(signal);
      const out: Metric[] = [];
      if (r.cpuPercent !== null) out.push({ key: 'node_cpu_usage', type: 'float', value: r.cpuPercent });
      if (r.memoryPercent !== null)
        out.push({ key: 'node_memory_used_percentage', type: 'percentage', value: r.memoryPercent });
      return out;
    },
  };
}

/** The guardrail reading: memory_percent of the SKU's memory; null while Azure has no data point. */
export function monitorGuardrailReader(
  read: MonitorRead,
  memoryBytes: number,
): (signal: AbortSignal) => Promise<MemoryReading | null> {
  return async (signal) => {
    const r = await read(signal);
    if (r.memoryPercent === null) return null;
    return {
      usedBytes: (r.memoryPercent / 100) * memoryBytes,
      limitBytes: memoryBytes,
      source: 'azure-monitor',
    };
  };
}

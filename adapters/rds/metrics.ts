/**
 * Hardware metrics and the guardrail reading from CloudWatch and Performance Insights. CloudWatch:
 * one GetMetricData call per tick for FreeableMemory, CPUUtilization, ReadIOPS and WriteIOPS (namespace AWS/RDS, dimension DBInstanceIdentifier, latest 1-minute average of the last
 * 5 minutes). Performance Insights, when enabled on the instance: `os.memory.active.avg` (kB).
 * A metric without data, or whose call failed, is omitted, never reported as zero.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights_Counters.html
 */
import type { MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MemoryReading } from '../../guardrails/types.js';
import { errorMessage } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { Metric } from '../../src/platform/types.js';
import type { MetricCollector } from '../types.js';
import type { AwsApi, MetricQuery } from './client.js';
import type { InstanceInfo } from './instance.js';

const WINDOW_MS = 5 * 60_000;
const PERIOD_SECONDS = 60;
/** The guardrail asks AWS at most every 5 s (the runner ticks every second). */
export const GUARDRAIL_INTERVAL_MS = 5_000;
export const PI_ACTIVE_MEMORY = 'os.memory.active.avg';

export const HARDWARE_QUERIES: readonly MetricQuery[] = [
  { id: 'freeable', metric: 'FreeableMemory' },
  { id: 'cpu', metric: 'CPUUtilization' },
  { id: 'read_iops', metric: 'ReadIOPS' },
  { id: 'write_iops', metric: 'WriteIOPS' },
];

export interface MetricsDeps {
  api: AwsApi;
  instanceId: string;
  /** The latest instance description (memory, Performance Insights identifier). */
  instance: () => InstanceInfo;
  log: Logger;
  now: () => number;
}

/** The latest datapoint of a result, or undefined when it has none. */
export function latestValue(result: MetricDataResult | undefined): number | undefined {
  if (!result || (result.StatusCode !== 'Complete' && result.StatusCode !== 'PartialData')) return undefined;
  const values = result.Values ?? [];
  const times = result.Timestamps ?? [];
  let best: { t: number; v: number } | undefined;
  values.forEach((v, i) => {
    const t = times[i]?.getTime() ?? 0;
    if (Number.isFinite(v) && (!best || t > best.t)) best = { t, v };
  });
  return best?.v;
}

function window(now: number) {
  return { start: new Date(now - WINDOW_MS), end: new Date(now), periodSeconds: PERIOD_SECONDS };
}

async function cloudwatchMetrics(d: MetricsDeps, signal: AbortSignal): Promise<Metric[]> {
  const results = await d.api.metricData(d.instanceId, HARDWARE_QUERIES, window(d.now()), signal);
  const byId = (id: string) => latestValue(results.find((r) => r.Id === id));
  const out: Metric[] = [];
  const freeable = byId('freeable');
  const cpu = byId('cpu');
  const read = byId('read_iops');
  const write = byId('write_iops');
  if (freeable !== undefined)
    out.push({ key: 'node_memory_freeable', type: 'bytes', value: Math.round(freeable) });
  if (cpu !== undefined) out.push({ key: 'node_cpu_usage', type: 'float', value: cpu });
  if (read !== undefined) out.push({ key: 'node_disk_iops_read', type: 'float', value: read });
  if (write !== undefined) out.push({ key: 'node_disk_iops_write', type: 'float', value: write });
  if (read !== undefined && write !== undefined)
    out.push({ key: 'node_disk_iops_total', type: 'float', value: read + write });
  return out;
}

async function activeMemoryBytes(
  d: MetricsDeps,
  info: InstanceInfo,
  signal: AbortSignal,
): Promise<number | undefined> {
  if (!info.resourceId) return undefined;
  const kb = await d.api.piLatest(info.resourceId, PI_ACTIVE_MEMORY, window(d.now()), signal);
  return kb === undefined ? undefined : Math.round(kb * 1024);
}

/** `hardware`: CloudWatch plus Performance Insights; a failed source drops only its own metrics. */
export function rdsHardwareCollector(d: MetricsDeps): MetricCollector {
  return {
    key: 'hardware',
    async collect(signal): Promise<Metric[]> {
      const info = d.instance();
      const sources: [string, Promise<Metric[]>][] = [['cloudwatch', cloudwatchMetrics(d, signal)]];
      if (info.piEnabled) {
        sources.push([
          'performance-insights',
          activeMemoryBytes(d, info, signal).then((used) =>
            used === undefined
              ? []
              : [{ key: 'node_memory_used', type: 'bytes', value: used } satisfies Metric],
          ),
        ]);
      }
      const settled = await Promise.allSettled(sources.map(([, p]) => p));
      const failed = settled.flatMap((s, i) =>
        s.status === 'rejected' ? [{ source: sources[i]![0], err: s.reason as unknown }] : [],
      );
      if (failed.length === sources.length) throw failed[0]!.err;
      for (const f of failed)
        d.log.warn(
          { source: f.source, err: errorMessage(f.err) },
          'metric source failed; its metrics omitted',
        );
      return settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
    },
  };
}

/**
 * The guardrail reading: active memory from Performance Insights against the instance's memory when
 * it is enabled, else CloudWatch FreeableMemory (a `freeable` reading). At most one AWS call per 5 s;
 * in between, and when AWS has no datapoint, no reading (null).
 */
export function rdsGuardrailReader(d: MetricsDeps): (signal: AbortSignal) => Promise<MemoryReading | null> {
  let lastAt: number | undefined;
  return async (signal) => {
    const now = d.now();
    if (lastAt !== undefined && now - lastAt < GUARDRAIL_INTERVAL_MS) return null;
    lastAt = now;
    const info = d.instance();
    if (info.piEnabled) {
      const used = await activeMemoryBytes(d, info, signal);
      return used === undefined
        ? null
        : { usedBytes: used, limitBytes: info.memoryBytes, source: 'performance-insights' };
    }
    const results = await d.api.metricData(d.instanceId, [HARDWARE_QUERIES[0]!], window(now), signal);
    const freeable = latestValue(results[0]);
    return freeable === undefined
      ? null
      : { usedBytes: freeable, limitBytes: info.memoryBytes, source: 'cloudwatch', kind: 'freeable' };
  };
}

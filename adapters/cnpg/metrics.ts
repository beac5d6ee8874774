/**
 * Hardware metrics and the memory guardrail reading for the measured pod (the primary unless
 * `cnpg.pod_name` is set): CPU and memory from metrics-server against the container's limits
 * (see resources.ts), disk operations and network bytes from the node's cAdvisor counters as
 * deltas between samples.
 */
import type { Logger } from '../../src/log.js';
import type { Metric } from '../../src/platform/types.js';
import type { MemoryReading } from '../../guardrails/types.js';
import type { MetricCollector } from '../types.js';
import type { CadvisorSample } from './cadvisor.js';
import type { PodReader } from './pod-reader.js';

const clampPercent = (x: number) => Math.min(100, Math.max(0, x));

/** `hardware`: CPU % of the CPU limit, memory used, memory used % of the memory limit. */
export function podHardwareCollector(reader: PodReader): MetricCollector {
  return {
    key: 'hardware',
    async collect(signal): Promise<Metric[]> {
      const info = await reader.info(signal);
      const usage = await reader.usage(info.name, signal);
      return [
        {
          key: 'node_cpu_usage',
          type: 'float',
          value: clampPercent((usage.cpuMillicores / info.cpu.value) * 100),
        },
        { key: 'node_memory_used', type: 'bytes', value: usage.memoryBytes },
        {
          key: 'node_memory_used_percentage',
          type: 'percentage',
          value: clampPercent((usage.memoryBytes / info.memory.value) * 100),
        },
      ];
    },
  };
}

type Counters = Pick<CadvisorSample, 'reads' | 'writes' | 'rxBytes' | 'txBytes'>;

/**
 * `cadvisor`: disk operations and network bytes since the previous sample of the same pod, and
 * their rates over the cAdvisor sample interval. Nothing on the first sample, after the pod
 * changed, when the sample time did not move (cAdvisor caches ~10 s), or for a counter that went
 * backwards (container restarted).
 */
export function podCadvisorCollector(reader: PodReader): MetricCollector {
  let previous: { pod: string; at: number; c: Counters } | null = null;
  return {
    key: 'cadvisor',
    async collect(signal): Promise<Metric[]> {
      const info = await reader.info(signal);
      const nodeName = info.pod.spec?.nodeName ?? '';
      const s = await reader.cadvisor(nodeName, info.name, signal);
      const at = s.timestampMs;
      const prev = previous;
      if (at === null) return [];
      if (prev && prev.pod === info.name && at === prev.at) return [];
      previous = { pod: info.name, at, c: s };
      if (!prev || prev.pod !== info.name || at < prev.at) return [];
      const seconds = (at - prev.at) / 1000;
      const out: Metric[] = [];
      const delta = (now: number | null, before: number | null) =>
        now !== null && before !== null && now >= before ? now - before : null;
      const reads = delta(s.reads, prev.c.reads);
      const writes = delta(s.writes, prev.c.writes);
      if (reads !== null && writes !== null) {
        out.push(
          { key: 'node_disk_io_ops_read', type: 'int', value: reads },
          { key: 'node_disk_io_ops_write', type: 'int', value: writes },
          { key: 'node_disk_io_ops_total', type: 'int', value: reads + writes },
          { key: 'node_disk_iops_read', type: 'float', value: reads / seconds },
          { key: 'node_disk_iops_write', type: 'float', value: writes / seconds },
          { key: 'node_disk_iops_total', type: 'float', value: (reads + writes) / seconds },
        );
      }
      const rx = delta(s.rxBytes, prev.c.rxBytes);
      const tx = delta(s.txBytes, prev.c.txBytes);
      if (rx !== null && tx !== null) {
        out.push(
          { key: 'node_net_receive_count', type: 'int', value: rx },
          { key: 'node_net_send_count', type: 'int', value: tx },
          { key: 'node_net_receive_per_second', type: 'float', value: rx / seconds },
          { key: 'node_net_send_per_second', type: 'float', value: tx / seconds },
        );
      }
      return out;
    },
  };
}

/** The guardrail's reading: the pod's memory usage against its limit (limit → request → cgroup → node). */
export function podGuardrailReader(
  reader: PodReader,
  log: Logger,
): (signal: AbortSignal) => Promise<MemoryReading | null> {
  let lastSource: string | undefined;
  return async (signal) => {
    const info = await reader.info(signal);
    const usage = await reader.usage(info.name, signal);
    if (info.memory.source !== lastSource) {
      lastSource = info.memory.source;
      log.info(
        { pod: info.name, limitBytes: info.memory.value, from: info.memory.source },
        'memory guardrail limit',
      );
    }
    return {
      usedBytes: usage.memoryBytes,
      limitBytes: info.memory.value,
      source: `cnpg-${info.memory.source}`,
    };
  };
}

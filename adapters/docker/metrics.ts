/**
 * Container metrics from the Docker Engine API stats endpoint (docs/ADAPTERS.md §3, docs/PROTOCOL.md §5): the `hardware`
 * collector (CPU % and memory used) and the memory guardrail reading. Formulas in stats.ts.
 */
import type { Logger } from '../../src/log.js';
import type { Metric } from '../../src/platform/types.js';
import type { MemoryReading } from '../../guardrails/types.js';
import type { MetricCollector } from '../types.js';
import type { DockerApi } from './client.js';
import { cpuUsagePercent, memoryLimitBytes, memoryUsedBytes } from './stats.js';

/**
 * `hardware`: one full sample (`stream=false`, not one-shot) so the engine fills `precpu_stats`
 * and the CPU delta covers the engine's own sampling interval.
 */
export function containerHardwareCollector(api: DockerApi, container: string): MetricCollector {
  return {
    key: 'hardware',
    async collect(signal): Promise<Metric[]> {
      const sample = await api.stats(container, signal, false);
      return [
        { key: 'node_cpu_usage', type: 'float', value: cpuUsagePercent(sample) },
        { key: 'node_memory_used', type: 'bytes', value: memoryUsedBytes(sample.memory_stats) },
      ];
    },
  };
}

/**
 * The guardrail's memory reading: used (cache excluded) against the container's memory limit. A
 * one-shot sample, because the guardrail runs every second under a sub-second deadline. Without a
 * limit there is nothing to compare against: null, with one warning for the process's lifetime.
 */
export function containerGuardrailReader(
  api: DockerApi,
  container: string,
  log: Logger,
): (signal: AbortSignal) => Promise<MemoryReading | null> {
  let warned = false;
  return async (signal) => {
    const sample = await api.stats(container, signal, true);
    const limitBytes = memoryLimitBytes(sample.memory_stats);
    if (limitBytes === null) {
      if (!warned) log.warn({ container }, 'container has no memory limit; memory guardrail disabled');
      warned = true;
      return null;
    }
    return { usedBytes: memoryUsedBytes(sample.memory_stats), limitBytes, source: 'docker' };
  };
}

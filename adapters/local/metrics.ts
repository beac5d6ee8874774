/**
 * The `hardware` metric collector for this host (docs/ADAPTERS.md §2): CPU usage, memory used
 * (total − available), and disk I/O operation counts as deltas from the second tick on.
 */
import type { MetricCollector } from '../types.js';
import type { Metric } from '../../src/platform/types.js';
import { readDiskOps, type DiskOps } from './diskstats.js';
import { si } from './si-modules.js';

export function hostHardwareCollector(): MetricCollector {
  let previous: DiskOps | undefined;
  return {
    key: 'hardware',
    async collect(): Promise<Metric[]> {
      const [load, mem, now] = await Promise.all([si.currentLoad(), si.mem(), readDiskOps()]);
      const metrics: Metric[] = [
        { key: 'node_cpu_usage', type: 'float', value: load.currentLoad },
        { key: 'node_memory_used', type: 'bytes', value: mem.total - mem.available },
      ];
      if (now) {
        // A counter that went backwards (wrap, device change) yields no delta this tick.
        if (previous && now.read >= previous.read && now.write >= previous.write) {
          const read = now.read - previous.read;
          const write = now.write - previous.write;
          metrics.push(
            { key: 'node_disk_io_ops_read', type: 'int', value: read },
            { key: 'node_disk_io_ops_write', type: 'int', value: write },
            { key: 'node_disk_io_ops_total', type: 'int', value: read + write },
          );
        }
        previous = now;
      }
      return metrics;
    },
  };
}

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { CloudSqlApi } from './client.js';
import { cloudSqlGuardrailReader, hardwareMetrics } from './metrics.js';

describe('hardwareMetrics', () => {
  it('omits every metric whose reading is missing, never reporting zero', () => {
    const totals = { read: 0, write: 0 };
    expect(hardwareMetrics({ cpuUtilization: 0.5, readOps: 120 }, totals)).toEqual([
      { key: 'node_cpu_usage', type: 'float', value: 50 },
      { key: 'node_disk_iops_read', type: 'float', value: 2 },
      { key: 'node_disk_io_ops_read', type: 'int', value: 120 },
    ]);
    expect(
      hardwareMetrics({ readOps: 60 }, totals).find((m) => m.key === 'node_disk_io_ops_read')?.value,
    ).toBe(180);
    expect(hardwareMetrics({}, totals)).toEqual([]);
  });

  it('derives memory bytes from the quota and the component percentages', () => {
    const m = hardwareMetrics(
      { memoryQuota: 1000, memoryUsagePercent: 40, memoryFreePercent: 10, memoryCachePercent: 50 },
      { read: 0, write: 0 },
    );
    expect(Object.fromEntries(m.map((x) => [x.key, x.value]))).toEqual({
      node_memory_used: 400,
      node_memory_used_percentage: 40,
      node_memory_freeable: 600,
      node_memory_available_percentage: 60,
    });
  });
});

describe('cloudSqlGuardrailReader', () => {
  it('asks Monitoring at most every interval and has no reading without both values', async () => {
    let calls = 0;
    let usage: number | null = 50;
    const api = {
      latestPoint: (type: string) => {
        calls++;
        if (type.endsWith('memory/quota')) return Promise.resolve(1000);
        return usage === null ? Promise.reject(new Error('no series')) : Promise.resolve(usage);
      },
    } as unknown as CloudSqlApi;
    let now = 0;
    const read = cloudSqlGuardrailReader(api, silentLogger(), { intervalMs: 5_000, now: () => now });
    const signal = new AbortController().signal;
    expect(await read(signal)).toEqual({ usedBytes: 500, limitBytes: 1000, source: 'cloud-monitoring' });
    now = 4_999;
    usage = 99;
    expect((await read(signal))?.usedBytes).toBe(500);
    expect(calls).toBe(2);
    now = 5_000;
    expect((await read(signal))?.usedBytes).toBe(990);
    usage = null;
    now = 10_000;
    expect(await read(signal)).toBeNull();
  });
});

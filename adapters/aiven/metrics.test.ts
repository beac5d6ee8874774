import { describe, expect, it } from 'vitest';
import { evaluate } from '../../guardrails/index.js';
import { silentLogger } from '../../src/log.js';
import type { AivenApi, MetricTable } from './client.js';
import {
  aivenGuardrailReader,
  aivenHardwareCollector,
  AivenMetricsCache,
  hardwareMetrics,
  masterValue,
  usedPercent,
} from './metrics.js';

const table = (master: unknown, cols = ['time', 'pg-1 (standby)', 'pg-2 (master)']): MetricTable => ({
  data: {
    cols: cols.map((label) => ({ label })),
    rows: [
      ['t0', 1, 2],
      ['t1', 3, master],
    ],
  },
});

describe('aiven metrics', () => {
  it("reads the newest row's master column, or nothing", () => {
    expect(masterValue(table(42))).toBe(42);
    expect(masterValue(table(null))).toBeUndefined();
    expect(masterValue(table(42, ['time', 'a', 'b']))).toBeUndefined();
    expect(masterValue({ data: { cols: [], rows: [] } })).toBeUndefined();
  });

  it('maps known metrics to node_* keys and leaves out unreadable ones', () => {
    expect(
      hardwareMetrics({
        cpu_usage: table(10),
        net_send: table(5),
        diskio_read: table(null),
        unknown_metric: table(1),
      }),
    ).toEqual([
      { key: 'node_cpu_usage', type: 'float', value: 10 },
      { key: 'node_net_send_per_second', type: 'float', value: 5 },
    ]);
  });

  it('fires the guardrail when USED memory is above the threshold (the Go agent compares available memory)', async () => {
    expect(usedPercent({ mem_available: table(70) })).toBe(30);
    expect(usedPercent({ mem_usage: table(45), mem_available: table(70) })).toBe(45);
    const readingFor = async (tables: Record<string, MetricTable>) => {
      const api = { fetchMetrics: () => Promise.resolve(tables) } as unknown as AivenApi;
      return aivenGuardrailReader(
        new AivenMetricsCache(api, 1000),
        () => 1000,
        silentLogger(),
      )(new AbortController().signal);
    };
    const plenty = await readingFor({ mem_available: table(95) });
    expect(evaluate(plenty!, { memoryThreshold: 90 })).toBeNull();
    const short = await readingFor({ mem_available: table(5) });
    expect(evaluate(short!, { memoryThreshold: 90 })).toEqual({ level: 'critical', type: 'memory' });
    expect(await readingFor({})).toBeNull();
  });

  it('fetches at most once per resolution and sends each sample once', async () => {
    let calls = 0;
    const api = {
      fetchMetrics: () => (calls++, Promise.resolve({ cpu_usage: table(calls) })),
    } as unknown as AivenApi;
    let now = 0;
    const collector = aivenHardwareCollector(new AivenMetricsCache(api, 30_000, () => now));
    const signal = new AbortController().signal;
    expect(await collector.collect(signal)).toEqual([{ key: 'node_cpu_usage', type: 'float', value: 1 }]);
    now = 29_999;
    expect(await collector.collect(signal)).toEqual([]);
    now = 30_000;
    expect(await collector.collect(signal)).toEqual([{ key: 'node_cpu_usage', type: 'float', value: 2 }]);
    expect(calls).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import type { AzureFlexApi, MetricSeries } from './api.js';
import { latestAverage, monitorReader, REUSE_MS } from './metrics.js';

describe('latestAverage', () => {
  it('takes the newest point that has an average (the current minute often has none)', () => {
    const series: MetricSeries = {
      cpu_percent: [{ timeStamp: 't0', average: 10 }, { timeStamp: 't1', average: 20 }, { timeStamp: 't2' }],
    };
    expect(latestAverage(series, 'cpu_percent')).toBe(20);
    expect(latestAverage(series, 'memory_percent')).toBeNull();
    expect(latestAverage({ cpu_percent: [{ timeStamp: 't0' }] }, 'cpu_percent')).toBeNull();
  });
});

describe('monitorReader', () => {
  it('reuses one answer for REUSE_MS, then asks Azure Monitor again over the last five minutes', async () => {
    const clock = { t: 1_700_000_000_000 };
    const calls: { names: readonly string[]; start: Date; end: Date }[] = [];
    const api = {
      metrics: (names: readonly string[], start: Date, end: Date) => {
        calls.push({ names, start, end });
        return Promise.resolve({ cpu_percent: [{ timeStamp: 't', average: calls.length }] });
      },
    } as unknown as AzureFlexApi;
    const read = monitorReader(api, () => clock.t);
    const signal = new AbortController().signal;
    expect(await read(signal)).toEqual({ cpuPercent: 1, memoryPercent: null });
    clock.t += REUSE_MS - 1;
    expect((await read(signal)).cpuPercent).toBe(1);
    clock.t += 1;
    expect((await read(signal)).cpuPercent).toBe(2);
    expect(calls[0]!.names).toEqual(['cpu_percent', 'memory_percent']);
    expect(calls[0]!.end.getTime() - calls[0]!.start.getTime()).toBe(5 * 60_000);
  });
});

import { describe, expect, it } from 'vitest';
import {
  aggregate,
  latencyFromPgss,
  measureWindow,
  samplesFromMetrics,
  TpsTracker,
  type Sample,
} from './measurements.js';
import { judgeWindow, type WindowInput } from './window.js';

const tick = (commits: number | bigint, atIso: string, tps?: number) => ({
  collected_at: atIso,
  rows: [{ xact_commit: commits, ...(tps === undefined ? {} : { tps }) }],
});

const tpsSample = (value: number, at = 0, source: Sample['source'] = 'catalog'): Sample => ({
  metric: 'tps',
  value,
  weight: 1,
  source,
  at,
});

describe('TpsTracker', () => {
  it('uses the agent tps when present', () => {
    const t = new TpsTracker();
    expect(t.read(tick(100, '2026-01-01T00:00:00Z', 123.5), 1)?.value).toBe(123.5);
  });

  it('derives the rate from xact_commit when tps is omitted (0 TPS is omitted by the agent)', () => {
    const t = new TpsTracker();
    expect(t.read(tick(1000, '2026-01-01T00:00:00Z'), 1)).toBeNull(); // first tick: no rate yet
    expect(t.read(tick(1000, '2026-01-01T00:00:05Z'), 2)?.value).toBe(0);
    expect(t.read(tick(1500, '2026-01-01T00:00:10Z'), 3)?.value).toBe(100);
  });

  it('handles int64 counters beyond 2^53 and skips a counter reset', () => {
    const t = new TpsTracker();
    const big = 2n ** 60n;
    t.read(tick(big, '2026-01-01T00:00:00Z'), 1);
    expect(t.read(tick(big + 50n, '2026-01-01T00:00:05Z'), 2)?.value).toBe(10);
    expect(t.read(tick(7, '2026-01-01T00:00:10Z'), 3)).toBeNull();
  });

  it('ignores malformed payloads', () => {
    const t = new TpsTracker();
    expect(t.read({ rows: [] }, 1)).toBeNull();
    expect(t.read('x', 1)).toBeNull();
  });
});

describe('latencyFromPgss', () => {
  it('reads average_query_runtime weighted by the calls of the deltas', () => {
    const s = latencyFromPgss(
      { delta_count: 2, average_query_runtime: 1.5, deltas: [{ calls: 3 }, { calls: 7n }] },
      5,
    );
    expect(s).toMatchObject({ metric: 'latency', value: 1.5, weight: 10, at: 5 });
  });

  it('gives nothing without deltas (first tick, idle database)', () => {
    expect(latencyFromPgss({ delta_count: 0, average_query_runtime: 0 }, 1)).toBeNull();
  });
});

describe('aggregate', () => {
  it('is the weighted mean, not the median (dips are part of throughput)', () => {
    const samples = [tpsSample(100), tpsSample(100), tpsSample(10)];
    expect(aggregate(samples, 'tps')?.value).toBe(70);
    const lat: Sample[] = [
      { metric: 'latency', value: 1, weight: 9, source: 'catalog', at: 0 },
      { metric: 'latency', value: 11, weight: 1, source: 'catalog', at: 0 },
    ];
    expect(aggregate(lat, 'latency')?.value).toBe(2);
  });

  it('prefers catalog samples and falls back to metrics ones', () => {
    const both = [tpsSample(100), tpsSample(500, 0, 'metrics')];
    expect(aggregate(both, 'tps')).toEqual({ value: 100, count: 1, samples: [100] });
    expect(aggregate([tpsSample(500, 0, 'metrics')], 'tps')?.value).toBe(500);
    expect(aggregate([], 'tps')).toBeNull();
  });

  it('reads the legacy perf_* metric keys', () => {
    const s = samplesFromMetrics(
      { metrics: { perf_transactions_per_second: 42, perf_average_query_runtime: 3 } },
      1,
    );
    expect(s.map((x) => [x.metric, x.value, x.source])).toEqual([
      ['tps', 42, 'metrics'],
      ['latency', 3, 'metrics'],
    ]);
  });

  it('measures the window on the objective metric', () => {
    expect(measureWindow([tpsSample(10), tpsSample(20)], 'tps')).toEqual({
      tps: 15,
      latencyMs: 0,
      samples: [10, 20],
      latencyMeasured: false,
    });
    expect(measureWindow([tpsSample(10)], 'latency')).toBeNull();
  });
});

describe('judgeWindow', () => {
  const base: WindowInput = {
    samples: [tpsSample(100), tpsSample(120), tpsSample(140)],
    objective: 'tps',
    measureFrom: 1000,
    now: 1000 + 60_000,
    windowMs: 60_000,
    kind: 'bo',
    agentAlive: true,
    latencyExpected: false,
  };

  it('waits until the window has elapsed', () => {
    expect(judgeWindow({ ...base, now: 1000 + 59_999 })).toEqual({ action: 'wait' });
  });

  it('records the mean once the window is complete', () => {
    expect(judgeWindow(base)).toEqual({
      action: 'record',
      measurement: { tps: 120, latencyMs: 0, samples: [100, 120, 140] },
    });
  });

  it('waits for enough readings (one per 5 s, at most 3), but not forever', () => {
    const two = { ...base, samples: [tpsSample(100), tpsSample(120)] };
    expect(judgeWindow(two)).toEqual({ action: 'wait' });
    expect(judgeWindow({ ...two, windowMs: 10_000, now: 1000 + 10_000 }).action).toBe('record');
    expect(judgeWindow({ ...two, now: 1000 + 180_000 }).action).toBe('record');
  });

  it('waits for a latency reading on the baseline when the agent sends pg_stat_statements', () => {
    const baseline = { ...base, kind: 'baseline' as const, latencyExpected: true };
    expect(judgeWindow(baseline)).toEqual({ action: 'wait' });
    const lat: Sample = { metric: 'latency', value: 2, weight: 1, source: 'catalog', at: 0 };
    expect(judgeWindow({ ...baseline, samples: [...base.samples, lat] })).toMatchObject({
      action: 'record',
      measurement: { latencyMs: 2 },
    });
    expect(judgeWindow({ ...base, latencyExpected: true }).action).toBe('record'); // tuned: no need
  });

  it('measures the baseline again when it saw no workload', () => {
    const v = judgeWindow({ ...base, kind: 'baseline', samples: [tpsSample(0), tpsSample(0), tpsSample(0)] });
    expect(v.action).toBe('remeasure');
  });

  it('records a stalled tuned configuration only after twice the window and while the agent is alive', () => {
    const stalled = { ...base, objective: 'latency' as const, samples: [tpsSample(0)] };
    expect(judgeWindow(stalled)).toEqual({ action: 'wait' });
    expect(judgeWindow({ ...stalled, now: 1000 + 120_000, agentAlive: false })).toEqual({ action: 'wait' });
    expect(judgeWindow({ ...stalled, now: 1000 + 120_000 })).toEqual({
      action: 'record',
      measurement: { tps: 0, latencyMs: 0, samples: [] },
    });
    expect(judgeWindow({ ...stalled, now: 1000 + 120_000, kind: 'revert' })).toEqual({ action: 'wait' });
  });
});

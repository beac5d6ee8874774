import { describe, expect, it } from 'vitest';
import {
  cpuCount,
  cpuUsagePercent,
  memoryLimitBytes,
  memoryUsedBytes,
  type ContainerStatsSample,
} from './stats.js';

function cpuSample(total: number, system: number, preTotal: number, preSystem: number): ContainerStatsSample {
  return {
    cpu_stats: { cpu_usage: { total_usage: total }, system_cpu_usage: system, online_cpus: 8 },
    precpu_stats: { cpu_usage: { total_usage: preTotal }, system_cpu_usage: preSystem, online_cpus: 8 },
  };
}

describe('cpuUsagePercent', () => {
  it('is cpu delta over system delta × 100, not multiplied by the CPU count (Go #137)', () => {
    // 1 s of container CPU time over 10 s of system time (all CPUs) → 10 %, even with 8 CPUs online.
    expect(cpuUsagePercent(cpuSample(3e9, 50e9, 2e9, 40e9))).toBeCloseTo(10, 10);
    expect(cpuUsagePercent(cpuSample(2_500, 10_000, 1_000, 7_000))).toBeCloseTo(50, 10);
  });

  it('is 0 when either delta is not positive', () => {
    expect(cpuUsagePercent(cpuSample(2e9, 50e9, 2e9, 40e9))).toBe(0); // no CPU used
    expect(cpuUsagePercent(cpuSample(3e9, 40e9, 2e9, 40e9))).toBe(0); // no system time passed
    expect(cpuUsagePercent(cpuSample(1e9, 50e9, 2e9, 40e9))).toBe(0); // counter reset
    expect(cpuUsagePercent(cpuSample(3e9, 30e9, 2e9, 40e9))).toBe(0);
  });

  it('is 0 for a one-shot sample with an empty precpu_stats', () => {
    expect(
      cpuUsagePercent({
        cpu_stats: { cpu_usage: { total_usage: 3e9 }, system_cpu_usage: 50e9 },
        precpu_stats: { cpu_usage: { total_usage: 0 } },
      }),
    ).toBe(0);
    expect(cpuUsagePercent({})).toBe(0);
  });
});

describe('memoryUsedBytes', () => {
  it('cgroup v1: subtracts total_inactive_file when below usage', () => {
    expect(
      memoryUsedBytes({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100, cache: 400 } }),
    ).toBe(700);
  });

  it('cgroup v1: falls through when total_inactive_file is not below usage', () => {
    expect(memoryUsedBytes({ usage: 1000, stats: { total_inactive_file: 1000 } })).toBe(1000);
    expect(memoryUsedBytes({ usage: 1000, stats: { total_inactive_file: 1500, inactive_file: 200 } })).toBe(
      800,
    );
  });

  it('cgroup v2: subtracts inactive_file when below usage', () => {
    expect(memoryUsedBytes({ usage: 1000, stats: { inactive_file: 250, file: 600 } })).toBe(750);
    expect(memoryUsedBytes({ usage: 1000, stats: { inactive_file: 1200 } })).toBe(1000);
  });

  it('no cache figures: usage as is', () => {
    expect(memoryUsedBytes({ usage: 1000, stats: {} })).toBe(1000);
    expect(memoryUsedBytes({ usage: 1000 })).toBe(1000);
  });

  it('throws when usage is 0 or missing', () => {
    expect(() => memoryUsedBytes({ usage: 0, stats: { inactive_file: 0 } })).toThrow(/memory usage is 0/);
    expect(() => memoryUsedBytes({})).toThrow(/memory usage is 0/);
    expect(() => memoryUsedBytes(undefined)).toThrow(/memory usage is 0/);
  });
});

describe('memoryLimitBytes', () => {
  it('returns the limit, or null for 0, missing, or the cgroup v1 unlimited value', () => {
    expect(memoryLimitBytes({ limit: 2 * 1024 ** 3 })).toBe(2 * 1024 ** 3);
    expect(memoryLimitBytes({ limit: 0 })).toBeNull();
    expect(memoryLimitBytes({})).toBeNull();
    expect(memoryLimitBytes(undefined)).toBeNull();
    expect(memoryLimitBytes({ limit: 9_223_372_036_854_771_712 })).toBeNull();
  });
});

describe('cpuCount', () => {
  const perCpu = (n: number): ContainerStatsSample => ({
    cpu_stats: {
      cpu_usage: { total_usage: 1, percpu_usage: Array.from({ length: n }, () => 1) },
      online_cpus: 16,
    },
  });
  const v2 = (online: number): ContainerStatsSample => ({
    cpu_stats: { cpu_usage: { total_usage: 1 }, online_cpus: online },
  });

  it('NanoCpus / 1e9 first, truncated', () => {
    expect(cpuCount({ NanoCpus: 2e9, CpuQuota: 800_000, CpuPeriod: 100_000 }, perCpu(16))).toBe(2);
    expect(cpuCount({ NanoCpus: 2.5e9 }, perCpu(16))).toBe(2);
  });

  it('then CpuQuota / CpuPeriod, truncated (period defaults to 100 ms)', () => {
    expect(cpuCount({ NanoCpus: 0, CpuQuota: 300_000, CpuPeriod: 100_000 }, perCpu(16))).toBe(3);
    expect(cpuCount({ CpuQuota: 150_000, CpuPeriod: 50_000 }, perCpu(16))).toBe(3);
    expect(cpuCount({ CpuQuota: 350_000, CpuPeriod: 0 }, perCpu(16))).toBe(3);
  });

  it('then the number of per-CPU usage entries', () => {
    expect(cpuCount({ NanoCpus: 0, CpuQuota: 0, CpuPeriod: 0 }, perCpu(6))).toBe(6);
    expect(cpuCount(undefined, perCpu(3))).toBe(3);
    expect(cpuCount({ CpuQuota: -1, CpuPeriod: 100_000 }, perCpu(4))).toBe(4); // -1 = unlimited
  });

  it('then online_cpus (cgroup v2 has no per-CPU list)', () => {
    expect(cpuCount({}, v2(12))).toBe(12);
  });

  it('is at least 1 (Go #141)', () => {
    expect(cpuCount({ NanoCpus: 5e8 }, perCpu(16))).toBe(1);
    expect(cpuCount({ CpuQuota: 50_000, CpuPeriod: 100_000 }, perCpu(16))).toBe(1);
    expect(cpuCount({}, {})).toBe(1);
    expect(cpuCount({}, { cpu_stats: { cpu_usage: { percpu_usage: [] }, online_cpus: 0 } })).toBe(1);
  });
});

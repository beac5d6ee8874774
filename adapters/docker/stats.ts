/**
 * Pure arithmetic on Docker Engine API payloads (`GET /containers/{id}/stats`, `GET /containers/{id}/json`),
 * following the formulas of the Engine API reference, ContainerStats:
 * https://docs.docker.com/reference/api/engine/version/v1.47/#tag/Container/operation/ContainerStats
 *
 * The payloads are read defensively (every field optional): engines differ by cgroup version, and a
 * `one-shot` sample carries an empty `precpu_stats`.
 */

export interface CpuUsage {
  total_usage?: number;
  /** cgroup v1 only. */
  percpu_usage?: number[] | null;
}

export interface CpuStats {
  cpu_usage?: CpuUsage;
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface MemoryStats {
  usage?: number;
  limit?: number;
  /** cgroup v1 keys (`total_inactive_file`, `cache`, …) or cgroup v2 keys (`inactive_file`, `file`, …). */
  stats?: Record<string, number>;
}

/** The part of a stats sample this adapter reads. */
export interface ContainerStatsSample {
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: MemoryStats;
}

/** The part of `HostConfig` (container inspect) that carries CPU limits. */
export interface CpuLimits {
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
}

/**
 * CPU usage in percent of the whole host: (cpu delta / system delta) × 100 against the previous
 * sample (`precpu_stats`). Unlike `docker stats` this is NOT multiplied by the number of CPUs, as
 * in the Go agent (its #137): the value stays within 0–100. 0 when either delta is not positive
 * (counter reset, idle) and when there is no previous sample (a one-shot or first sample has an
 * empty `precpu_stats`; a delta against zero would be the average since the container started).
 */
export function cpuUsagePercent(sample: ContainerStatsSample): number {
  const cpu = sample.cpu_stats;
  const pre = sample.precpu_stats;
  if (!((pre?.system_cpu_usage ?? 0) > 0)) return 0;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  if (!(cpuDelta > 0) || !(systemDelta > 0)) return 0;
  return (cpuDelta / systemDelta) * 100;
}

/**
 * Memory in use without the reclaimable page cache, as `docker stats` shows it:
 * usage − `total_inactive_file` (cgroup v1) when below usage, else usage − `inactive_file`
 * (cgroup v2) when below usage, else usage. Throws when usage is missing or 0: a running container
 * always uses memory, so 0 means the engine could not read the cgroup.
 */
export function memoryUsedBytes(mem: MemoryStats | undefined): number {
  const usage = mem?.usage ?? 0;
  if (!(usage > 0))
    throw new Error('docker: stats: memory usage is 0 (cgroup memory accounting unavailable)');
  const v1 = mem?.stats?.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = mem?.stats?.inactive_file;
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

/**
 * Limits at or above this (1 EiB) mean "no limit". Current engines report the host's memory for a
 * container without a limit; a raw cgroup v1 value (~2^63 − 4096) or 0 also occur.
 */
const UNLIMITED = 2 ** 60;

/** The container's memory limit in bytes, or null when it has none. */
export function memoryLimitBytes(mem: MemoryStats | undefined): number | null {
  const limit = mem?.limit ?? 0;
  return limit > 0 && limit < UNLIMITED ? limit : null;
}

/** Docker's default CFS period when `CpuPeriod` is 0 (`docker run --cpu-period`, 100 ms). */
const DEFAULT_CPU_PERIOD_US = 100_000;

/**
 * CPUs available to the container, truncated, at least 1 (Go #141):
 * `NanoCpus`/1e9 (`--cpus`), else `CpuQuota`/`CpuPeriod` (`--cpu-quota`), else the number of
 * per-CPU usage entries (cgroup v1), else `online_cpus` (cgroup v2 has no per-CPU list; the Go agent
 * would report 1 there).
 */
export function cpuCount(limits: CpuLimits | undefined, sample: ContainerStatsSample): number {
  const atLeastOne = (n: number) => Math.max(1, Math.trunc(n));
  const nano = limits?.NanoCpus ?? 0;
  if (nano > 0) return atLeastOne(nano / 1e9);
  const quota = limits?.CpuQuota ?? 0;
  if (quota > 0) {
    const period = limits?.CpuPeriod ?? 0;
    return atLeastOne(quota / (period > 0 ? period : DEFAULT_CPU_PERIOD_US));
  }
  const perCpu = sample.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 0;
  if (perCpu > 0) return perCpu;
  return atLeastOne(sample.cpu_stats?.online_cpus ?? 1);
}

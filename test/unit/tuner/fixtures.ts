/** Shared test inputs: machines and PostgreSQL's default settings in pg_settings base units. */
import type { Config } from '../../../src/embedded/tuner/knobs.js';
import type { SystemInfo } from '../../../src/embedded/tuner/space.js';

export const GiB = 1024 ** 3;

export function machine(memoryGiB: number, overrides: Partial<SystemInfo> = {}): SystemInfo {
  return {
    memoryBytes: memoryGiB * GiB,
    cpuCount: 4,
    maxConnections: 100,
    pgMajor: 16,
    restartsAllowed: true,
    ...overrides,
  };
}

/** `SELECT name, setting FROM pg_settings` on a fresh PostgreSQL 16 (wal_buffers −1 shows as 512). */
export const PG_DEFAULTS: Config = {
  shared_buffers: 16384,
  effective_cache_size: 524288,
  work_mem: 4096,
  maintenance_work_mem: 65536,
  wal_buffers: 512,
  max_wal_size: 1024,
  min_wal_size: 80,
  checkpoint_timeout: 300,
  checkpoint_completion_target: 0.9,
  random_page_cost: 4,
  seq_page_cost: 1,
  effective_io_concurrency: 1,
  default_statistics_target: 100,
  bgwriter_delay: 200,
  bgwriter_lru_maxpages: 100,
  bgwriter_lru_multiplier: 2,
  max_parallel_workers_per_gather: 2,
  max_parallel_workers: 8,
  max_worker_processes: 8,
  commit_delay: 0,
  commit_siblings: 5,
  wal_compression: 'off',
  jit: 'on',
};

import { describe, expect, it } from 'vitest';
import { pgtuneProposal, pgtuneValues } from '../../../src/embedded/tuner/pgtune.js';
import { buildSpace } from '../../../src/embedded/tuner/space.js';
import { machine, PG_DEFAULTS } from './fixtures.js';

// 16 GiB, 4 CPUs, 100 connections, SSD, OLTP — computed by hand from PGTune's formulas:
//   RAM = 16 777 216 kB; shared_buffers = RAM/4 = 4 194 304 kB = 524 288 pages
//   effective_cache_size = 3/4 RAM = 12 582 912 kB = 1 572 864 pages
//   maintenance_work_mem = RAM/16 = 1 048 576 kB (below the 2 GB cap)
//   work_mem = (16 777 216 − 4 194 304) / ((100 + 4) × 3) = 12 582 912 / 312 = 40 329.8 → 40 329 kB
//   wal_buffers = 3 % of 4 GB = 125 829 kB → capped at 16 MB = 2 048 pages
//   parallel (4 CPUs): per gather ⌈4/2⌉ = 2, max_parallel_workers 4, max_worker_processes 4
const EXPECTED_RAW = {
  shared_buffers: 524288,
  effective_cache_size: 1572864,
  maintenance_work_mem: 1048576,
  work_mem: 40329,
  wal_buffers: 2048,
  min_wal_size: 2048,
  max_wal_size: 8192,
  checkpoint_completion_target: 0.9,
  random_page_cost: 1.1,
  effective_io_concurrency: 200,
  default_statistics_target: 100,
  max_parallel_workers_per_gather: 2,
  max_parallel_workers: 4,
  max_worker_processes: 4,
  jit: 'off',
  wal_compression: 'pglz',
};

describe('PGTune first proposal', () => {
  it('matches hand-computed values for 16 GiB / 4 CPUs / 100 connections', () => {
    expect(pgtuneValues(machine(16))).toEqual(EXPECTED_RAW);
  });

  it('clamps into the space: max_worker_processes never below the default 8', () => {
    const proposal = pgtuneProposal(buildSpace(machine(16)));
    expect(proposal).toEqual({ ...EXPECTED_RAW, max_worker_processes: 8 });
  });

  it('omits restart knobs when restarts are not allowed', () => {
    const proposal = pgtuneProposal(buildSpace(machine(16, { restartsAllowed: false })));
    expect(Object.keys(proposal)).not.toContain('shared_buffers');
    expect(Object.keys(proposal)).not.toContain('wal_buffers');
    expect(Object.keys(proposal)).not.toContain('max_worker_processes');
    expect(proposal.work_mem).toBe(40329);
  });

  it('applies the 4 MB work_mem floor, the 2 GB maintenance cap and small-machine rules', () => {
    // 2 GiB, 2 CPUs, 500 connections: (2 097 152 − 524 288) / ((500 + 8) × 3) = 1 032 kB → 4 096.
    const small = pgtuneValues(machine(2, { cpuCount: 2, maxConnections: 500, pgMajor: 14 }));
    expect(small.work_mem).toBe(4096);
    expect(small.max_parallel_workers).toBeUndefined();
    expect(small.wal_compression).toBe('on');
    // 3 % of 512 MB = 15 728 kB: between 14 and 16 MB, rounded up to 16 MB.
    expect(small.wal_buffers).toBe(2048);
    expect(pgtuneValues(machine(64)).maintenance_work_mem).toBe(2 * 1024 * 1024);
    expect(pgtuneValues(machine(16, { storage: 'hdd' }))).toMatchObject({
      random_page_cost: 4,
      effective_io_concurrency: 2,
    });
  });

  it('is clamped where the space is tighter than PGTune (1 GiB, 100 connections)', () => {
    const space = buildSpace(machine(1));
    const proposal = pgtuneProposal(space);
    const wm = space.knob('work_mem');
    // PGTune's 4 MB floor exceeds what 100 connections × 2 may claim in 80 % of 1 GiB minus 128 MB.
    expect(wm && 'max' in wm ? proposal.work_mem : undefined).toBe(wm && 'max' in wm ? wm.max : NaN);
    const merged = space.repair({ ...PG_DEFAULTS, ...proposal });
    expect(space.memoryClaimBytes(merged)).toBeLessThanOrEqual(space.memoryBudgetBytes);
  });
});

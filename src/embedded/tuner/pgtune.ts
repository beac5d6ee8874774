/**
 * The first proposal of every session: PGTune's rule-of-thumb configuration.
 *
 * Formulas follow PGTune (https://pgtune.leopard.in.ua, le0pard/pgtune
 * `src/features/configuration/configurationSlice.js`), as summarised in docs/TUNING.md:
 * PGTune computes in kB and floors; we do the same, then convert to each knob's pg_settings unit.
 * Deviations, each because this proposal is applied to a live server rather than pasted by a human:
 * - maintenance_work_mem is capped at 2 GB (PGTune's long-standing cap; newer releases allow 8 GB,
 *   which is risky with several autovacuum workers);
 * - wal_compression is `pglz` (PG 15+) or `on`, not PGTune's `lz4`: lz4 exists only in servers built
 *   with it, and a rejected value would fail the whole apply;
 * - every value is clamped into the search space (e.g. max_worker_processes never below 8, because
 *   extensions assume the default), then the space's repair step runs when the caller merges it.
 */
import type { SystemInfo } from './catalogue.js';
import { normaliseValue, type Config } from './knobs.js';
import type { Space } from './space.js';

export type Workload = 'web' | 'oltp' | 'dw' | 'mixed';

const MB_IN_KB = 1024;
const GB_IN_KB = 1024 * 1024;

/** PGTune's WAL sizes by workload (MB). */
const WAL_SIZES: Record<Workload, { min: number; max: number }> = {
  web: { min: 1024, max: 4096 },
  oltp: { min: 2048, max: 8192 },
  dw: { min: 4096, max: 16384 },
  mixed: { min: 1024, max: 4096 },
};

/** PGTune's work_mem divisor by workload (analytical queries run more memory-hungry nodes at once). */
const WORK_MEM_DIVISOR: Record<Workload, number> = { web: 1, oltp: 1, dw: 2, mixed: 2 };

/** The raw PGTune values (base units, before clamping into a space). */
export function pgtuneValues(info: SystemInfo, workload: Workload = 'oltp'): Config {
  const ramKb = Math.floor(info.memoryBytes / 1024);
  const ssd = (info.storage ?? 'ssd') === 'ssd';
  const sharedBuffersKb = Math.floor(ramKb / 4);
  const out: Config = {
    shared_buffers: Math.floor(sharedBuffersKb / 8),
    effective_cache_size: Math.floor(Math.floor((ramKb * 3) / 4) / 8),
    maintenance_work_mem: Math.min(Math.floor(ramKb / (workload === 'dw' ? 8 : 16)), 2 * GB_IN_KB),
    checkpoint_completion_target: 0.9,
    // 3 % of shared_buffers, capped at 16 MB and rounded up to 16 MB when above 14 MB, floor 32 kB.
    wal_buffers: Math.floor(walBuffersKb(sharedBuffersKb) / 8),
    min_wal_size: WAL_SIZES[workload].min,
    max_wal_size: WAL_SIZES[workload].max,
    default_statistics_target: workload === 'dw' ? 500 : 100,
    random_page_cost: ssd ? 1.1 : 4,
    effective_io_concurrency: ssd ? 200 : 2,
    // JIT compiles short OLTP queries for nothing; PGTune turns it off except for data warehouses.
    jit: workload === 'dw' ? 'on' : 'off',
    wal_compression: info.pgMajor >= 15 ? 'pglz' : 'on',
  };
  // Parallel settings only from 4 CPUs on; PGTune caps workers per gather at 4 except for DW.
  let workerProcesses = 8;
  if (info.cpuCount >= 4) {
    const perGather = Math.ceil(info.cpuCount / 2);
    workerProcesses = info.cpuCount;
    out.max_worker_processes = info.cpuCount;
    out.max_parallel_workers_per_gather = workload === 'dw' ? perGather : Math.min(perGather, 4);
    out.max_parallel_workers = info.cpuCount;
  }
  // (RAM − shared_buffers) / ((max_connections + max_worker_processes) × 3), 4 MB floor.
  const workMem = (ramKb - sharedBuffersKb) / ((info.maxConnections + workerProcesses) * 3);
  out.work_mem = Math.max(Math.floor(workMem / WORK_MEM_DIVISOR[workload]), 4 * MB_IN_KB);
  return out;
}

function walBuffersKb(sharedBuffersKb: number): number {
  let kb = Math.floor((3 * sharedBuffersKb) / 100);
  const cap = 16 * MB_IN_KB;
  if (kb > cap) kb = cap;
  if (kb > 14 * MB_IN_KB && kb < cap) kb = cap;
  return Math.max(kb, 32);
}

/**
 * PGTune's proposal restricted to the space: knobs the space does not search (restart knobs in a
 * reload-only session) are omitted, and every value is clamped into the knob's bounds.
 */
export function pgtuneProposal(space: Space, workload: Workload = 'oltp'): Config {
  const raw = pgtuneValues(space.systemInfo, workload);
  const out: Config = {};
  for (const [name, value] of Object.entries(raw)) {
    const knob = space.knob(name);
    if (!knob) continue;
    out[name] = normaliseValue(knob, value);
  }
  return out;
}

/**
 * The knobs the embedded tuner searches, with bounds derived from the machine.
 *
 * Knob choice follows DBtune's documented reload/restart sets (docs/TUNING.md) and
 * OtterTune's PostgreSQL knob list (Van Aken et al., SIGMOD'17; memory maxima as a fraction of RAM).
 * Units are pg_settings base units; see https://www.postgresql.org/docs/current/runtime-config.html.
 *
 * Deliberately absent: `synchronous_commit`, `fsync`, `full_page_writes`, `wal_level`. They trade
 * durability or crash safety for speed. That is the owner's business decision, not something a
 * throughput optimiser may flip because it scores better: `synchronous_commit = off` loses the last
 * commits on a crash, and a benchmark would always reward it.
 */
import { roundToGrid, type Knob, type KnobValue } from './knobs.js';

export interface SystemInfo {
  /** node_memory_total (bytes). */
  readonly memoryBytes: number;
  /** node_cpu_count (logical CPUs). */
  readonly cpuCount: number;
  /** pg_max_connections. */
  readonly maxConnections: number;
  /** Major version from pg_version ("16.4" → 16). */
  readonly pgMajor: number;
  /** The agent's allow_restart: restart-only knobs are searched only when true. */
  readonly restartsAllowed: boolean;
  /** Storage class; the agent cannot detect it reliably, so SSD (the common case) is the default. */
  readonly storage?: 'ssd' | 'hdd';
  /**
   * Current values (base units) of settings the constraints depend on when they are not searched,
   * i.e. shared_buffers and max_worker_processes in reload-only sessions. PostgreSQL defaults otherwise.
   * A categorical knob's current value outside its searched choices (e.g. wal_compression = lz4) is
   * added to its choices; a value the tuner cannot represent leaves the knob out of the space.
   */
  readonly currentSettings?: Readonly<Record<string, KnobValue>>;
  /**
   * Settings the server does not report (managed services filter pg_settings): their knobs are left
   * out of the space. A cross-knob constraint that needs one uses PG_DEFAULT_SETTINGS instead.
   */
  readonly unreported?: readonly string[];
  /**
   * `pg_jit_available()`: false when the server cannot JIT-compile (built without LLVM, or the
   * provider library is missing), so `jit` and the `jit_*` knobs have no effect and are not searched
   * (https://www.postgresql.org/docs/current/jit-decision.html). Unknown (absent) keeps them.
   */
  readonly jitAvailable?: boolean;
}

/**
 * PostgreSQL's defaults (pg_settings base units) for the knobs the cross-knob constraints read,
 * used when such a knob is not searched and its current value is unknown.
 */
export const PG_DEFAULT_SETTINGS: Readonly<Record<string, number>> = {
  shared_buffers: 16384,
  work_mem: 4096,
  effective_cache_size: 524288,
  max_wal_size: 1024,
  min_wal_size: 80,
  max_worker_processes: 8,
  max_parallel_workers: 8,
  max_parallel_workers_per_gather: 2,
  random_page_cost: 4,
  seq_page_cost: 1,
};

/** Spellings PostgreSQL accepts for booleans (https://www.postgresql.org/docs/current/config-setting.html). */
const BOOL_ALIASES = { true: 'on', false: 'off', yes: 'on', no: 'off', '1': 'on', '0': 'off' } as const;

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;
const PAGE = 8 * KB;

/**
 * Memory that shared_buffers plus per-connection work memory may claim. DBtune's guardrail fires at
 * 90 % of RAM; 80 % leaves room for the OS, autovacuum's maintenance_work_mem and connection overhead.
 */
export const MEMORY_BUDGET_FRACTION = 0.8;
/**
 * work_mem is per sort/hash node, and one query can run several (hash joins get
 * hash_mem_multiplier × work_mem on PG 13+). Budgeting two allocations per connection at peak is
 * pessimistic for mostly idle pools and right for busy OLTP.
 */
export const WORK_MEM_PER_CONNECTION = 2;

export function memoryBudgetBytes(info: SystemInfo): number {
  return info.memoryBytes * MEMORY_BUDGET_FRACTION;
}

/** Smallest shared_buffers we search: PostgreSQL's default (128 MB). */
export const SHARED_BUFFERS_MIN_PAGES = (128 * MB) / PAGE;
/** Lowest max_worker_processes we propose: the PostgreSQL default, which extensions assume. */
export const WORKER_PROCESSES_FLOOR = 8;

function num(
  name: string,
  type: 'int' | 'real',
  unit: string | null,
  min: number,
  max: number,
  opts: { log?: boolean; step?: number; restart?: boolean } = {},
): Knob {
  const grid = { type, log: opts.log ?? false, step: opts.step ?? 1 };
  // Bounds on the rounding grid, so the box's corners are themselves valid proposals.
  const lo = roundToGrid(grid, min, 'up');
  const hi = Math.max(lo, roundToGrid(grid, max, 'down'));
  return { name, unit, min: lo, max: hi, ...grid, restart: opts.restart ?? false };
}

/**
 * A memory knob's floor: PostgreSQL's default, or the baseline when the DBA runs it lower. A tuner
 * that proposes less memory than the default (work_mem 1 MB) makes a DBA distrust everything else
 * it proposes, and on the workloads it measures such values only ever trade latency for nothing.
 */
export function memoryFloor(info: SystemInfo, name: string, pgDefault: number): number {
  const v = Number(info.currentSettings?.[name]);
  return Number.isFinite(v) && v > 0 ? Math.min(pgDefault, v) : pgDefault;
}

function currentInt(info: SystemInfo, name: string, fallback: number): number {
  const v = Number(info.currentSettings?.[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Upper bound for max_worker_processes when restarts are allowed: workers beyond the CPUs only queue. */
export function workerProcessesMax(info: SystemInfo): number {
  return Math.max(WORKER_PROCESSES_FLOOR, info.cpuCount + 4);
}

/** The knob list for this machine, restart knobs included only when restarts are allowed. */
export function buildKnobs(info: SystemInfo): Knob[] {
  const ram = info.memoryBytes;
  const cpus = Math.max(1, Math.floor(info.cpuCount));
  const conns = Math.max(1, info.maxConnections);
  const ssd = (info.storage ?? 'ssd') === 'ssd';
  const restart = info.restartsAllowed;
  const budget = memoryBudgetBytes(info);

  // work_mem's ceiling: with shared_buffers at its floor, max_connections × k × work_mem fits the budget.
  const sbFloorBytes = restart
    ? SHARED_BUFFERS_MIN_PAGES * PAGE
    : currentInt(info, 'shared_buffers', SHARED_BUFFERS_MIN_PAGES) * PAGE;
  const workMemMaxKb = Math.min(2 * GB, (budget - sbFloorBytes) / (conns * WORK_MEM_PER_CONNECTION)) / KB;
  // The default (4 MB) or the baseline's value, even when the budget ceiling is lower (tiny machines
  // with many connections): the box then holds just the floor.
  const workMemMinKb = memoryFloor(info, 'work_mem', PG_DEFAULT_SETTINGS.work_mem ?? 4096);

  const workers = restart ? workerProcessesMax(info) : currentInt(info, 'max_worker_processes', 8);
  const knobs: Knob[] = [];
  if (restart) {
    // OtterTune and PGTune both cap shared_buffers well below RAM; above ~40 % the OS cache starves.
    knobs.push(
      num(
        'shared_buffers',
        'int',
        '8kB',
        memoryFloor(info, 'shared_buffers', SHARED_BUFFERS_MIN_PAGES),
        (0.4 * ram) / PAGE,
        {
          log: true,
          restart: true,
        },
      ),
    );
  }
  knobs.push(
    // A planner hint only (no allocation): anything from a quarter to nine tenths of RAM is plausible.
    // A planner hint, not an allocation (so no memory floor): a quarter to nine tenths of RAM.
    num('effective_cache_size', 'int', '8kB', (0.25 * ram) / PAGE, (0.9 * ram) / PAGE, { log: true }),
    num('work_mem', 'int', 'kB', workMemMinKb, Math.max(workMemMinKb, workMemMaxKb), { log: true }),
    // PGTune caps maintenance_work_mem at 2 GB; RAM/8 is twice its RAM/16 default.
    num(
      'maintenance_work_mem',
      'int',
      'kB',
      memoryFloor(info, 'maintenance_work_mem', (64 * MB) / KB),
      Math.max(64 * MB, Math.min(2 * GB, ram / 8)) / KB,
      {
        log: true,
      },
    ),
  );
  if (restart) {
    // Above 16 MB rarely matters (PGTune's cap), but write-heavy loads sometimes gain up to 64 MB.
    knobs.push(
      // The default (-1) is shared_buffers/32 up to 16 MB; pg_settings shows the resolved value.
      num(
        'wal_buffers',
        'int',
        '8kB',
        memoryFloor(info, 'wal_buffers', (4 * MB) / PAGE),
        Math.max(MB, Math.min(64 * MB, ram / 64)) / PAGE,
        {
          log: true,
          restart: true,
        },
      ),
    );
  }
  knobs.push(
    // Disk size is not in system info, so WAL stays within 16 GB (PGTune's data-warehouse value).
    num('max_wal_size', 'int', 'MB', 512, 16 * 1024, { log: true }),
    num('min_wal_size', 'int', 'MB', 80, 8 * 1024, { log: true }),
    num('checkpoint_timeout', 'int', 's', 300, 1800, { step: 30 }),
    num('checkpoint_completion_target', 'real', null, 0.5, 0.95, { step: 0.05 }),
    num('random_page_cost', 'real', null, ssd ? 1 : 1.5, ssd ? 4 : 6, { step: 0.1 }),
    num('seq_page_cost', 'real', null, 0.5, 1.5, { step: 0.05 }),
    // PGTune: 200 for SSD, 2 for HDD; the range brackets both choices.
    num('effective_io_concurrency', 'int', null, 1, ssd ? 512 : 16, { log: true }),
    num('default_statistics_target', 'int', null, 50, 1000, { log: true, step: 10 }),
    num('bgwriter_delay', 'int', 'ms', 10, 1000, { log: true, step: 10 }),
    num('bgwriter_lru_maxpages', 'int', null, 0, 1000, { step: 10 }),
    num('bgwriter_lru_multiplier', 'real', null, 1, 10, { step: 0.1 }),
    num('max_parallel_workers_per_gather', 'int', null, 0, Math.max(1, Math.min(cpus, 8))),
    num('max_parallel_workers', 'int', null, 0, Math.max(1, Math.min(cpus, workers))),
  );
  if (restart) {
    knobs.push(
      num('max_worker_processes', 'int', null, WORKER_PROCESSES_FLOOR, workerProcessesMax(info), {
        restart: true,
      }),
    );
  }
  knobs.push(
    // commit_delay has no GUC unit; its value is in microseconds (group commit, useful above ~1 ms fsync).
    num('commit_delay', 'int', null, 0, 1000, { step: 10 }),
    num('commit_siblings', 'int', null, 1, 20),
    info.pgMajor >= 15
      ? // lz4/zstd exist only when the server was built with them; pglz always does.
        {
          name: 'wal_compression',
          type: 'enum',
          unit: null,
          values: ['off', 'pglz'],
          aliases: { ...BOOL_ALIASES, on: 'pglz', true: 'pglz', yes: 'pglz', '1': 'pglz' },
          restart: false,
        }
      : {
          name: 'wal_compression',
          type: 'bool',
          unit: null,
          values: ['off', 'on'],
          aliases: BOOL_ALIASES,
          restart: false,
        },
    { name: 'jit', type: 'bool', unit: null, values: ['off', 'on'], aliases: BOOL_ALIASES, restart: false },
  );
  return knobs;
}

/**
 * The search space: the machine's knob box, the [0, 1]^d encoding the optimiser works in, and a
 * repair step that makes any point of the box a configuration PostgreSQL accepts and the machine
 * can afford.
 */
import {
  buildKnobs,
  memoryBudgetBytes,
  PG_DEFAULT_SETTINGS,
  SHARED_BUFFERS_MIN_PAGES,
  WORK_MEM_PER_CONNECTION,
  type SystemInfo,
} from './catalogue.js';
import {
  fromNormalised,
  isNumeric,
  normaliseValue,
  quantise,
  toNormalised,
  type CategoricalKnob,
  type Config,
  type Knob,
  type KnobValue,
  type NumericKnob,
} from './knobs.js';

export type { SystemInfo } from './catalogue.js';

export interface Space {
  readonly systemInfo: SystemInfo;
  readonly knobs: readonly Knob[];
  /** Knobs left out of the search, with the reason (for the platform to log). */
  readonly excluded: readonly ExcludedKnob[];
  /** Number of dimensions (one per knob). */
  readonly dims: number;
  readonly memoryBudgetBytes: number;
  knob(name: string): Knob | undefined;
  /** Configuration → point in [0, 1]^dims (knob order). Missing knobs are an error. */
  toNormalised(config: Readonly<Config>): number[];
  /** Point in [0, 1]^dims → repaired configuration. */
  fromNormalised(x: readonly number[]): Config;
  /** Enforce the cross-knob constraints (see repair()). */
  repair(config: Readonly<Config>): Config;
  /** Bytes that shared_buffers + max_connections × k × work_mem claim for this configuration. */
  memoryClaimBytes(config: Readonly<Config>): number;
}

export interface ExcludedKnob {
  readonly name: string;
  readonly reason: string;
}

/** PostgreSQL enum labels are lower-case identifiers (e.g. lz4, zstd). */
const ENUM_LABEL = /^[a-z][a-z0-9_]*$/;

/**
 * The knob adapted to the server's current value: unchanged when the value is one of its choices,
 * with the value added to an enum's choices when it looks like a valid label the tuner does not
 * search (so the baseline round-trips exactly), or a reason when the tuner cannot represent it.
 */
export function adaptToCurrent(knob: Knob, value: KnobValue): Knob | { reason: string } {
  if (isNumeric(knob)) {
    const v = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(v) ? knob : { reason: `current value '${String(value)}' is not a number` };
  }
  const text = String(value).trim().toLowerCase();
  const canonical = knob.aliases?.[text] ?? text;
  if (knob.values.includes(canonical)) return knob;
  if (knob.type === 'enum' && ENUM_LABEL.test(canonical)) {
    const adapted: CategoricalKnob = { ...knob, values: [...knob.values, canonical] };
    return adapted;
  }
  return { reason: `current value '${String(value)}' is not one of ${knob.values.join(', ')}` };
}

/** `jit` and its cost thresholds and switches (jit_above_cost, jit_inline_above_cost, …). */
const isJitKnob = (name: string): boolean => name === 'jit' || name.startsWith('jit_');

export function buildSpace(info: SystemInfo): Space {
  const knobs: Knob[] = [];
  const excluded: ExcludedKnob[] = [];
  const unreported = new Set(info.unreported ?? []);
  for (const knob of buildKnobs(info)) {
    if (unreported.has(knob.name)) {
      excluded.push({ name: knob.name, reason: 'the server does not report it' });
      continue;
    }
    if (info.jitAvailable === false && isJitKnob(knob.name)) {
      excluded.push({
        name: knob.name,
        reason: 'pg_jit_available() is false: the server cannot JIT-compile',
      });
      continue;
    }
    const current = info.currentSettings?.[knob.name];
    const adapted = current === undefined ? knob : adaptToCurrent(knob, current);
    if ('reason' in adapted) excluded.push({ name: knob.name, reason: adapted.reason });
    else knobs.push(adapted);
  }
  const byName = new Map(knobs.map((k) => [k.name, k]));
  const fixed = (name: string, fallback: number): number => {
    const v = Number(info.currentSettings?.[name]);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const numeric = (name: string): NumericKnob | undefined => {
    const k = byName.get(name);
    return k && isNumeric(k) ? k : undefined;
  };
  // The memory floors (PostgreSQL's defaults, or the baseline's lower values) are always admissible:
  // on a small machine with many connections they alone can exceed the budget, and the server runs
  // them already. The budget then is what they claim.
  const floorClaim =
    (numeric('shared_buffers')?.min ?? fixed('shared_buffers', SHARED_BUFFERS_MIN_PAGES)) * 8192 +
    info.maxConnections *
      WORK_MEM_PER_CONNECTION *
      (numeric('work_mem')?.min ?? fixed('work_mem', 4096)) *
      1024;
  const budget = Math.max(memoryBudgetBytes(info), floorClaim);
  const valueOf = (config: Readonly<Config>, name: string, fallback: number): number => {
    const v = config[name];
    return byName.has(name) && v !== undefined ? Number(v) : fixed(name, fallback);
  };
  const memoryClaimBytes = (config: Readonly<Config>): number =>
    valueOf(config, 'shared_buffers', SHARED_BUFFERS_MIN_PAGES) * 8192 +
    info.maxConnections * WORK_MEM_PER_CONNECTION * valueOf(config, 'work_mem', 4096) * 1024;

  /**
   * Constraints, each resolved by moving the knob that is cheapest to move:
   * 1. shared_buffers + max_connections × k × work_mem ≤ budget: lower work_mem first (reload-only),
   *    then shared_buffers;
   * 2. effective_cache_size ≥ shared_buffers (the OS cache cannot be smaller than what PG caches);
   * 3. min_wal_size ≤ max_wal_size / 2 (otherwise WAL recycling keeps max_wal_size permanently);
   * 4. max_parallel_workers_per_gather ≤ max_parallel_workers ≤ max_worker_processes
   *    (PostgreSQL silently caps them otherwise, so a proposal would not mean what it says);
   * 5. random_page_cost ≥ seq_page_cost (the docs call the opposite "physically nonsensical").
   */
  const repair = (config: Readonly<Config>): Config => {
    const out: Config = {};
    for (const k of knobs) {
      const v = config[k.name];
      if (v === undefined) throw new Error(`tuner: space: configuration has no value for ${k.name}`);
      out[k.name] = normaliseValue(k, v);
    }
    const conns = info.maxConnections * WORK_MEM_PER_CONNECTION;
    const sbKnob = numeric('shared_buffers');
    const wmKnob = numeric('work_mem');
    if (wmKnob && memoryClaimBytes(out) > budget) {
      const sbBytes = valueOf(out, 'shared_buffers', SHARED_BUFFERS_MIN_PAGES) * 8192;
      out.work_mem = quantise(wmKnob, (budget - sbBytes) / conns / 1024, 'down');
    }
    if (sbKnob && memoryClaimBytes(out) > budget) {
      const wmBytes = valueOf(out, 'work_mem', PG_DEFAULT_SETTINGS.work_mem ?? 4096) * 1024;
      out.shared_buffers = quantise(sbKnob, (budget - conns * wmBytes) / 8192, 'down');
    }
    const ecs = numeric('effective_cache_size');
    const sb = valueOf(out, 'shared_buffers', SHARED_BUFFERS_MIN_PAGES);
    if (ecs && Number(out.effective_cache_size) < sb) out.effective_cache_size = quantise(ecs, sb, 'up');
    const minWal = numeric('min_wal_size');
    const maxWal = valueOf(out, 'max_wal_size', PG_DEFAULT_SETTINGS.max_wal_size ?? 1024);
    if (minWal && Number(out.min_wal_size) > maxWal / 2) {
      out.min_wal_size = quantise(minWal, maxWal / 2, 'down');
    }
    const mwp = valueOf(out, 'max_worker_processes', 8);
    if (byName.has('max_parallel_workers') && Number(out.max_parallel_workers) > mwp) {
      out.max_parallel_workers = mwp;
    }
    const mpw = valueOf(out, 'max_parallel_workers', 8);
    if (byName.has('max_parallel_workers_per_gather') && Number(out.max_parallel_workers_per_gather) > mpw) {
      out.max_parallel_workers_per_gather = mpw;
    }
    const rpc = numeric('random_page_cost');
    const spc = valueOf(out, 'seq_page_cost', PG_DEFAULT_SETTINGS.seq_page_cost ?? 1);
    if (rpc && Number(out.random_page_cost) < spc) {
      out.random_page_cost = quantise(rpc, spc, 'up');
    }
    return out;
  };

  return {
    systemInfo: info,
    knobs,
    excluded,
    dims: knobs.length,
    memoryBudgetBytes: budget,
    knob: (name) => byName.get(name),
    toNormalised(config) {
      return knobs.map((k) => {
        const v = config[k.name];
        if (v === undefined) throw new Error(`tuner: space: configuration has no value for ${k.name}`);
        return toNormalised(k, v);
      });
    },
    fromNormalised(x) {
      if (x.length !== knobs.length) {
        throw new Error(`tuner: space: point has ${x.length} coordinates, expected ${knobs.length}`);
      }
      const config: Config = {};
      knobs.forEach((k, i) => {
        config[k.name] = fromNormalised(k, x[i] ?? 0);
      });
      return repair(config);
    },
    repair,
    memoryClaimBytes,
  };
}

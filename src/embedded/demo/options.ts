/**
 * `dbtune-agent demo` options: flag values → validated settings. `--quick` only changes the
 * defaults; a flag given explicitly always wins (`--quick --iterations 3` runs three iterations).
 */
import path from 'node:path';
import { UsageError } from '../../cli/usage-error.js';
import { ALL_MAJORS, DEFAULT_MAJOR } from '../cluster.js';
import { objectiveIds, type Objective } from '../tuner/index.js';
import { DEFAULT_WORKLOAD, supportedDriver, workloadSpec, type DriverChoice } from './workloads/index.js';

export type { Objective } from '../tuner/index.js';
export type { DriverChoice } from './workloads/index.js';

/** Flags as commander hands them over: strings, or undefined when not given. */
export interface DemoFlags {
  iterations?: string;
  iterationSeconds?: string;
  warmupSeconds?: string;
  pgMajor?: string;
  scale?: string;
  clients?: string;
  objective?: string;
  quick?: boolean;
  keep?: boolean;
  out?: string;
  seed?: string;
  workload?: string;
  driver?: string;
}

export interface DemoOptions {
  readonly iterations: number;
  readonly iterationSeconds: number;
  readonly warmupSeconds: number;
  readonly pgMajor: number;
  readonly scale: number;
  readonly clients: number;
  readonly objective: Objective;
  readonly quick: boolean;
  readonly keep: boolean;
  readonly outDir: string;
  readonly seed: number;
  /** Workload id (./workloads/index.ts). */
  readonly workload: string;
  readonly driver: DriverChoice;
}

/**
 * Defaults. Each iteration also costs about 5 s beyond its window and warm-up (the agent polls for
 * proposals every 5 s, then applies and restarts), so the full run is 20 × (20 + 3 + 5) s plus the
 * setup (the mixed workload's dataset at scale 10 loads in about 15 s on a quiet machine, over a
 * minute on a busy one) ≈ 10–11 min, and quick is 6 × (8 + 2 + 6) s plus setup ≈ 1.7 min on 2
 * cores (measured on the mixed workload: 130–141 s with the load average at 8–10). The dataset's
 * scale comes from the workload (./workloads), sized for these budgets.
 */
export const FULL_DEFAULTS = { iterations: 20, iterationSeconds: 20, warmupSeconds: 3 } as const;
export const QUICK_DEFAULTS = { iterations: 6, iterationSeconds: 8, warmupSeconds: 2 } as const;
export const DEFAULT_CLIENTS = 8;

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      `demo: --${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

function oneOf<T extends string>(
  flag: string,
  raw: string | undefined,
  fallback: T,
  allowed: readonly T[],
): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`demo: --${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

export function resolveDemoOptions(flags: DemoFlags, cwd: string, randomSeed: () => number): DemoOptions {
  const quick = flags.quick === true;
  const d = quick ? QUICK_DEFAULTS : FULL_DEFAULTS;
  const spec = workloadSpec(flags.workload ?? DEFAULT_WORKLOAD);
  const majors = ALL_MAJORS as readonly number[];
  const pgMajor = integer('pg-major', flags.pgMajor, DEFAULT_MAJOR, Math.min(...majors), Math.max(...majors));
  return {
    // The platform needs the baseline plus at least one proposal.
    iterations: integer('iterations', flags.iterations, d.iterations, 2, 200),
    iterationSeconds: integer('iteration-seconds', flags.iterationSeconds, d.iterationSeconds, 2, 3600),
    warmupSeconds: integer('warmup-seconds', flags.warmupSeconds, d.warmupSeconds, 0, 600),
    pgMajor,
    // pgbench switches aid to bigint from scale 20 000; the demo has no use for datasets that large.
    scale: integer('scale', flags.scale, quick ? spec.scale.quick : spec.scale.full, 1, 10_000),
    clients: integer('clients', flags.clients, DEFAULT_CLIENTS, 1, 500),
    objective: oneOf<Objective>('objective', flags.objective, spec.defaultObjective, objectiveIds()),
    quick,
    keep: flags.keep === true,
    outDir: path.resolve(cwd, flags.out ?? '.'),
    seed: integer('seed', flags.seed, randomSeed(), 0, 2 ** 31 - 1),
    workload: spec.id,
    driver: supportedDriver(
      spec,
      oneOf<DriverChoice>('driver', flags.driver, 'auto', ['auto', 'pgbench', 'builtin']),
    ),
  };
}

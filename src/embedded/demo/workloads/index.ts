/**
 * The demo's workloads, by id: each brings its dataset and its driver (./types.ts). The demo,
 * bench/knob-effects.ts and the tests look workloads up here; adding one is adding an entry.
 */
import { UsageError } from '../../../cli/usage-error.js';
import { mixed } from './mixed/index.js';
import { readMostly } from './read-mostly.js';
import { tpcb } from './tpcb.js';
import type { DriverKind, WorkloadSpec } from './types.js';

export type { ClassPlan, DriverContext, DriverKind, SetupContext, WorkloadSpec } from './types.js';

const registry: ReadonlyMap<string, WorkloadSpec> = new Map([mixed, tpcb, readMostly].map((w) => [w.id, w]));

export const DEFAULT_WORKLOAD = mixed.id;

export function workloadIds(): string[] {
  return [...registry.keys()];
}

/** The entry for `id`; an unknown id is a usage error (exit 2) naming the valid ones. */
export function workloadSpec(id: string): WorkloadSpec {
  const spec = registry.get(id);
  if (!spec)
    throw new UsageError(
      `demo: --workload must be one of ${workloadIds().join(', ')}, got ${JSON.stringify(id)}`,
    );
  return spec;
}

export type DriverChoice = 'auto' | DriverKind;

/** `choice`, when the workload can run on it (usage error otherwise). */
export function supportedDriver(spec: WorkloadSpec, choice: DriverChoice): DriverChoice {
  if (choice !== 'auto' && !spec.drivers.includes(choice))
    throw new UsageError(
      `demo: --driver ${choice}: the ${spec.id} workload runs on ${spec.drivers.join(' or ')} only`,
    );
  return choice;
}

/**
 * The driver a workload runs on: the one asked for, or with 'auto' the first the workload supports
 * whose tool is present (pgbench found on PATH). Errors name what is missing and the way out.
 */
export function chooseDriver(
  spec: WorkloadSpec,
  choice: DriverChoice,
  findPgbench: () => string | null,
): { kind: DriverKind; pgbench: string | null } {
  supportedDriver(spec, choice);
  const candidates = choice === 'auto' ? spec.drivers : [choice];
  for (const kind of candidates) {
    if (kind === 'builtin') return { kind, pgbench: null };
    const pgbench = findPgbench();
    if (pgbench) return { kind, pgbench };
  }
  const alternatives = [...registry.values()].filter((w) => w.drivers.includes('builtin')).map((w) => w.id);
  throw new Error(
    `demo: the ${spec.id} workload needs pgbench on PATH (Debian/Ubuntu: apt-get install postgresql-client)` +
      (alternatives.length > 0 && !spec.drivers.includes('builtin')
        ? `; --workload ${alternatives.join(' or ')} runs without it`
        : ''),
  );
}

/**
 * What a session optimises, as data: one entry per objective. The platform, the session, the
 * reports and the progress view read the label, unit, direction and value from here, so an
 * objective is added by registering it, without touching any of them.
 *
 * - `metric`: the sample series the platform extracts from what the agent sends: `tps` from the
 *   `database_transactions` catalog and the metrics' commit counters, `latency` from
 *   pg_stat_statements (total execution time over calls, i.e. the average query runtime weighted by
 *   calls: https://www.postgresql.org/docs/current/pgstatstatements.html).
 * - `tpsFloor`: a throughput floor relative to the baseline's TPS. DBtune's users tune
 *   reporting-heavy databases for average query runtime but will not trade away throughput for it:
 *   a configuration that loses more than 5 % TPS is never kept (session.ts, `final`).
 */
import type { Measurement } from './session-types.js';

export type ObjectiveMetric = 'tps' | 'latency';

export interface ObjectiveSpec {
  readonly id: string;
  /** For sentences: "throughput", "average query runtime". */
  readonly label: string;
  /** For headings and chart labels, unit included where it is not implied: "TPS", "runtime (ms)". */
  readonly short: string;
  readonly unit: string;
  readonly direction: 'higher' | 'lower';
  readonly metric: ObjectiveMetric;
  /** The objective's value in a measurement (> 0 when measured). */
  value(m: Pick<Measurement, 'tps' | 'latencyMs'>): number;
  /** Lowest TPS, as a fraction of the baseline's, a configuration may have and be kept. */
  readonly tpsFloor?: number;
}

const registry = new Map<string, ObjectiveSpec>();

/** Adds an objective; returns the function that removes it again (for tests that register their own). */
export function registerObjective(spec: ObjectiveSpec): () => void {
  if (registry.has(spec.id)) throw new Error(`tuner: objective ${spec.id} is already registered`);
  const entry = Object.freeze({ ...spec });
  registry.set(spec.id, entry);
  return () => {
    if (registry.get(spec.id) === entry) registry.delete(spec.id);
  };
}

/** The entry for `id`; an unknown id is a bug (inputs are checked with isObjective first). */
export function objective(id: string): ObjectiveSpec {
  const spec = registry.get(id);
  if (!spec) throw new Error(`tuner: unknown objective ${id} (known: ${objectiveIds().join(', ')})`);
  return spec;
}

export function isObjective(id: string): boolean {
  return registry.has(id);
}

export function objectiveIds(): string[] {
  return [...registry.keys()];
}

/** Log value in "larger is better" form: the scale every comparison and the GP work on. */
export function objectiveScore(spec: ObjectiveSpec, m: Pick<Measurement, 'tps' | 'latencyMs'>): number {
  const v = Math.log(Math.max(spec.value(m), 1e-12));
  return spec.direction === 'higher' ? v : -v;
}

/** Gain of `to` over `from` in percent, positive when better in the objective's direction. */
export function gainPct(spec: ObjectiveSpec, from: number | null, to: number | null): number | null {
  if (from === null || to === null || !(from > 0) || !(to > 0)) return null;
  return spec.direction === 'higher' ? (to / from - 1) * 100 : (1 - to / from) * 100;
}

/**
 * A gain on the session's score scale (the log objective, larger is better: `exp(Δscore) − 1`) as
 * a percent change in the objective's own direction, the scale of `gainPct`: a +52.9 % score on a
 * lower-is-better objective is a value 34.6 % lower.
 */
export function scoreGainPct(spec: ObjectiveSpec, scoreGain: number): number {
  return spec.direction === 'higher' ? scoreGain * 100 : (1 - 1 / (1 + scoreGain)) * 100;
}

registerObjective({
  id: 'tps',
  label: 'throughput',
  short: 'TPS',
  unit: 'transactions/s',
  direction: 'higher',
  metric: 'tps',
  value: (m) => m.tps,
});

registerObjective({
  id: 'latency',
  label: 'average query runtime (weighted by calls)',
  short: 'runtime (ms)',
  unit: 'ms',
  direction: 'lower',
  metric: 'latency',
  value: (m) => m.latencyMs,
  tpsFloor: 0.95,
});

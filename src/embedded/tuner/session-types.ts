/**
 * Shapes shared by the tuning session, its persistence and its final decision.
 */
import type { SystemInfo } from './catalogue.js';
import type { Config } from './knobs.js';
import type { Workload } from './pgtune.js';

/** What to optimise: throughput (maximise TPS) or average query runtime (minimise). */
/** An id in the objective registry (objectives.ts). */
export type Objective = string;

/**
 * Why a configuration was abandoned: the agent's memory signal, DBtune's performance guardrails, or
 * `apply_failed`: the configuration could not be applied (the agent reported an apply error or never
 * showed it). States saved before `apply_failed` existed recorded such iterations as `throughput`.
 *
 * The objective's throughput floor (objectives.ts `tpsFloor`) is not one of them: it decides what
 * may be kept at the end (session.ts `final`). States saved before that recorded an iteration
 * under the floor as infeasible with `throughput`.
 */
export type Guardrail = 'memory' | 'latency' | 'throughput' | 'apply_failed';

/**
 * Outcome of one iteration:
 * - `ok`: measured without a guardrail; the measurement is an observation for the optimiser;
 * - `infeasible`: a guardrail fired; the configuration is recorded as infeasible and the next
 *   proposal reverts to the baseline at once;
 * - `reverted`: the baseline re-applied after an infeasible iteration was measured; the measurement
 *   counts as another baseline sample (which is how repeated baseline measurements arise).
 */
export type Outcome = 'ok' | 'infeasible' | 'reverted';

/**
 * Where a proposal came from. `recheck` measures the baseline once more at the end of the session,
 * next to the tuned iterations, so that a load which drifted during the session is not taken for a
 * gain (docs/TUNING.md, "Load drift").
 */
export type ProposalKind = 'baseline' | 'pgtune' | 'bo' | 'revert' | 'recheck';

/** Kinds that measure the baseline configuration (the first measurement, reverts, the recheck). */
export const BASELINE_KINDS: readonly ProposalKind[] = ['baseline', 'revert', 'recheck'];

export function measuresBaseline(kind: string | null | undefined): boolean {
  return kind != null && (BASELINE_KINDS as readonly string[]).includes(kind);
}

/** The completed measurements of the baseline configuration, in iteration order (no guardrail hit). */
export function measuredBaselines(history: readonly IterationRecord[]): IterationRecord[] {
  return history.filter((r) => measuresBaseline(r.kind) && r.outcome !== 'infeasible' && r.measurement);
}

export interface Measurement {
  /** Transactions per second over the iteration (docs/PROTOCOL.md §3.5). */
  readonly tps: number;
  /** Average query runtime in ms over the iteration (pg_stat_statements deltas, docs/PROTOCOL.md §3.4). */
  readonly latencyMs: number;
  /** Optional per-interval readings of the objective metric within the iteration (e.g. every 5 s). */
  readonly samples?: readonly number[];
}

export type RecordInput = Measurement | { readonly guardrail: Guardrail };

export interface Proposal {
  readonly iteration: number;
  readonly kind: ProposalKind;
  /** Every searched knob, pg_settings base units. */
  readonly config: Config;
  readonly reason: string;
  /** A restart-only knob differs from the previous iteration's configuration. */
  readonly restart: boolean;
}

export interface IterationRecord extends Proposal {
  readonly outcome?: Outcome;
  readonly measurement?: Measurement;
  readonly guardrail?: Guardrail;
}

export interface FinalDecision {
  readonly source: 'best' | 'baseline';
  readonly config: Config;
  /** Iteration whose configuration is returned (0 for the baseline). */
  readonly iteration: number;
  /** Estimated relative improvement of the best configuration over the baseline (0.12 = 12 %). */
  readonly improvement: number;
  /** Estimated relative measurement noise (standard deviation of one iteration's value). */
  readonly noise: number;
  /** Relative improvement the best configuration had to exceed. */
  readonly threshold: number;
  readonly reason: string;
}

/** Persisted form: everything needed to rebuild the session and reproduce its next proposal. */
export interface SessionState {
  readonly version: 1;
  readonly systemInfo: SystemInfo;
  readonly objective: Objective;
  readonly iterations: number;
  readonly seed: number;
  readonly workload: Workload;
  readonly baseline: Config;
  readonly history: readonly IterationRecord[];
}

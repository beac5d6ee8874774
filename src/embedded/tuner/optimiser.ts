/**
 * The contract every optimiser implements, so the session (and the benchmarks) can swap Bayesian
 * optimisation for random search.
 */
import type { Rng } from './rng.js';

export interface Observation {
  /** Point in [0, 1]^d (the repaired configuration that was actually measured). */
  readonly x: readonly number[];
  /** Objective value; null when the configuration hit a guardrail (infeasible). */
  readonly y: number | null;
}

export interface Suggestion {
  readonly x: number[];
  /** Human-readable reason, shown with the proposal. */
  readonly reason: string;
}

export interface Optimiser {
  readonly name: string;
  suggest(observations: readonly Observation[], dims: number, rng: Rng): Suggestion;
}

export function uniformPoint(dims: number, rng: Rng): number[] {
  return Array.from({ length: dims }, () => rng.next());
}

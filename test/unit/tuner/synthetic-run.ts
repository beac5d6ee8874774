/**
 * The tuning-session protocol on a synthetic problem (synthetic.ts), shared by the optimiser-quality
 * test and development sweeps over more seeds.
 *
 * 20 evaluations per run. The first two are shared by every optimiser, as the baseline and PGTune
 * are in a session: a uniform random point ("the current configuration") and a heuristic one, the
 * optimum displaced by 0.2 along every knob in random directions ("rules of thumb get you part of
 * the way"; normalised gap ≈ 0.37). The remaining 18 come from the optimiser. Measurements carry
 * 4 % multiplicative noise; the optimisers see log(measurement), as the session feeds them.
 */
import type { Observation, Optimiser } from '../../../src/embedded/tuner/optimiser.js';
import { createRng } from '../../../src/embedded/tuner/rng.js';
import { DIMS, makeProblem, normalisedGap } from './synthetic.js';

export const BUDGET = 20;
const HEURISTIC_OFFSET = 0.2;

/** Normalised gaps (0 = optimum, 1 = median random configuration) of one run. */
export interface RunResult {
  /** True value of the best configuration evaluated (simple regret). */
  readonly found: number;
  /** True value of the configuration with the best noisy measurement. */
  readonly picked: number;
}

export function runSynthetic(optimiser: Optimiser, seed: number, budget = BUDGET): RunResult {
  const problem = makeProblem(seed);
  const noise = createRng(seed, 77);
  const starts = createRng(seed, 55);
  const baseline = Array.from({ length: DIMS }, () => starts.next());
  const heuristic = problem.optimum.map((c) =>
    Math.min(1, Math.max(0, c + (starts.next() < 0.5 ? -1 : 1) * HEURISTIC_OFFSET)),
  );
  const observations: Observation[] = [];
  for (let i = 0; i < budget; i++) {
    const x =
      i === 0 ? baseline : i === 1 ? heuristic : optimiser.suggest(observations, DIMS, createRng(seed, i)).x;
    observations.push({ x, y: Math.log(problem.measure(x, noise)) });
  }
  const best = observations.reduce((a, b) => ((b.y ?? -Infinity) > (a.y ?? -Infinity) ? b : a));
  return {
    found: Math.min(...observations.map((o) => normalisedGap(problem, o.x))),
    picked: normalisedGap(problem, best.x),
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
}

/** Fraction of runs whose gap under `key` is at most 0.1 ("within 10 %"). */
export function fractionWithin(results: readonly RunResult[], key: keyof RunResult, gap = 0.1): number {
  return results.filter((r) => r[key] <= gap).length / results.length;
}

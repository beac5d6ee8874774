/**
 * Synthetic tuning problems with a known optimum, for testing the optimisers without a database.
 *
 * The shape imitates what knob-tuning studies report (OtterTune, PKU-DAIR DBTune): a few knobs
 * matter a lot, some a little, a couple hardly at all; some pairs interact; the response is
 * multiplicative (TPS-like) and measurements carry ~4 % multiplicative noise.
 *
 *   f(x) = F* · exp(−Q(x)),
 *   Q(x) = Σ_d w_d δ_d² + Σ_(a,b) ρ_ab δ_a δ_b + β (δ_1 − 2 δ_0²)²,   δ = x − c,
 *
 * with the optimum c drawn per problem seed inside [0.15, 0.85]^8. The last term is a
 * Rosenbrock-style curved valley between the two most important knobs. Q ≥ 0 with equality only
 * at c (the quadratic part is positive definite), so f* = F* exactly.
 */
import { createRng, type Rng } from '../../../src/embedded/tuner/rng.js';

export const DIMS = 8;
export const F_STAR = 1000;
const WEIGHTS = [2, 1.5, 1, 0.3, 0.15, 0.08, 0.04, 0.02] as const;
const COUPLINGS = [
  [0, 1, 0.8],
  [0, 2, -0.5],
  [1, 3, 0.3],
] as const;
const BANANA = 1;

export interface Problem {
  readonly optimum: readonly number[];
  /** Noise-free objective. */
  value(x: readonly number[]): number;
  /** One noisy measurement (multiplicative log-normal noise). */
  measure(x: readonly number[], rng: Rng): number;
  /** Median of the noise-free objective over uniform random points. */
  readonly randomMedian: number;
}

export function makeProblem(seed: number, noise = 0.04): Problem {
  const rng = createRng(seed, 1_000_003);
  const c = Array.from({ length: DIMS }, () => 0.15 + 0.7 * rng.next());
  const value = (x: readonly number[]): number => {
    const delta = c.map((ci, d) => (x[d] ?? 0) - ci);
    let q = 0;
    WEIGHTS.forEach((w, d) => {
      q += w * (delta[d] ?? 0) ** 2;
    });
    for (const [a, b, rho] of COUPLINGS) q += rho * (delta[a] ?? 0) * (delta[b] ?? 0);
    q += BANANA * ((delta[1] ?? 0) - 2 * (delta[0] ?? 0) ** 2) ** 2;
    return F_STAR * Math.exp(-q);
  };
  const sampler = createRng(seed, 2_000_003);
  const samples = Array.from({ length: 4001 }, () =>
    value(Array.from({ length: DIMS }, () => sampler.next())),
  );
  samples.sort((a, b) => a - b);
  return {
    optimum: c,
    value,
    measure: (x, r) => value(x) * Math.exp(noise * r.normal()),
    randomMedian: samples[2000] ?? 0,
  };
}

/**
 * Normalised gap of a recommended point: 0 at the optimum, 1 at the median random point.
 * "Within 10 %" means gap ≤ 0.1, i.e. the tuner closed 90 % of the distance between what a random
 * configuration typically gives and the best possible. Normalising by that range (rather than by f*)
 * makes the criterion independent of the arbitrary scale F* and of how flat the problem is.
 */
export function normalisedGap(problem: Problem, x: readonly number[]): number {
  return (F_STAR - problem.value(x)) / (F_STAR - problem.randomMedian);
}

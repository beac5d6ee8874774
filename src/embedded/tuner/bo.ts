/**
 * Bayesian optimisation: GP surrogate (gp.ts) + log expected improvement (acquisition.ts), maximised
 * over candidates drawn inside a trust region around the incumbent (TuRBO-1: Eriksson et al.,
 * "Scalable Global Optimization via Local Bayesian Optimization", NeurIPS 2019).
 *
 * Why a trust region: with 10–30 evaluations in ~24 dimensions a global GP knows little far from
 * the data, and plain EI then spends evaluations on the corners of the box, where the posterior
 * variance is largest (measured here on the synthetic benchmarks: no better than random search).
 * For a live database the corners are also where guardrails fire. Searching near the best
 * configuration so far, in a box stretched along the knobs the GP finds unimportant, converges
 * faster and proposes smaller, safer moves.
 *
 * Infeasible points (guardrail hits) get the worst feasible value observed so far. Why not a separate
 * feasibility classifier (Gelbart et al. 2014): with 10–30 points per session there are too few
 * infeasible examples to fit one, while imputing the worst value steers the search away from the
 * region with the model we already have and keeps the output scale (hence standardisation) sane.
 * A guardrail hit also counts as a trust-region failure, so repeated hits shrink the region.
 *
 * The incumbent for EI is the best posterior mean at an observed point, not the best noisy
 * measurement (the "plug-in" EI for noisy observations; Picheny et al. 2013): a lucky measurement
 * would otherwise make every other point look hopeless.
 */
import { fitGp, type GpModel } from './gp.js';
import { logExpectedImprovement } from './acquisition.js';
import { uniformPoint, type Observation, type Optimiser, type Suggestion } from './optimiser.js';
import type { Rng } from './rng.js';

export interface BoOptions {
  /** true for throughput-like objectives, false for latency-like ones. */
  readonly maximise: boolean;
  /** Candidates scored per suggestion. */
  readonly candidates?: number;
  /** Feasible observations needed before the model is trusted; fewer → uniform random. */
  readonly minObservations?: number;
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Training targets in maximisation form, infeasible points imputed with the worst feasible value. */
export function trainingTargets(observations: readonly Observation[], maximise: boolean): number[] | null {
  const feasible = observations.flatMap((o) => (o.y === null ? [] : [maximise ? o.y : -o.y]));
  if (feasible.length === 0) return null;
  const worst = Math.min(...feasible);
  return observations.map((o) => (o.y === null ? worst : maximise ? o.y : -o.y));
}

/** Fit the surrogate to the observations (maximisation form). Null when nothing feasible was seen. */
export function fitSurrogate(observations: readonly Observation[], maximise: boolean): GpModel | null {
  const y = trainingTargets(observations, maximise);
  return y === null
    ? null
    : fitGp(
        observations.map((o) => o.x),
        y,
      );
}

/** Trust-region state, replayed from the observation history so it needs no persistence. */
export interface TrustRegion {
  /** Side length in normalised units (before per-knob stretching). */
  readonly length: number;
  readonly successes: number;
  readonly failures: number;
}

/**
 * TuRBO's schedule with a smaller start (0.4 rather than 0.8: sessions are short and start from
 * sensible configurations) and a failure tolerance of 4 rather than d (a 30-iteration session in
 * 24 dimensions would otherwise never shrink).
 */
export const TRUST_REGION = {
  initial: 0.4,
  min: 0.5 ** 6,
  max: 1.6,
  successTolerance: 3,
  failureTolerance: 4,
};

/** Replay successes (a new best measurement) and failures over the history after the first `skip`. */
export function replayTrustRegion(
  observations: readonly Observation[],
  maximise: boolean,
  skip: number,
): TrustRegion {
  let length = TRUST_REGION.initial;
  let successes = 0;
  let failures = 0;
  let best = -Infinity;
  observations.forEach((o, i) => {
    const y = o.y === null ? -Infinity : maximise ? o.y : -o.y;
    if (i >= skip) {
      if (y > best) {
        successes++;
        failures = 0;
      } else {
        failures++;
        successes = 0;
      }
      if (successes >= TRUST_REGION.successTolerance) {
        length = Math.min(2 * length, TRUST_REGION.max);
        successes = 0;
      } else if (failures >= TRUST_REGION.failureTolerance) {
        length /= 2;
        failures = 0;
        // TuRBO restarts when the region collapses; here we reopen it around the same incumbent.
        if (length < TRUST_REGION.min) length = TRUST_REGION.initial;
      }
    }
    best = Math.max(best, y);
  });
  return { length, successes, failures };
}

/**
 * A candidate in the trust region: each coordinate moves (uniformly inside the region) with
 * probability min(1, 20/d), at least one, as in TuRBO; the rest stay at the centre.
 */
function sampleInRegion(
  centre: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  rng: Rng,
): number[] {
  const dims = centre.length;
  const p = Math.min(1, 20 / dims);
  const x = centre.slice();
  const move = (d: number): void => {
    x[d] = (lo[d] ?? 0) + rng.next() * ((hi[d] ?? 1) - (lo[d] ?? 0));
  };
  let moved = false;
  for (let d = 0; d < dims; d++) {
    if (rng.next() < p) {
      move(d);
      moved = true;
    }
  }
  if (!moved) move(rng.int(dims));
  return x;
}

export function createBo(options: BoOptions): Optimiser {
  const candidates = options.candidates ?? 512;
  const minObservations = options.minObservations ?? 2;
  return {
    name: 'bo',
    suggest(observations, dims, rng): Suggestion {
      const feasible = observations.filter((o) => o.y !== null).length;
      if (feasible < minObservations) {
        return {
          x: uniformPoint(dims, rng),
          reason: `random start: ${feasible} feasible observation(s) so far`,
        };
      }
      const model = fitSurrogate(observations, options.maximise);
      if (model === null)
        return { x: uniformPoint(dims, rng), reason: 'random start: no feasible observation' };

      let centre: readonly number[] = uniformPoint(dims, rng);
      let incumbent = -Infinity;
      for (const o of observations) {
        const mean = model.predict(o.x).mean;
        if (mean > incumbent) {
          incumbent = mean;
          centre = o.x;
        }
      }
      // Stretch the region along long lengthscales (unimportant knobs), keeping its volume (TuRBO).
      const tr = replayTrustRegion(observations, options.maximise, minObservations);
      const ls = model.hyperparameters.lengthscales;
      const geo = Math.exp(ls.reduce((a, l) => a + Math.log(l), 0) / dims);
      const half = ls.map((l) => (tr.length / 2) * (l / geo));
      const lo = centre.map((c, d) => clip01(c - (half[d] ?? 0)));
      const hi = centre.map((c, d) => clip01(c + (half[d] ?? 0)));

      let best = { x: centre.slice(), score: -Infinity };
      for (let i = 0; i < candidates; i++) {
        const x = sampleInRegion(centre, lo, hi, rng);
        const { mean, variance } = model.predict(x);
        const score = logExpectedImprovement(mean, variance, incumbent);
        if (score > best.score) best = { x, score };
      }
      return {
        x: best.x,
        reason:
          `bayesian optimisation: expected improvement ${Math.exp(best.score).toPrecision(3)}, ` +
          `trust region ${tr.length.toPrecision(2)}, ${observations.length} observations, ` +
          `GP noise sd ${model.noiseStd.toPrecision(3)}`,
      };
    },
  };
}

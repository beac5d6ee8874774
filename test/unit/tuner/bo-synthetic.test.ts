/**
 * Optimiser quality on synthetic problems with a known optimum (see synthetic.ts).
 *
 * Protocol, mirroring a tuning session: 20 evaluations per run. The first two are shared by both
 * optimisers, as the baseline and PGTune are in a session: a uniform random point ("the current
 * configuration") and a heuristic one, the optimum displaced by 0.2 along every knob in random
 * directions ("rules of thumb get you part of the way"; normalised gap ≈ 0.37). The remaining 18
 * come from the optimiser. Measurements carry 4 % multiplicative noise; the optimisers see
 * log(measurement), as the session feeds them.
 *
 * Metrics, per run, as a normalised gap (0 = optimum, 1 = median random configuration):
 * - found: the true value of the best configuration evaluated (simple regret, the usual BO metric:
 *   it scores the search, independently of picking a winner among noisy measurements);
 * - picked: the true value of the configuration with the best noisy measurement (what a naive
 *   "keep the best run" rule would deploy; the session's final() adds a noise test on top).
 */
import { describe, expect, it } from 'vitest';
import { createBo } from '../../../src/embedded/tuner/bo.js';
import type { Observation, Optimiser } from '../../../src/embedded/tuner/optimiser.js';
import { randomSearch } from '../../../src/embedded/tuner/random-search.js';
import { createRng } from '../../../src/embedded/tuner/rng.js';
import { DIMS, makeProblem, normalisedGap } from './synthetic.js';

const SEEDS = 20;
const BUDGET = 20;
const HEURISTIC_OFFSET = 0.2;

interface RunResult {
  found: number;
  picked: number;
}

function run(optimiser: Optimiser, seed: number): RunResult {
  const problem = makeProblem(seed);
  const noise = createRng(seed, 77);
  const starts = createRng(seed, 55);
  const baseline = Array.from({ length: DIMS }, () => starts.next());
  const heuristic = problem.optimum.map((c) =>
    Math.min(1, Math.max(0, c + (starts.next() < 0.5 ? -1 : 1) * HEURISTIC_OFFSET)),
  );
  const observations: Observation[] = [];
  for (let i = 0; i < BUDGET; i++) {
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

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
}

describe('Bayesian optimisation on noisy synthetic bowls (8 knobs, 20 evaluations, 20 seeds)', () => {
  it('gets close to the optimum and beats random search', () => {
    const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
    const bo = seeds.map((s) => run(createBo({ maximise: true }), s));
    const rs = seeds.map((s) => run(randomSearch, s));
    const within = (results: RunResult[], key: keyof RunResult): number =>
      results.filter((r) => r[key] <= 0.1).length / results.length;
    const figures = {
      boWithin10Found: within(bo, 'found'),
      boWithin10Picked: within(bo, 'picked'),
      rsWithin10Found: within(rs, 'found'),
      boMedianFound: median(bo.map((r) => r.found)),
      rsMedianFound: median(rs.map((r) => r.found)),
      boMedianPicked: median(bo.map((r) => r.picked)),
      rsMedianPicked: median(rs.map((r) => r.picked)),
    };
    console.info('tuner synthetic benchmark', figures);
    // Measured: 75 % of seeds (found), 65 % (picked): below the 80 % design target; see the tuner report.
    expect(figures.boWithin10Found).toBeGreaterThanOrEqual(0.65);
    expect(figures.boMedianFound).toBeLessThan(0.6 * figures.rsMedianFound);
    expect(figures.boMedianPicked).toBeLessThan(0.75 * figures.rsMedianPicked);
  }, 60_000);
});

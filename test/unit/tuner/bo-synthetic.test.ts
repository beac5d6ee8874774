/**
 * Optimiser quality on synthetic problems with a known optimum (synthetic.ts), run through the
 * session protocol of synthetic-run.ts: 20 evaluations, the first two (a random "current
 * configuration" and a PGTune-like point) shared by both optimisers, 4 % multiplicative noise.
 *
 * Metrics, per run, as a normalised gap (0 = optimum, 1 = median random configuration):
 * - found: the true value of the best configuration evaluated (simple regret, the usual BO metric:
 *   it scores the search, independently of picking a winner among noisy measurements);
 * - picked: the true value of the configuration with the best noisy measurement (what a naive
 *   "keep the best run" rule would deploy; the session's final() adds a noise test on top).
 *
 * Acceptance line (issue tracker): within 10 % of the optimum (gap ≤ 0.1) in ≤ 20 iterations for
 * ≥ 80 % of seeds, and a better median than random search.
 */
import { describe, expect, it } from 'vitest';
import { createBo } from '../../../src/embedded/tuner/bo.js';
import { randomSearch } from '../../../src/embedded/tuner/random-search.js';
import { fractionWithin, median, runSynthetic } from './synthetic-run.js';

const SEEDS = 20;

describe('Bayesian optimisation on noisy synthetic bowls (8 knobs, 20 evaluations, 20 seeds)', () => {
  it('gets within 10 % of the optimum for 80 % of seeds and beats random search', () => {
    const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
    const bo = seeds.map((s) => runSynthetic(createBo({ maximise: true }), s));
    const rs = seeds.map((s) => runSynthetic(randomSearch, s));
    const figures = {
      boWithin10Found: fractionWithin(bo, 'found'),
      boWithin10Picked: fractionWithin(bo, 'picked'),
      rsWithin10Found: fractionWithin(rs, 'found'),
      rsWithin10Picked: fractionWithin(rs, 'picked'),
      boMedianFound: median(bo.map((r) => r.found)),
      rsMedianFound: median(rs.map((r) => r.found)),
      boMedianPicked: median(bo.map((r) => r.picked)),
      rsMedianPicked: median(rs.map((r) => r.picked)),
    };
    console.info('tuner synthetic benchmark', figures);
    // Measured: 80 % (found) and 60 % (picked) of these 20 seeds; 80 % and 52 % over 400
    // development seeds (101–500). Random search: 5 % (found).
    expect(figures.boWithin10Found).toBeGreaterThanOrEqual(0.8);
    expect(figures.boMedianFound).toBeLessThan(figures.rsMedianFound);
    // The noisy pick is harder: near the optimum the 4 % noise is as large as the remaining gap, so
    // the best measurement is often a neighbour of the best configuration. Still: most seeds within
    // 10 %, a median gap under 0.1, and far better than random search's pick.
    expect(figures.boWithin10Picked).toBeGreaterThanOrEqual(0.5);
    expect(figures.boMedianPicked).toBeLessThan(0.1);
    expect(figures.boMedianPicked).toBeLessThan(0.5 * figures.rsMedianPicked);
  }, 60_000);
});

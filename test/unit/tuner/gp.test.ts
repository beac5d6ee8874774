import { describe, expect, it } from 'vitest';
import { logExpectedImprovement, logH, normalCdf } from '../../../src/embedded/tuner/acquisition.js';
import { logLikelihood, pairDifferences } from '../../../src/embedded/tuner/gp-fit.js';
import { fitGp } from '../../../src/embedded/tuner/gp.js';
import { createRng } from '../../../src/embedded/tuner/rng.js';

describe('seeded PRNG', () => {
  it('is deterministic per (seed, stream) and roughly uniform / normal', () => {
    const a = createRng(42, 3);
    const b = createRng(42, 3);
    const c = createRng(42, 4);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(Array.from({ length: 20000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const ns = Array.from({ length: 20000 }, () => a.normal());
    const sd = Math.sqrt(ns.reduce((s, x) => s + x * x, 0) / ns.length);
    expect(sd).toBeGreaterThan(0.97);
    expect(sd).toBeLessThan(1.03);
  });
});

describe('log expected improvement', () => {
  // Reference: log(φ(z) + zΦ(z)) in double precision with Python's math.erfc.
  const REFERENCE: [number, number][] = [
    [3, 1.0987396653277077],
    [1, 0.08002621884930704],
    [0, -0.9189385332046727],
    [-0.5, -1.6205162643873197],
    [-2, -4.768783523917116],
    [-5, -16.744301162661053],
    [-10, -55.55312203612325],
    [-30, -457.72465376070403],
  ];
  it.each(REFERENCE)('log h(%d) matches the reference', (z, expected) => {
    expect(Math.abs(logH(z) - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
  });
  it('is monotone in the mean and stays finite far below the incumbent', () => {
    expect(logExpectedImprovement(1, 0.01, 0)).toBeGreaterThan(logExpectedImprovement(0, 0.01, 0));
    expect(Number.isFinite(logExpectedImprovement(-100, 0.01, 0))).toBe(true);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
  });
});

describe('Gaussian process', () => {
  it('has an analytic gradient that matches finite differences', () => {
    const rng = createRng(5);
    const n = 12;
    const dims = 3;
    const X = Float64Array.from({ length: n * dims }, () => rng.next());
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const D = pairDifferences(X, n, dims);
    const theta = Float64Array.of(Math.log(0.4), Math.log(0.9), Math.log(2), Math.log(0.05));
    const { grad } = logLikelihood(theta, D, n, dims, y, true);
    for (let j = 0; j < theta.length; j++) {
      const h = 1e-5;
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[j] = up[j]! + h;
      down[j] = down[j]! - h;
      const numeric =
        (logLikelihood(up, D, n, dims, y, false).value - logLikelihood(down, D, n, dims, y, false).value) /
        (2 * h);
      expect(grad![j]).toBeCloseTo(numeric, 4);
    }
  });

  it('interpolates noise-free data and is uncertain far from it', () => {
    const X = [
      [0.1, 0.2],
      [0.5, 0.5],
      [0.9, 0.1],
    ];
    const model = fitGp(X, [1, 2, 5], { hyperparameters: { lengthscales: [0.3, 0.3], noiseVariance: 1e-6 } });
    X.forEach((x, i) => expect(model.predict(x).mean).toBeCloseTo([1, 2, 5][i]!, 2));
    expect(model.predict([0.1, 0.95]).variance).toBeGreaterThan(100 * model.predict([0.5, 0.5]).variance);
  });

  it('estimates the noise level and finds the relevant dimension (ARD)', () => {
    const rng = createRng(9);
    const X = Array.from({ length: 40 }, () => [rng.next(), rng.next(), rng.next()]);
    const noise = 0.1;
    const y = X.map((x) => Math.sin(6 * x[0]!) + noise * rng.normal());
    const model = fitGp(X, y);
    expect(model.noiseStd).toBeGreaterThan(noise / 2);
    expect(model.noiseStd).toBeLessThan(noise * 2);
    const [l0, l1, l2] = model.hyperparameters.lengthscales;
    expect(l0).toBeLessThan(l1! / 3);
    expect(l0).toBeLessThan(l2! / 3);
    expect(model.predict([0.25, 0.5, 0.5]).mean).toBeCloseTo(Math.sin(1.5), 1);
  });
});

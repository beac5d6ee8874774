import { describe, expect, it } from 'vitest';
import { cholesky, cholInverse, cholSolve } from '../../../src/embedded/tuner/linalg.js';
import {
  logLikelihood,
  maxSharedLengthscale,
  pairDifferences,
  sharedLogLikelihood,
} from '../../../src/embedded/tuner/gp-fit.js';
import { createRng } from '../../../src/embedded/tuner/rng.js';

/** A random symmetric positive-definite matrix B Bᵀ + n I, row-major. */
function spd(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const B = Float64Array.from({ length: n * n }, () => rng.normal());
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += B[i * n + k]! * B[j * n + k]!;
      A[i * n + j] = s;
    }
  }
  return A;
}

describe('Cholesky helpers', () => {
  it('factor, solve and invert a positive-definite matrix', () => {
    const n = 17;
    const A = spd(n, 3);
    const c = cholesky(A, n)!;
    const inv = cholInverse(c);
    const b = Float64Array.from({ length: n }, (_, i) => i - 8);
    const x = cholSolve(c, b);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let k = 0; k < n; k++) {
        ax += A[i * n + k]! * x[k]!;
        let ai = 0;
        for (let j = 0; j < n; j++) ai += A[i * n + j]! * inv[j * n + k]!;
        worst = Math.max(worst, Math.abs(ai - (i === k ? 1 : 0)));
      }
      worst = Math.max(worst, Math.abs(ax - b[i]!));
    }
    expect(worst).toBeLessThan(1e-10);
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(cholesky(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
  });
});

describe('shared-lengthscale likelihood', () => {
  it('matches the per-knob likelihood with equal lengthscales, gradient included', () => {
    const rng = createRng(11);
    const n = 15;
    const dims = 4;
    const X = Float64Array.from({ length: n * dims }, () => rng.next());
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const D = pairDifferences(X, n, dims);
    const S = Float64Array.from({ length: (n * (n - 1)) / 2 }, (_, p) =>
      [0, 1, 2, 3].reduce((a, d) => a + D[p * dims + d]!, 0),
    );
    const shared = sharedLogLikelihood(Float64Array.of(Math.log(0.7), Math.log(0.05)), S, n, y, true);
    const ard = logLikelihood(
      Float64Array.of(...Array(dims).fill(Math.log(0.7)), Math.log(0.05)),
      D,
      n,
      dims,
      y,
      true,
    );
    expect(shared.value).toBeCloseTo(ard.value, 10);
    expect(shared.grad![0]).toBeCloseTo(
      ard.grad!.slice(0, dims).reduce((a, g) => a + g, 0),
      8,
    );
    expect(shared.grad![1]).toBeCloseTo(ard.grad![dims]!, 10);
  });

  it('bounds the shared lengthscale in proportion to √d', () => {
    expect(maxSharedLengthscale(8)).toBeCloseTo(0.3, 12);
    expect(maxSharedLengthscale(32)).toBeCloseTo(0.6, 12);
  });
});

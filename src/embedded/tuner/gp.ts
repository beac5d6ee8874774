/**
 * Gaussian-process regression over the normalised space [0, 1]^d.
 *
 * Model (Rasmussen & Williams, "Gaussian Processes for Machine Learning", 2006):
 * - outputs standardised to zero mean and unit variance, so the signal variance is fixed at 1
 *   (as in BoTorch's current default model: one hyperparameter fewer to fit from few points);
 * - Matérn 5/2 kernel with one lengthscale per dimension (ARD), R&W eq. 4.17;
 * - a Gaussian noise variance fitted with the lengthscales ("noise-aware"): benchmark results are
 *   noisy, and an interpolating GP would chase that noise;
 * - hyperparameters by maximising the log marginal likelihood plus log priors (MAP, gp-fit.ts).
 */
import { cholesky, cholSolve, forwardSolve, JITTER, type Cholesky } from './linalg.js';
import { fitHyperparameters } from './gp-fit.js';

export interface GpHyperparameters {
  /** One per dimension, in normalised-input units. */
  readonly lengthscales: readonly number[];
  /** Noise variance in standardised-output units. */
  readonly noiseVariance: number;
}

export interface Prediction {
  /** Posterior mean of the latent function, original output units. */
  readonly mean: number;
  /** Posterior variance of the latent function (noise excluded), original units squared. */
  readonly variance: number;
}

export interface GpModel {
  readonly dims: number;
  readonly size: number;
  readonly hyperparameters: GpHyperparameters;
  /** Fitted measurement-noise standard deviation in original output units. */
  readonly noiseStd: number;
  /** MAP objective at the fitted hyperparameters: log marginal likelihood + log prior (NaN when fixed). */
  readonly logPosterior: number;
  predict(x: readonly number[]): Prediction;
}

const SQRT5 = Math.sqrt(5);

/** Matérn 5/2 correlation at scaled distance r (R&W eq. 4.17 with ν = 5/2). */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Scaled distance between two points under per-dimension inverse squared lengthscales. */
function scaledDistance(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  invL2: Float64Array,
  bOff = 0,
): number {
  let r2 = 0;
  for (let d = 0; d < invL2.length; d++) {
    const t = (a[aOff + d] ?? 0) - (b[bOff + d] ?? 0);
    r2 += t * t * (invL2[d] ?? 0);
  }
  return Math.sqrt(r2);
}

export interface FitOptions {
  /** Fix the hyperparameters instead of fitting them (tests, warm starts). */
  readonly hyperparameters?: GpHyperparameters;
}

/** Fit a GP to (X, y). X rows are points in [0, 1]^d. At least one point is required. */
export function fitGp(
  X: readonly (readonly number[])[],
  y: readonly number[],
  options: FitOptions = {},
): GpModel {
  const n = X.length;
  if (n === 0 || n !== y.length)
    throw new Error(`tuner: gp: need matching X and y, got ${n} and ${y.length}`);
  const dims = X[0]?.length ?? 0;
  const flat = new Float64Array(n * dims);
  X.forEach((row, i) => {
    for (let d = 0; d < dims; d++) flat[i * dims + d] = row[d] ?? 0;
  });
  const yMean = y.reduce((a, b) => a + b, 0) / n;
  const variance = y.reduce((a, b) => a + (b - yMean) ** 2, 0) / Math.max(1, n - 1);
  const yStd = variance > 1e-24 ? Math.sqrt(variance) : 1;
  const ys = Float64Array.from(y, (v) => (v - yMean) / yStd);

  const fitted = options.hyperparameters
    ? { hyperparameters: options.hyperparameters, logPosterior: Number.NaN }
    : fitHyperparameters(flat, n, dims, ys);
  const hyper = fitted.hyperparameters;
  const invL2 = Float64Array.from(hyper.lengthscales, (l) => 1 / (l * l));

  let chol: Cholesky | null = null;
  for (let jitter = JITTER; chol === null && jitter < 1; jitter *= 100) {
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      K[i * n + i] = 1 + hyper.noiseVariance + jitter;
      for (let j = 0; j < i; j++) {
        const k = matern52(scaledDistance(flat, i * dims, flat, invL2, j * dims));
        K[i * n + j] = k;
        K[j * n + i] = k;
      }
    }
    chol = cholesky(K, n);
  }
  if (chol === null) throw new Error('tuner: gp: kernel matrix is not positive definite');
  const factor = chol;
  const alpha = cholSolve(factor, ys);
  const kStar = new Float64Array(n);
  const v = new Float64Array(n);

  return {
    dims,
    size: n,
    hyperparameters: hyper,
    noiseStd: Math.sqrt(hyper.noiseVariance) * yStd,
    logPosterior: fitted.logPosterior,
    predict(x) {
      let mean = 0;
      for (let i = 0; i < n; i++) {
        const k = matern52(scaledDistance(flat, i * dims, x, invL2));
        kStar[i] = k;
        mean += k * (alpha[i] ?? 0);
      }
      forwardSolve(factor, kStar, v);
      let explained = 0;
      for (let i = 0; i < n; i++) explained += (v[i] ?? 0) ** 2;
      const latent = Math.max(1 - explained, 1e-12);
      return { mean: mean * yStd + yMean, variance: latent * yStd * yStd };
    },
  };
}

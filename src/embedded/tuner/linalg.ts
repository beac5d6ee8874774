/**
 * The few dense linear-algebra steps the GP needs, on flat row-major Float64Arrays.
 *
 * Hand-written rather than ml-matrix's CholeskyDecomposition: the hyperparameter fit factors a
 * fresh n × n kernel matrix 50+ times per suggestion, and the Matrix round trip (copy in, factor in
 * nested arrays, copy the factor out) cost more than the factorisation itself; ml-matrix's `solve`
 * also clones a Matrix on every call (measured here: 1.45 ms for K⁻¹ at n = 60 through
 * `solve(Matrix.eye(60))`). The algorithm is the textbook Cholesky–Banachiewicz (row by row;
 * Golub & Van Loan, "Matrix Computations", 4th ed., Alg. 4.2.1), which reads L only along rows,
 * so every inner loop runs over contiguous memory.
 */

/** Jitter added to kernel diagonals for numerical safety (far below any noise we can measure). */
export const JITTER = 1e-8;

/** Lower-triangular Cholesky factor, row-major n × n. */
export interface Cholesky {
  readonly n: number;
  readonly L: Float64Array;
}

/**
 * Factor the symmetric matrix `a` (row-major n × n; only the lower triangle is read). Returns null
 * when it is not (numerically) positive definite, so the caller can add jitter or reject the
 * hyperparameters.
 */
export function cholesky(a: Float64Array, n: number): Cholesky | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j] ?? 0;
      for (let k = 0; k < j; k++) s -= (L[ri + k] ?? 0) * (L[rj + k] ?? 0);
      if (j < i) {
        L[ri + j] = s / (L[rj + j] ?? 1);
      } else {
        if (!(s > 0)) return null;
        L[ri + i] = Math.sqrt(s);
      }
    }
  }
  return { n, L };
}

/** Solve L z = b (forward substitution); writes into `out` and returns it. */
export function forwardSolve(c: Cholesky, b: ArrayLike<number>, out = new Float64Array(c.n)): Float64Array {
  const { n, L } = c;
  for (let i = 0; i < n; i++) {
    let s = b[i] ?? 0;
    const row = i * n;
    for (let j = 0; j < i; j++) s -= (L[row + j] ?? 0) * (out[j] ?? 0);
    out[i] = s / (L[row + i] ?? 1);
  }
  return out;
}

/** Solve Lᵀ x = z (back substitution). */
export function backSolve(c: Cholesky, z: ArrayLike<number>, out = new Float64Array(c.n)): Float64Array {
  const { n, L } = c;
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i] ?? 0;
    for (let j = i + 1; j < n; j++) s -= (L[j * n + i] ?? 0) * (out[j] ?? 0);
    out[i] = s / (L[i * n + i] ?? 1);
  }
  return out;
}

/** A⁻¹ b for A = L Lᵀ. */
export function cholSolve(c: Cholesky, b: ArrayLike<number>): Float64Array {
  return backSolve(c, forwardSolve(c, b));
}

/** log det A = 2 Σ log L_ii. */
export function logDet(c: Cholesky): number {
  let s = 0;
  for (let i = 0; i < c.n; i++) s += Math.log(c.L[i * c.n + i] ?? 1);
  return 2 * s;
}

/**
 * A⁻¹ (row-major, symmetric) from the factor: A⁻¹ = L⁻ᵀ L⁻¹ = Σ_k (row k of L⁻¹)ᵀ (row k of L⁻¹).
 * Both steps run along rows (contiguous memory); the column-wise textbook loops were a third of
 * the hyperparameter fit's time at n = 60.
 */
export function cholInverse(c: Cholesky): Float64Array {
  const { n, L } = c;
  // Row i of L⁻¹ from L L⁻¹ = I: (e_i − Σ_{k<i} L_ik · row k of L⁻¹) / L_ii, nonzero for j ≤ i.
  const Linv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const lik = L[ri + k] ?? 0;
      if (lik === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) Linv[ri + j] = (Linv[ri + j] ?? 0) - lik * (Linv[rk + j] ?? 0);
    }
    const inverseDiagonal = 1 / (L[ri + i] ?? 1);
    for (let j = 0; j < i; j++) Linv[ri + j] = (Linv[ri + j] ?? 0) * inverseDiagonal;
    Linv[ri + i] = inverseDiagonal;
  }
  // Lower triangle of Σ_k r_kᵀ r_k, then mirrored.
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const v = Linv[rk + i] ?? 0;
      if (v === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) inv[ri + j] = (inv[ri + j] ?? 0) + v * (Linv[rk + j] ?? 0);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j] ?? 0;
  }
  return inv;
}

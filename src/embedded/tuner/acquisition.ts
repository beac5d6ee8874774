/**
 * Expected improvement, computed in log space.
 *
 * EI(x) = σ · h(z), h(z) = φ(z) + z Φ(z), z = (μ − best) / σ (Jones et al. 1998). Far from the
 * incumbent EI underflows to 0 in double precision and the optimiser sees a flat landscape; log-EI
 * (Ament et al., "Unexpected Improvements to Expected Improvement", NeurIPS 2023) stays informative.
 * We evaluate log h(z) directly for z > −1, factor e^{−z²/2} out analytically for −8 < z ≤ −1, and
 * use the asymptotic series h(z) ≈ φ(z)/z² · (1 − 3/z² + 15/z⁴ − …) below.
 */
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const LOG_INV_SQRT_2PI = Math.log(INV_SQRT_2PI);

/**
 * erfc(x) = τ · exp(−x² + P(τ)), τ = 1 / (1 + x/2), fractional error < 1.2e-7 everywhere
 * (Chebyshev fit from Press et al., Numerical Recipes, 2nd ed., §6.2). Returns the log of the
 * factor exp(P(τ))·τ so callers can keep e^{−x²} symbolic.
 */
function erfcLogFactor(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

export function erfc(x: number): number {
  const z = Math.abs(x);
  const r = Math.exp(-z * z + erfcLogFactor(z));
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** log h(z), h(z) = φ(z) + zΦ(z), accurate for every finite z. */
export function logH(z: number): number {
  if (z > -1) return Math.log(normalPdf(z) + z * normalCdf(z));
  const t = -z;
  if (t < 8) {
    // h = φ(t) − tΦ(−t) = e^{−t²/2} [1/√(2π) − (t/2)·τ e^{P(τ)}] with Φ(−t) = erfc(t/√2)/2.
    const bracket = INV_SQRT_2PI - 0.5 * t * Math.exp(erfcLogFactor(t / Math.SQRT2));
    if (bracket > 0) return -0.5 * t * t + Math.log(bracket);
  }
  const u = 1 / (t * t);
  const series = 1 - 3 * u + 15 * u * u - 105 * u * u * u + 945 * u * u * u * u;
  return LOG_INV_SQRT_2PI - 0.5 * t * t - 2 * Math.log(t) + Math.log(series);
}

/** log EI for maximisation of a posterior N(mean, variance) over the incumbent `best`. */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sigma = Math.sqrt(Math.max(variance, 1e-300));
  return Math.log(sigma) + logH((mean - best) / sigma);
}

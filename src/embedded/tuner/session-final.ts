/**
 * Measurement noise and the end-of-session decision: keep the best configuration only when it beat
 * the baseline by more than the noise, otherwise keep the baseline.
 *
 * Everything is on the log scale of the objective (log TPS, log latency): benchmark noise is
 * roughly multiplicative, so a standard deviation in log units reads directly as a relative one.
 */
import type { GpModel } from './gp.js';
import { objective as objectiveSpec, objectiveScore } from './objectives.js';
import type { IterationRecord, Measurement, Objective } from './session-types.js';

/**
 * Floor on the per-iteration noise (1 %). Two runs of the same workload on the same configuration
 * practically never agree better than that (caches, autovacuum, checkpoints), and estimates from
 * two or three samples can come out absurdly small.
 */
export const NOISE_FLOOR = 0.01;
/** Standard errors the improvement must exceed (≈ one-sided 98 % when the noise is right). */
export const SIGNIFICANCE = 2;
/** Feasible observations before the GP's noise and posterior mean are trusted. */
export const GP_MIN_OBSERVATIONS = 5;

export function objectiveValue(m: Measurement, objective: Objective): number {
  return objectiveSpec(objective).value(m);
}

/** Log objective in "larger is better" form. */
export function score(m: Measurement, objective: Objective): number {
  return objectiveScore(objectiveSpec(objective), m);
}

function sampleSd(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface NoiseEstimate {
  /** Per-iteration standard deviation in log units. */
  readonly sd: number;
  /** Which evidence set it (for the reason text). */
  readonly source: string;
}

/**
 * The largest of the available estimates (conservative: each one alone tends to underestimate):
 * - spread of repeated baseline measurements (iteration 0 and every revert);
 * - within-iteration samples: sd(log samples)/√m is the standard error of one iteration's mean;
 * - the GP's fitted noise (R&W §5.4: the noise variance is a hyperparameter of the evidence);
 * - the 1 % floor.
 */
export function estimateNoise(
  baselineScores: readonly number[],
  records: readonly IterationRecord[],
  objective: Objective,
  model: GpModel | null,
): NoiseEstimate {
  const candidates: NoiseEstimate[] = [{ sd: NOISE_FLOOR, source: 'floor' }];
  if (baselineScores.length >= 2) {
    candidates.push({
      sd: sampleSd(baselineScores),
      source: `${baselineScores.length} baseline measurements`,
    });
  }
  const standardErrors = records.flatMap((r) => {
    const samples = r.measurement?.samples?.filter((s) => s > 0) ?? [];
    if (samples.length < 3) return [];
    return [sampleSd(samples.map((s) => Math.log(s))) / Math.sqrt(samples.length)];
  });
  if (standardErrors.length > 0) {
    candidates.push({
      sd: median(standardErrors),
      source: `samples of ${standardErrors.length} iteration(s)`,
    });
  }
  if (model !== null && model.size >= GP_MIN_OBSERVATIONS) {
    candidates.push({ sd: model.noiseStd, source: 'GP noise estimate' });
  }
  return candidates.reduce((a, b) => (b.sd > a.sd ? b : a));
}

export interface Comparison {
  readonly improvement: number;
  readonly threshold: number;
  readonly significant: boolean;
}

/**
 * Compare a candidate's (log, larger-is-better) value with the baseline mean: the difference of a
 * single measurement and the mean of n_b baseline measurements has standard error
 * σ·√(1 + 1/n_b); the candidate must exceed SIGNIFICANCE of those.
 */
export function compare(candidate: number, baselineScores: readonly number[], noiseSd: number): Comparison {
  const nb = Math.max(1, baselineScores.length);
  const baseline = baselineScores.reduce((a, b) => a + b, 0) / nb;
  const improvement = candidate - baseline;
  const threshold = SIGNIFICANCE * noiseSd * Math.sqrt(1 + 1 / nb);
  return { improvement, threshold, significant: improvement > threshold };
}

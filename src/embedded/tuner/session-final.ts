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

/** One measurement of the baseline configuration: when (iteration) and its log score. */
export interface BaselinePoint {
  readonly iteration: number;
  readonly score: number;
}

/**
 * The baseline a candidate measured at `iteration` is compared with.
 *
 * When the baseline was measured both before and after the candidate, the reference is the straight
 * line between the nearest such measurements, read at the candidate's iteration: a load that drifts
 * during the session (a neighbour's batch job ending, caches warming) moves the baseline too, and
 * comparing a late candidate with an early baseline would credit the drift to the configuration
 * (docs/TUNING.md, "Load drift"). Otherwise the reference is the mean of every baseline measurement.
 *
 * `weightSq` is the sum of the squared weights of the measurements used (1/n for a mean of n): the
 * reference's variance is σ²·weightSq.
 */
export function baselineReference(
  points: readonly BaselinePoint[],
  iteration: number,
): { readonly score: number; readonly weightSq: number } {
  const before = points.filter((p) => p.iteration < iteration).at(-1);
  const after = points.find((p) => p.iteration > iteration);
  if (before !== undefined && after !== undefined) {
    const w = (iteration - before.iteration) / (after.iteration - before.iteration);
    return { score: (1 - w) * before.score + w * after.score, weightSq: (1 - w) ** 2 + w ** 2 };
  }
  const n = Math.max(1, points.length);
  return { score: points.reduce((a, p) => a + p.score, 0) / n, weightSq: 1 / n };
}

/**
 * Compare a candidate's (log, larger-is-better) value with its baseline reference: the difference
 * of a single measurement and a reference whose variance is σ²·weightSq has standard error
 * σ·√(1 + weightSq); the candidate must exceed SIGNIFICANCE of those.
 */
export function compare(
  candidate: number,
  reference: { readonly score: number; readonly weightSq: number },
  noiseSd: number,
): Comparison {
  const improvement = candidate - reference.score;
  const threshold = SIGNIFICANCE * noiseSd * Math.sqrt(1 + reference.weightSq);
  return { improvement, threshold, significant: improvement > threshold };
}

/**
 * The embedded platform's tuner: search space, PGTune first proposal, Bayesian optimisation and
 * the session state machine. Pure logic: no I/O, no timers, deterministic given a seed.
 */
export { buildSpace, type ExcludedKnob, type Space, type SystemInfo } from './space.js';
export { MEMORY_BUDGET_FRACTION, PG_DEFAULT_SETTINGS, WORK_MEM_PER_CONNECTION } from './catalogue.js';
export type { Config, Knob, KnobValue, NumericKnob, CategoricalKnob } from './knobs.js';
export { pgtuneProposal, pgtuneValues, type Workload } from './pgtune.js';
export { fitGp, type GpModel, type GpHyperparameters, type Prediction } from './gp.js';
export { createBo, type BoOptions } from './bo.js';
export { randomSearch } from './random-search.js';
export type { Observation, Optimiser, Suggestion } from './optimiser.js';
export { createRng, type Rng } from './rng.js';
export {
  TuningSession,
  LATENCY_GUARDRAIL_RATIO,
  THROUGHPUT_GUARDRAIL_RATIO,
  type SessionOptions,
} from './session.js';
export type * from './session-types.js';
export { BASELINE_KINDS, measuredBaselines, measuresBaseline } from './session-types.js';
export {
  gainPct,
  scoreGainPct,
  isObjective,
  objective,
  objectiveIds,
  objectiveScore,
  registerObjective,
  type ObjectiveMetric,
  type ObjectiveSpec,
} from './objectives.js';

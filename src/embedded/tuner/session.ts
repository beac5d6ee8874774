/**
 * One tuning session as a pure state machine (no I/O, no timers): the embedded platform asks for
 * the next proposal, applies it through the agent, measures, and records the result.
 *
 * Schedule: iteration 0 measures the baseline (the current configuration); iteration 1 is PGTune's
 * proposal; later iterations come from Bayesian optimisation. A guardrail (the agent's memory
 * signal, average query runtime above 2× the baseline, or TPS below 5 % of it: DBtune's documented
 * guardrails, docs/TUNING.md) marks the iteration infeasible and the very next proposal
 * is the baseline again. The last iteration of a session of RECHECK_MIN_ITERATIONS or more measures
 * the baseline once more (`recheck`), so the final decision compares each candidate with the
 * baseline as it was around the candidate's own time, not with a first measurement taken under
 * another load. Every iteration, reverts and the recheck included, counts against the session
 * length, because each one costs the same slice of the peak window.
 *
 * Determinism: a proposal depends only on the options and the recorded history (the optimiser's
 * PRNG is derived from (seed, iteration)), so toJSON()/fromJSON() resumes with the same proposal.
 */
import { objective as objectiveSpec, scoreGainPct, type ObjectiveSpec } from './objectives.js';
import { createBo, fitSurrogate } from './bo.js';
import type { Config, KnobValue } from './knobs.js';
import type { Observation } from './optimiser.js';
import { pgtuneProposal, type Workload } from './pgtune.js';
import { createRng } from './rng.js';
import {
  baselineReference,
  compare,
  estimateNoise,
  GP_MIN_OBSERVATIONS,
  objectiveValue,
  score,
  type BaselinePoint,
} from './session-final.js';
import type {
  FinalDecision,
  Guardrail,
  IterationRecord,
  Measurement,
  Objective,
  Proposal,
  ProposalKind,
  RecordInput,
  SessionState,
} from './session-types.js';
import { measuredBaselines, measuresBaseline } from './session-types.js';
import { adaptToCurrent, buildSpace, type Space } from './space.js';

export interface SessionOptions {
  readonly space: Space;
  readonly objective: Objective;
  /** Total iterations, baseline and reverts included (DBtune runs 30). */
  readonly iterations: number;
  readonly seed: number;
  /**
   * The current configuration (pg_settings base units). A knob with no value here is left out of the
   * session's space; a categorical value outside the knob's choices is added to them (or, when the
   * tuner cannot represent it, the knob is left out): see `TuningSession.space.excluded`.
   */
  readonly baseline: Readonly<Config>;
  readonly workload?: Workload;
}

/**
 * DBtune's guardrails: average query runtime above 2× the baseline, TPS down by more than 95 %.
 * The latency reference is the mean of the *measured* baseline and revert latencies (> 0); when no
 * baseline latency was measured the latency guardrail is not applied.
 */
export const LATENCY_GUARDRAIL_RATIO = 2;
export const THROUGHPUT_GUARDRAIL_RATIO = 0.05;

const TUNING_KINDS: readonly ProposalKind[] = ['pgtune', 'bo'];

/**
 * Sessions this long or longer end with a recheck of the baseline. Shorter ones (a 3-iteration
 * smoke run) would give up most of their tuned iterations for it.
 */
export const RECHECK_MIN_ITERATIONS = 5;

export class TuningSession {
  readonly space: Space;
  readonly objective: Objective;
  readonly iterations: number;
  readonly seed: number;
  readonly workload: Workload;
  readonly baseline: Config;
  readonly #history: IterationRecord[] = [];

  constructor(options: SessionOptions) {
    if (!Number.isInteger(options.iterations) || options.iterations < 1) {
      throw new Error(`tuner: session: iterations must be a positive integer, got ${options.iterations}`);
    }
    this.space = spaceForBaseline(options.space, options.baseline);
    this.objective = options.objective;
    this.iterations = options.iterations;
    this.seed = options.seed >>> 0;
    this.workload = options.workload ?? 'oltp';
    // Checks every value. No repair: the baseline is what the server runs, constraints or not.
    this.space.toNormalised(options.baseline);
    this.baseline = pick(options.baseline, this.space);
  }

  get history(): readonly IterationRecord[] {
    return this.#history;
  }

  get done(): boolean {
    const last = this.#history.at(-1);
    return this.#history.length >= this.iterations && (last === undefined || last.outcome !== undefined);
  }

  /** The pending proposal, or a new one; null once every iteration is recorded. */
  next(): Proposal | null {
    const last = this.#history.at(-1);
    if (last !== undefined && last.outcome === undefined) return last;
    const iteration = this.#history.length;
    if (iteration >= this.iterations) return null;
    const proposal = this.#propose(iteration, last);
    this.#history.push(proposal);
    return proposal;
  }

  /** Record the result of the pending iteration. */
  record(iteration: number, result: RecordInput): IterationRecord {
    const index = this.#history.length - 1;
    const pending = this.#history[index];
    if (pending === undefined || pending.outcome !== undefined || pending.iteration !== iteration) {
      throw new Error(`tuner: session: iteration ${iteration} is not the pending iteration`);
    }
    let recorded: IterationRecord;
    if ('guardrail' in result) {
      recorded = { ...pending, outcome: 'infeasible', guardrail: result.guardrail };
    } else {
      validateMeasurement(result);
      const measurement = { ...result, ...(result.samples ? { samples: [...result.samples] } : {}) };
      const tuning = TUNING_KINDS.includes(pending.kind);
      if (!tuning && objectiveValue(measurement, this.objective) <= 0) {
        throw new Error(
          `tuner: session: the baseline measurement has no ${this.objective} (no workload observed)`,
        );
      }
      const guardrail = tuning ? this.#performanceGuardrail(measurement) : null;
      if (guardrail !== null) recorded = { ...pending, outcome: 'infeasible', guardrail, measurement };
      else recorded = { ...pending, outcome: pending.kind === 'revert' ? 'reverted' : 'ok', measurement };
    }
    this.#history[index] = recorded;
    return recorded;
  }

  /** Best configuration if it beat the baseline by more than the noise, otherwise the baseline. */
  final(): FinalDecision {
    const baselinePoints = this.#baselinePoints();
    const baselineScores = baselinePoints.map((p) => p.score);
    const keepBaseline = (reason: string, extra: Partial<FinalDecision> = {}): FinalDecision => ({
      source: 'baseline',
      config: { ...this.baseline },
      iteration: 0,
      improvement: 0,
      noise: 0,
      threshold: 0,
      reason,
      ...extra,
    });
    if (baselineScores.length === 0) return keepBaseline('baseline: the baseline was never measured');
    const candidates = this.#history.filter((r) => r.outcome === 'ok' && TUNING_KINDS.includes(r.kind));
    const observations = this.#observations();
    const model =
      observations.filter((o) => o.y !== null).length >= GP_MIN_OBSERVATIONS
        ? fitSurrogate(observations, true)
        : null;
    const noise = estimateNoise(baselineScores, this.#history, this.objective, model);
    let best: { record: IterationRecord; value: number } | null = null;
    // The best by the objective among those under the throughput floor, named in the reason.
    let floored: { record: IterationRecord; value: number; lost: number } | null = null;
    const tpsPoints = this.#baselinePoints((m) => Math.log(m.tps)).filter((p) => Number.isFinite(p.score));
    for (const record of candidates) {
      if (record.measurement === undefined) continue;
      // A lucky single measurement is the usual winner of 30 noisy ones; when the GP is trusted,
      // use the smaller of the measurement and the posterior mean there (it pools the neighbours).
      const measured = score(record.measurement, this.objective);
      const value = model
        ? Math.min(measured, model.predict(this.space.toNormalised(record.config)).mean)
        : measured;
      const lost = this.#tpsLoss(record, tpsPoints);
      if (lost !== null) {
        if (floored === null || value > floored.value) floored = { record, value, lost };
        continue;
      }
      if (best === null || value > best.value) best = { record, value };
    }
    const beatenByFloor =
      floored !== null && (best === null || floored.value > best.value)
        ? `; iteration ${floored.record.iteration} measured better but lost ${(floored.lost * 100).toFixed(1)} % TPS, more than the objective allows`
        : '';
    if (best === null) {
      return keepBaseline(
        floored !== null
          ? `baseline: every tuned configuration measured without a guardrail lost more TPS than the objective allows${beatenByFloor}`
          : 'baseline: no tuned configuration was measured without a guardrail',
      );
    }
    const c = compare(best.value, baselineReference(baselinePoints, best.record.iteration), noise.sd);
    const improvement = Math.expm1(c.improvement);
    // In the objective's own direction and scale, as report.json and report.html show it.
    const spec = objectiveSpec(this.objective);
    const pct = (scoreGain: number) =>
      `${scoreGainPct(spec, scoreGain).toFixed(1)} % ${spec.direction === 'higher' ? 'higher' : 'lower'}`;
    const summary =
      `${pct(improvement)} ${spec.label} at iteration ${best.record.iteration}; noise ` +
      `${(noise.sd * 100).toFixed(1)} % (${noise.source}), threshold ${pct(Math.expm1(c.threshold))}`;
    const figures = { improvement, noise: noise.sd, threshold: Math.expm1(c.threshold) };
    const drift = this.#drift(baselinePoints, spec);
    if (!c.significant)
      return keepBaseline(`baseline: best is within noise (${summary}${drift}${beatenByFloor})`, figures);
    return {
      source: 'best',
      config: { ...best.record.config },
      iteration: best.record.iteration,
      ...figures,
      reason: `best: ${summary}${drift}${beatenByFloor}`,
    };
  }

  /**
   * The objective's throughput floor (objectives.ts `tpsFloor`): a configuration whose TPS is
   * below the floor times the baseline's TPS read at its own iteration (the line between the
   * nearest baseline measurements, as for the objective) may not be kept. It is checked here and
   * not as an in-session guardrail: a guardrail would revert at once and tell the search the
   * point is infeasible, and in the mixed tuner-quality runs of 2026-12-04 the baseline's own TPS
   * moved 258–279 between its measurements, so a 5 % floor checked window by window marked 4 and
   * then 8 of 20 iterations infeasible on noise (docs/TUNING.md). `baselineTps`: the baseline's
   * measurements scored as log TPS. Returns the fraction of TPS lost when under the floor, else null.
   */
  #tpsLoss(record: IterationRecord, baselineTps: readonly BaselinePoint[]): number | null {
    const floor = objectiveSpec(this.objective).tpsFloor;
    const m = record.measurement;
    if (floor === undefined || m === undefined || baselineTps.length === 0) return null;
    const reference = Math.exp(baselineReference(baselineTps, record.iteration).score);
    return m.tps < floor * reference ? 1 - m.tps / reference : null;
  }

  toJSON(): SessionState {
    return structuredClone({
      version: 1,
      systemInfo: this.space.systemInfo,
      objective: this.objective,
      iterations: this.iterations,
      seed: this.seed,
      workload: this.workload,
      baseline: this.baseline,
      history: this.#history,
    });
  }

  static fromJSON(state: SessionState): TuningSession {
    if (state.version !== 1)
      throw new Error(`tuner: session: unsupported state version ${String(state.version)}`);
    const session = new TuningSession({
      space: buildSpace(state.systemInfo),
      objective: state.objective,
      iterations: state.iterations,
      seed: state.seed,
      baseline: state.baseline,
      workload: state.workload,
    });
    session.#history.push(...structuredClone(state.history));
    return session;
  }

  #propose(iteration: number, last: IterationRecord | undefined): Proposal {
    const previous = last?.config ?? this.baseline;
    const make = (kind: ProposalKind, config: Config, reason: string): Proposal => ({
      iteration,
      kind,
      config,
      reason,
      restart: this.space.knobs.some((k) => k.restart && config[k.name] !== previous[k.name]),
    });
    if (iteration === 0)
      return make('baseline', { ...this.baseline }, 'baseline: measure the current configuration');
    if (last?.outcome === 'infeasible' && TUNING_KINDS.includes(last.kind)) {
      const why =
        last.guardrail === 'apply_failed'
          ? 'configuration not applied'
          : `${last.guardrail ?? 'guardrail'} guardrail`;
      return make('revert', { ...this.baseline }, `revert: ${why} at iteration ${last.iteration}`);
    }
    if (this.#recheckDue(iteration, last)) {
      return make(
        'recheck',
        { ...this.baseline },
        'recheck: measure the baseline again, so that a load which drifted during the session is not taken for a gain',
      );
    }
    if (!this.#history.some((r) => r.kind === 'pgtune')) {
      const config = this.space.repair({ ...this.baseline, ...pgtuneProposal(this.space, this.workload) });
      return make('pgtune', config, `pgtune: ${this.workload} rules of thumb for this machine`);
    }
    const bo = createBo({ maximise: true });
    const suggestion = bo.suggest(this.#observations(), this.space.dims, createRng(this.seed, iteration));
    return make('bo', this.space.fromNormalised(suggestion.x), suggestion.reason);
  }

  /** Observations for the optimiser: log objective, larger is better; guardrail hits infeasible. */
  #observations(): Observation[] {
    return this.#history.flatMap((r): Observation[] => {
      if (r.outcome === undefined) return [];
      if (r.outcome === 'infeasible') {
        // A guardrail on the baseline says nothing about the configuration being unsafe.
        return TUNING_KINDS.includes(r.kind) ? [{ x: this.space.toNormalised(r.config), y: null }] : [];
      }
      return r.measurement
        ? [{ x: this.space.toNormalised(r.config), y: score(r.measurement, this.objective) }]
        : [];
    });
  }

  /** Every measurement of the baseline configuration, in iteration order, scored by `of` (default: the objective). */
  #baselinePoints(of: (m: Measurement) => number = (m) => score(m, this.objective)): BaselinePoint[] {
    return measuredBaselines(this.#history).flatMap((r) =>
      r.measurement ? [{ iteration: r.iteration, score: of(r.measurement) }] : [],
    );
  }

  /**
   * The last iteration of a long enough session rechecks the baseline, unless the iteration before
   * it already measured the baseline (a revert) or nothing tuned was measured to compare with it.
   */
  #recheckDue(iteration: number, last: IterationRecord | undefined): boolean {
    if (this.iterations < RECHECK_MIN_ITERATIONS || iteration !== this.iterations - 1) return false;
    if (last === undefined || measuresBaseline(last.kind)) return false;
    return this.#history.some((r) => r.outcome === 'ok' && TUNING_KINDS.includes(r.kind));
  }

  /** "; baseline moved …" when the baseline was measured more than once (empty otherwise). */
  #drift(points: readonly BaselinePoint[], spec: ObjectiveSpec): string {
    const first = points[0];
    const last = points.at(-1);
    if (first === undefined || last === undefined || last === first) return '';
    // Scores are ±log(value): the change of the objective's own value, signed.
    const sign = spec.direction === 'higher' ? 1 : -1;
    const moved = Math.expm1(sign * (last.score - first.score)) * 100;
    return (
      `; the baseline's ${spec.label} moved ${moved >= 0 ? '+' : ''}${moved.toFixed(1)} % ` +
      `between iterations ${first.iteration} and ${last.iteration}`
    );
  }

  #performanceGuardrail(m: Measurement): Guardrail | null {
    const reference = measuredBaselines(this.#history);
    // Nothing completed: whatever the objective, the configuration stalled the workload.
    if (objectiveValue(m, this.objective) <= 0) return 'throughput';
    if (reference.length === 0) return null;
    const mean = (f: (m: Measurement) => number): number =>
      reference.reduce((a, r) => a + (r.measurement ? f(r.measurement) : 0), 0) / reference.length;
    // A latency ≤ 0 means "not measured" (e.g. no pg_stat_statements sample in the window): it is
    // left out of the reference, and an unmeasured iteration is not checked. With no measured
    // baseline latency at all, the latency guardrail is not applied.
    const latencies = reference.flatMap((r) =>
      r.measurement && measuredLatency(r.measurement.latencyMs) ? [r.measurement.latencyMs] : [],
    );
    const latency = latencies.length > 0 ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
    const tps = mean((x) => x.tps);
    if (latency > 0 && measuredLatency(m.latencyMs) && m.latencyMs > LATENCY_GUARDRAIL_RATIO * latency) {
      return 'latency';
    }
    if (tps > 0 && m.tps < THROUGHPUT_GUARDRAIL_RATIO * tps) return 'throughput';
    // The objective's throughput floor is not checked here but in final(): see #tpsLoss.
    return null;
  }
}

/**
 * The space itself when it can represent the baseline; otherwise the same space rebuilt with the
 * baseline's unexpected values as current settings and its missing knobs as unreported, so the
 * rebuilt space (persisted through its systemInfo) is reproduced exactly by fromJSON.
 */
function spaceForBaseline(space: Space, baseline: Readonly<Config>): Space {
  const unreported: string[] = [];
  const current: Record<string, KnobValue> = {};
  for (const k of space.knobs) {
    const v = baseline[k.name];
    if (v === undefined) unreported.push(k.name);
    else if (adaptToCurrent(k, v) !== k) current[k.name] = v;
  }
  if (unreported.length === 0 && Object.keys(current).length === 0) return space;
  const info = space.systemInfo;
  return buildSpace({
    ...info,
    currentSettings: { ...info.currentSettings, ...current },
    unreported: [...(info.unreported ?? []), ...unreported],
  });
}

function pick(config: Readonly<Config>, space: Space): Config {
  const out: Config = {};
  for (const k of space.knobs) {
    const v = config[k.name];
    if (v !== undefined) out[k.name] = v;
  }
  return out;
}

/** A latency is measured when finite and positive; 0 is the agent's "no sample in the window". */
function measuredLatency(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0;
}

function validateMeasurement(m: Measurement): void {
  if (!(Number.isFinite(m.tps) && m.tps >= 0 && Number.isFinite(m.latencyMs) && m.latencyMs >= 0)) {
    throw new Error(`tuner: session: measurement needs finite, non-negative tps and latencyMs`);
  }
}

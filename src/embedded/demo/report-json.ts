/**
 * report.json: the embedded platform's session report reshaped for people and scripts, plus what
 * only the demo knows (workload, machine fallback, wall time, knob units).
 *
 * `improvement_pct` is the MEASURED gain of the best configuration over the baseline in the
 * objective's direction (positive = better: more TPS, or lower latency), so it matches the
 * baseline and best numbers printed beside it. The session's own estimate, which discounts noise
 * and decides whether the best is kept, is under `session`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IterationReport, SessionReport } from '../platform/types.js';
import { knobDiff, type KnobChange, type KnobConfig, type UnitMap } from './knob-format.js';
import type { ClassReport } from './workload-report.js';
import { gainPct, objective, scoreGainPct, type Objective } from '../tuner/index.js';

export interface Performance {
  readonly config: KnobConfig;
  readonly tps: number | null;
  readonly latency_ms: number | null;
}

export interface DemoReport {
  readonly generated_at: string;
  readonly agent_version: string;
  readonly objective: Objective;
  /** The objective's registry entry (src/embedded/tuner/objectives.ts). */
  readonly objective_detail: {
    readonly id: string;
    readonly label: string;
    readonly short: string;
    readonly unit: string;
    readonly direction: 'higher' | 'lower';
    /** TPS guardrail as a fraction of the baseline's, when the objective has one. */
    readonly tps_floor: number | null;
  };
  readonly pg_version: string | null;
  readonly machine: { readonly cpus: number; readonly memory_bytes: number };
  /** The demo's load generator; null for a session on the user's own database (its own workload). */
  readonly workload: {
    /** The workload's id in the demo's registry (src/embedded/demo/workloads). */
    readonly id: string;
    readonly tool: 'pgbench' | 'builtin';
    readonly scale: number;
    readonly clients: number;
    readonly iterations: number;
    readonly iteration_seconds: number;
    readonly warmup_seconds: number;
    readonly seed: number;
    /** Each class of clients: what it ran and what it completed over the whole session. */
    readonly classes: readonly ClassReport[];
  } | null;
  readonly baseline: Performance;
  readonly best: (Performance & { readonly iteration: number }) | null;
  readonly improvement_pct: number | null;
  readonly knob_diff: readonly KnobChange[];
  /** pg_settings.unit of every knob in the configurations above (their values are in these units). */
  readonly knob_units: Readonly<Record<string, string | null>>;
  readonly session: {
    /** Where the session stands ('done' once it kept a configuration). */
    readonly phase: SessionReport['phase'];
    readonly iterations_planned: number;
    readonly final_source: 'best' | 'baseline' | null;
    /** The session's (noise-discounted) estimate of the best's gain, on improvement_pct's scale. */
    readonly estimated_improvement_pct: number | null;
    /** Relative noise of one iteration's measurement (standard deviation, percent). */
    readonly noise_sd_pct: number | null;
    /** The gain the estimate had to exceed for the best to be kept, on the same scale. */
    readonly threshold_pct: number | null;
    readonly decision_reason: string | null;
  };
  readonly iterations: readonly IterationReport[];
  readonly wall_seconds: number;
}

export interface DemoFacts {
  readonly agentVersion: string;
  readonly pgVersion: string;
  readonly machine: { readonly cpus: number; readonly memoryBytes: number };
  readonly workload: DemoReport['workload'];
  readonly units: UnitMap;
  readonly wallSeconds: number;
  readonly now: Date;
}

/** Gain of `best` over `baseline` in percent, positive when better for the objective. */
export function improvementPct(id: Objective, baseline: number | null, best: number | null): number | null {
  return gainPct(objective(id), baseline, best);
}

/** The objective's value for a measured configuration (null when it was not measured). */
export function objectiveOf(
  id: Objective,
  p: { tps: number | null; latency_ms: number | null },
): number | null {
  if (p.tps === null && p.latency_ms === null) return null;
  const v = objective(id).value({ tps: p.tps ?? 0, latencyMs: p.latency_ms ?? 0 });
  return Number.isFinite(v) ? v : null;
}

/**
 * The session's own figures (FinalDecision: `expm1` of a difference of log scores, see
 * src/embedded/tuner/session-final.ts) on the scale of `improvement_pct`: for a lower-is-better
 * objective a score gain of +52.9 % (the baseline took 1.529× as long) is 34.6 % lower. The map is
 * increasing, so the estimate still exceeds the threshold exactly when the session kept the best.
 */
export function sessionGainPct(id: Objective, scorePct: number | null): number | null {
  if (scorePct === null) return null;
  return scoreGainPct(objective(id), scorePct / 100);
}

/** The registry entry as written to report.json. */
export function objectiveDetail(id: Objective): DemoReport['objective_detail'] {
  const spec = objective(id);
  return {
    id: spec.id,
    label: spec.label,
    short: spec.short,
    unit: spec.unit,
    direction: spec.direction,
    tps_floor: spec.tpsFloor ?? null,
  };
}

function unitsFor(s: SessionReport, units: UnitMap): Record<string, string | null> {
  const names = new Set<string>(Object.keys(s.baseline?.config ?? {}));
  for (const it of s.iterations) for (const k of Object.keys(it.config)) names.add(k);
  return Object.fromEntries([...names].sort().map((n) => [n, units[n] ?? null]));
}

export function buildDemoReport(s: SessionReport, f: DemoFacts): DemoReport {
  const baseline: Performance = {
    config: { ...(s.baseline?.config ?? {}) },
    tps: s.baseline?.tps ?? null,
    latency_ms: s.baseline?.latency_ms ?? null,
  };
  const best = s.best
    ? {
        iteration: s.best.iteration,
        config: { ...s.best.config },
        tps: s.best.tps,
        latency_ms: s.best.latency_ms,
      }
    : null;
  return {
    generated_at: f.now.toISOString(),
    agent_version: f.agentVersion,
    objective: s.objective,
    objective_detail: objectiveDetail(s.objective),
    pg_version: s.pg_version ?? f.pgVersion,
    machine: {
      cpus: s.machine.cpus ?? f.machine.cpus,
      memory_bytes: s.machine.memory_bytes ?? f.machine.memoryBytes,
    },
    workload: f.workload,
    baseline,
    best,
    improvement_pct: best
      ? improvementPct(s.objective, objectiveOf(s.objective, baseline), objectiveOf(s.objective, best))
      : null,
    knob_diff: best ? knobDiff(baseline.config, best.config, f.units) : [],
    knob_units: unitsFor(s, f.units),
    session: {
      phase: s.phase,
      iterations_planned: s.iterations_planned,
      final_source: s.final?.source ?? null,
      estimated_improvement_pct: sessionGainPct(s.objective, s.improvement_pct),
      noise_sd_pct: s.noise?.sd_pct ?? null,
      threshold_pct: sessionGainPct(s.objective, s.noise?.threshold_pct ?? null),
      decision_reason: s.decision_reason,
    },
    iterations: s.iterations,
    wall_seconds: Math.round(f.wallSeconds * 10) / 10,
  };
}

export function writeJsonReport(dir: string, report: DemoReport): string {
  const file = path.join(dir, 'report.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

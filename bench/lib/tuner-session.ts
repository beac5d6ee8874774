/**
 * Phase 1 of bench/tuner-quality.ts: one `dbtune-agent demo` session run in-process (`runDemo`:
 * PostgreSQL with fsync on, a registered workload's dataset and driver, embedded platform, agent),
 * reduced to what the comparison needs: the session's baseline and best configurations, their
 * figures on the workload's objective, and how the session ended.
 */
import { mkdirSync } from 'node:fs';
import { resolveDemoOptions } from '../../src/embedded/demo/options.js';
import type { DemoReport } from '../../src/embedded/demo/report-json.js';
import { runDemo } from '../../src/embedded/demo/run-demo.js';

export interface SessionPlan {
  /** Workload id in src/embedded/demo/workloads (absent in results from before the registry: TPC-B). */
  workload?: string;
  iterations: number;
  iterationSeconds: number;
  warmupSeconds: number;
  scale: number;
  clients: number;
  seed: number;
}

export type KnobMap = Record<string, number | string>;

export interface SessionOutcome {
  plan: SessionPlan;
  reportPath: string;
  pgVersion: string | null;
  machine: { cpus: number; memoryBytes: number };
  wallSeconds: number;
  /** Objective id the session tuned for (absent in older results: TPS). */
  objective?: string;
  baseline: { config: KnobMap; tps: number | null; latencyMs?: number | null };
  best: { iteration: number; config: KnobMap; tps: number | null; latencyMs?: number | null } | null;
  /** Measured gain of best over baseline inside the session (%). */
  improvementPct: number | null;
  /** Did the session leave the best configuration applied ('best') or roll back ('baseline')? */
  finalSource: 'best' | 'baseline' | null;
  estimatedImprovementPct: number | null;
  noiseSdPct: number | null;
  thresholdPct: number | null;
  decisionReason: string | null;
  /** TPS of every iteration, in order (null = failed). */
  iterationTps: (number | null)[];
  /** Average query runtime of every iteration, ms (null = failed; absent in older results). */
  iterationLatencyMs?: (number | null)[];
  /** Base units of every knob, from pg_settings.unit. */
  units: Record<string, string | null>;
}

export function outcomeOf(report: DemoReport, plan: SessionPlan, reportPath: string): SessionOutcome {
  return {
    plan,
    reportPath,
    pgVersion: report.pg_version,
    machine: { cpus: report.machine.cpus, memoryBytes: report.machine.memory_bytes },
    wallSeconds: report.wall_seconds,
    objective: report.objective,
    baseline: {
      config: { ...report.baseline.config },
      tps: report.baseline.tps,
      latencyMs: report.baseline.latency_ms,
    },
    best: report.best
      ? {
          iteration: report.best.iteration,
          config: { ...report.best.config },
          tps: report.best.tps,
          latencyMs: report.best.latency_ms,
        }
      : null,
    improvementPct: report.improvement_pct,
    finalSource: report.session.final_source,
    estimatedImprovementPct: report.session.estimated_improvement_pct,
    noiseSdPct: report.session.noise_sd_pct,
    thresholdPct: report.session.threshold_pct,
    decisionReason: report.session.decision_reason,
    iterationTps: report.iterations.map((it) => it.measurement?.tps ?? null),
    iterationLatencyMs: report.iterations.map((it) => it.measurement?.latency_ms ?? null),
    units: { ...report.knob_units },
  };
}

/** Run the demo session; its report.json, HTML and log stay in `outDir`. */
export async function runTuningSession(
  plan: SessionPlan,
  outDir: string,
  signal: AbortSignal,
  log: (msg: string) => void,
): Promise<SessionOutcome> {
  mkdirSync(outDir, { recursive: true });
  const options = resolveDemoOptions(
    {
      iterations: String(plan.iterations),
      iterationSeconds: String(plan.iterationSeconds),
      warmupSeconds: String(plan.warmupSeconds),
      scale: String(plan.scale),
      clients: String(plan.clients),
      seed: String(plan.seed),
      workload: plan.workload ?? 'tpcb',
      driver: 'pgbench',
      out: outDir,
    },
    process.cwd(),
    () => plan.seed,
  );
  const lines = (text: string) => {
    for (const l of text.split('\n')) if (l.trim()) log(`demo: ${l.trimEnd()}`);
  };
  const outcome = await runDemo(
    options,
    { out: lines, err: lines, stdout: process.stderr, env: process.env },
    signal,
    'bench',
  );
  if (outcome.kind !== 'done') throw new Error('tuner-quality: the tuning session was interrupted');
  return outcomeOf(outcome.report, plan, outcome.json);
}

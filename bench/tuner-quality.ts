/**
 * Tuner quality: does the configuration a tuning session keeps beat PostgreSQL's defaults and a
 * PGTune-style configuration, re-measured out of session?
 *
 * Phase 1 runs one `dbtune-agent demo` session in-process (fsync on, the workload's dataset and
 * driver, the demo's default session length) and takes the configuration it kept. Phase 2 loads a
 * fresh cluster (same major, same settings) and measures defaults, PGTune-style and that
 * configuration in steady state, in interleaved rounds (A B C, C B A, …).
 *
 * - A registered demo workload (default `mixed`, bench name `tuner-quality`; another id X gives
 *   `tuner-quality-X`): its objective (mixed: average query runtime weighted by calls) with TPS as
 *   the guardrail, measured as the embedded platform measures it (bench/lib/tuner-quality-workload.ts).
 *   Targets: ≥ +25 % on the objective over the defaults, ≥ +10 % over PGTune-style, TPS ≥ 0.95×
 *   the defaults'.
 * - `--workload tpcb` (bench name `tuner-quality-tpcb`): pgbench TPC-B at scale 50, TPS, the
 *   session's best window (phase 2 with pgbench's built-in script, bench/lib/config-compare.ts).
 *
 * Run: npx tsx bench/tuner-quality.ts [--quick] [--workload <id>]   (or TUNER_QUALITY_WORKLOAD=<id>)
 * TUNER_QUALITY_REPORT=<report.json> skips phase 1 and compares that session's configuration instead.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CLIENTS, FULL_DEFAULTS, QUICK_DEFAULTS } from '../src/embedded/demo/options.js';
import { findPgbench } from '../src/embedded/demo/pgbench.js';
import type { DemoReport } from '../src/embedded/demo/report-json.js';
import { DEFAULT_WORKLOAD, workloadSpec } from '../src/embedded/demo/workloads/index.js';
import { pgtuneValues } from '../src/embedded/tuner/pgtune.js';
import { isMain, type BenchResult } from './lib/bench.js';
import { failed, runFromCli } from './lib/cli.js';
import {
  compareConfigs,
  startCompareCluster,
  type ComparePlan,
  type NamedConfig,
} from './lib/config-compare.js';
import type { ReportedBenchmark, TargetRow } from './lib/report.js';
import { requireTool } from './lib/requirements.js';
import { summarizeQuality, type TunerQualityData } from './lib/tuner-quality-data.js';
import { qualityTargets, renderQuality } from './lib/tuner-quality-render.js';
import {
  compareKept,
  summarizeWorkloadQuality,
  type WorkloadQualityData,
} from './lib/tuner-quality-workload.js';
import { renderWorkloadQuality, workloadQualityTargets } from './lib/tuner-quality-workload-render.js';
import { outcomeOf, runTuningSession, type SessionOutcome, type SessionPlan } from './lib/tuner-session.js';
import type { WorkloadPlan } from './lib/workload-compare.js';

const FULL = {
  session: {
    workload: 'tpcb',
    iterations: 20,
    iterationSeconds: 25,
    warmupSeconds: 5,
    scale: 50,
    clients: 8,
    seed: 1,
  },
  // Steady state: a restart ends with a checkpoint, after which every first change to a page writes a
  // full-page image to WAL; with 10 s of warm-up the runs measured that transient for every
  // configuration alike (2026-11-24 run). 60 s lets each configuration reach its own checkpoint rhythm.
  compare: { rounds: 3, clients: 8, threads: 2, warmupSeconds: 60, measureSeconds: 60 },
} as const;
const QUICK = {
  session: {
    workload: 'tpcb',
    iterations: 8,
    iterationSeconds: 10,
    warmupSeconds: 2,
    scale: 10,
    clients: 8,
    seed: 1,
  },
  compare: { rounds: 2, clients: 8, threads: 2, warmupSeconds: 5, measureSeconds: 20 },
} as const;

async function phaseOne(
  plan: SessionPlan,
  signal: AbortSignal,
  log: (m: string) => void,
): Promise<SessionOutcome> {
  const reuse = process.env.TUNER_QUALITY_REPORT;
  if (reuse) {
    const report = JSON.parse(readFileSync(reuse, 'utf8')) as DemoReport;
    log(`phase 1: reusing ${reuse} (TUNER_QUALITY_REPORT)`);
    const w = report.workload;
    if (!w) throw new Error(`tuner-quality: ${reuse} is not a demo report (no workload)`);
    if (plan.workload !== undefined && w.id !== plan.workload)
      throw new Error(`tuner-quality: ${reuse} is a ${w.id} session, not ${plan.workload}`);
    const used = { ...plan, iterations: w.iterations, iterationSeconds: w.iteration_seconds, scale: w.scale };
    return outcomeOf(report, { ...used, warmupSeconds: w.warmup_seconds, seed: w.seed }, reuse);
  }
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'tuner-quality-'));
  log(
    `phase 1: demo session (${plan.workload ?? 'tpcb'}, ${plan.iterations} × ${plan.iterationSeconds} s, scale ${plan.scale}) → ${outDir}`,
  );
  return runTuningSession(plan, outDir, signal, log);
}

async function phaseTwo(
  session: SessionOutcome,
  plan: ComparePlan,
  signal: AbortSignal,
  log: (m: string) => void,
): Promise<TunerQualityData['compare']> {
  const { cluster, version, maxConnections } = await startCompareCluster(session.plan.scale, (m) =>
    log(`phase 2: ${m}`),
  );
  try {
    const pgtuneInfo = {
      memoryBytes: session.machine.memoryBytes,
      cpuCount: session.machine.cpus,
      maxConnections,
      pgMajor: cluster.major,
      restartsAllowed: true,
    };
    if (!session.best) throw new Error('tuner-quality: the session found no best configuration');
    const configs: NamedConfig[] = [
      { key: 'defaults', label: 'PostgreSQL defaults', knobs: {} },
      { key: 'pgtune', label: 'PGTune-style', knobs: { ...pgtuneValues(pgtuneInfo) } },
      { key: 'tuner', label: `tuner best (iteration ${session.best.iteration})`, knobs: session.best.config },
    ];
    const outcome = await compareConfigs(cluster, configs, plan, log, signal);
    for (const m of outcome.mismatches) log(`warning: ${m}`);
    return { pgVersion: version, scale: session.plan.scale, plan, pgtuneInfo, configs, outcome };
  } finally {
    await cluster.destroy();
  }
}

export const tunerQualityTpcb: ReportedBenchmark<TunerQualityData> = {
  name: 'tuner-quality-tpcb',
  title: 'Tuner quality: defaults vs PGTune vs the tuner (pgbench TPS)',
  async run(o) {
    requireTool('pgbench');
    const preset = o.quick ? QUICK : FULL;
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const session = await phaseOne({ ...preset.session }, abort.signal, o.log);
      o.log(
        `phase 1 done: baseline ${session.baseline.tps?.toFixed(1)} tps, best ${session.best?.tps?.toFixed(1)} tps ` +
          `(iteration ${session.best?.iteration}), session kept ${session.finalSource}; report ${session.reportPath}`,
      );
      const compare = await phaseTwo(session, { ...preset.compare }, abort.signal, o.log);
      return summarizeQuality(session, compare);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
  render: (r: BenchResult<TunerQualityData>) => renderQuality(r),
  targets: (r: BenchResult<TunerQualityData>): TargetRow[] => qualityTargets(r),
};

/** The registered workload's session: the demo's default length and dataset. */
function workloadSession(id: string, quick: boolean): SessionPlan {
  const spec = workloadSpec(id);
  const d = quick ? QUICK_DEFAULTS : FULL_DEFAULTS;
  return {
    workload: spec.id,
    iterations: d.iterations,
    iterationSeconds: d.iterationSeconds,
    warmupSeconds: d.warmupSeconds,
    scale: quick ? spec.scale.quick : spec.scale.full,
    clients: DEFAULT_CLIENTS,
    seed: 1,
  };
}

/** As bench/knob-effects.ts measures the mixed workload: warm-up covers a few dashboard refreshes per client. */
const WORKLOAD_COMPARE: Record<'full' | 'quick', WorkloadPlan> = {
  full: { rounds: 3, clients: DEFAULT_CLIENTS, warmupSeconds: 15, measureSeconds: 45 },
  quick: { rounds: 1, clients: DEFAULT_CLIENTS, warmupSeconds: 5, measureSeconds: 15 },
};

export function tunerQualityOn(id: string): ReportedBenchmark<WorkloadQualityData> {
  const spec = workloadSpec(id);
  return {
    name: spec.id === DEFAULT_WORKLOAD ? 'tuner-quality' : `tuner-quality-${spec.id}`,
    title: `Tuner quality on the demo's ${spec.id} workload: defaults vs PGTune vs the kept configuration`,
    async run(o) {
      requireTool('pgbench');
      const pgbench = findPgbench();
      if (!pgbench) throw new Error('tuner-quality: no runnable pgbench on PATH');
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const session = await phaseOne(workloadSession(spec.id, o.quick), abort.signal, o.log);
        o.log(
          `phase 1 done: baseline ${session.baseline.latencyMs?.toFixed(3)} ms / ${session.baseline.tps?.toFixed(1)} tps, ` +
            `best ${session.best?.latencyMs?.toFixed(3)} ms / ${session.best?.tps?.toFixed(1)} tps (iteration ` +
            `${session.best?.iteration}), session kept ${session.finalSource}; report ${session.reportPath}`,
        );
        const plan = WORKLOAD_COMPARE[o.quick ? 'quick' : 'full'];
        const compare = await compareKept(
          session,
          { ...plan },
          { workload: spec.id, pgbench, signal: abort.signal },
          o.log,
        );
        return summarizeWorkloadQuality(spec.id, session, compare);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
    render: (r: BenchResult<WorkloadQualityData>) => renderWorkloadQuality(r),
    targets: (r: BenchResult<WorkloadQualityData>): TargetRow[] => workloadQualityTargets(r),
  };
}

export const tunerQuality = tunerQualityOn(DEFAULT_WORKLOAD);

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) {
  const at = process.argv.indexOf('--workload');
  const id =
    (at >= 0 ? process.argv[at + 1] : undefined) ?? process.env.TUNER_QUALITY_WORKLOAD ?? DEFAULT_WORKLOAD;
  try {
    const bench = id === 'tpcb' ? tunerQualityTpcb : tunerQualityOn(id);
    runFromCli([bench], `bench/tuner-quality.ts${id === DEFAULT_WORKLOAD ? '' : ` --workload ${id}`}`).catch(
      failed,
    );
  } catch (err) {
    failed(err);
  }
}

/**
 * Tuner quality: does the tuner's best configuration after 20 iterations beat PostgreSQL's
 * defaults by ≥ 25 % TPS, and beat a PGTune-style configuration, on pgbench (scale 50, 8 clients)?
 *
 * Phase 1 runs one `dbtune-agent demo` session in-process (fsync on, pgbench workload) and takes
 * its best configuration. Phase 2 loads a fresh cluster (same major, same settings) and measures
 * defaults, PGTune and the tuner's best in interleaved rounds (A B C, C B A, A B C).
 *
 * Run: npx tsx bench/tuner-quality.ts [--quick]
 * TUNER_QUALITY_REPORT=<report.json> skips phase 1 and compares that session's best instead.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoReport } from '../src/embedded/demo/report-json.js';
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
import { outcomeOf, runTuningSession, type SessionOutcome, type SessionPlan } from './lib/tuner-session.js';

const FULL = {
  session: { iterations: 20, iterationSeconds: 25, warmupSeconds: 5, scale: 50, clients: 8, seed: 1 },
  // Steady state: a restart ends with a checkpoint, after which every first change to a page writes a
  // full-page image to WAL; with 10 s of warm-up the runs measured that transient for every
  // configuration alike (2026-11-24 run). 60 s lets each configuration reach its own checkpoint rhythm.
  compare: { rounds: 3, clients: 8, threads: 2, warmupSeconds: 60, measureSeconds: 60 },
} as const;
const QUICK = {
  session: { iterations: 8, iterationSeconds: 10, warmupSeconds: 2, scale: 10, clients: 8, seed: 1 },
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
    const used = { ...plan, iterations: w.iterations, iterationSeconds: w.iteration_seconds, scale: w.scale };
    return outcomeOf(report, { ...used, warmupSeconds: w.warmup_seconds, seed: w.seed }, reuse);
  }
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'tuner-quality-'));
  log(
    `phase 1: demo session (${plan.iterations} × ${plan.iterationSeconds} s, scale ${plan.scale}) → ${outDir}`,
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

export const tunerQuality: ReportedBenchmark<TunerQualityData> = {
  name: 'tuner-quality',
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

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) runFromCli([tunerQuality], 'bench/tuner-quality.ts').catch(failed);

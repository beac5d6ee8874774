/**
 * bench/tuner-quality.ts on a registered demo workload (src/embedded/demo/workloads, default
 * `mixed`): the configuration the session KEPT, re-measured out of session on a fresh cluster in
 * steady state, interleaved with PostgreSQL's defaults and the PGTune-style configuration, on the
 * workload's objective (bench/lib/workload-compare.ts measures it as the embedded platform does),
 * TPS beside it as the guardrail.
 */
import { DEFAULT_MAJOR, startCluster } from '../../src/embedded/cluster.js';
import { DEMO_SETTINGS } from '../../src/embedded/demo/cluster-setup.js';
import { workloadSpec, type ClassPlan } from '../../src/embedded/demo/workloads/index.js';
import type { SystemInfo } from '../../src/embedded/tuner/catalogue.js';
import { gainPct, objective } from '../../src/embedded/tuner/index.js';
import { pgtuneValues } from '../../src/embedded/tuner/pgtune.js';
import type { CompareOutcome, NamedConfig } from './config-compare.js';
import { summarize, type Summary } from './stats.js';
import type { SessionOutcome } from './tuner-session.js';
import { compareOnWorkload, type WorkloadPlan } from './workload-compare.js';

/** Targets (issue 18): objective gain over the defaults and over PGTune-style, TPS guardrail. */
export const TARGETS = { vsDefaultsPct: 25, vsPgtunePct: 10, tpsFloor: 0.95 } as const;

export interface WorkloadCompareData {
  pgVersion: string;
  scale: number;
  plan: WorkloadPlan;
  classes: ClassPlan[];
  pgtuneInfo: SystemInfo;
  configs: NamedConfig[];
  outcome: CompareOutcome;
}

/** Gain in the objective's direction (%): of the medians, and of the runs paired by round. */
export interface GainStats {
  ofMedians: number | null;
  paired: Summary;
}

export interface RatioStats {
  ofMedians: number;
  paired: Summary;
}

export interface WorkloadQualityData {
  workload: string;
  objective: string;
  session: SessionOutcome;
  /** Which configuration the session left applied, and so which one is re-measured as `tuner`. */
  kept: 'best' | 'baseline';
  compare: WorkloadCompareData;
  objectiveStats: Record<string, Summary>;
  tps: Record<string, Summary>;
  gains: Record<'tunerVsDefaults' | 'tunerVsPgtune' | 'pgtuneVsDefaults', GainStats>;
  tpsRatios: Record<'tunerVsDefaults' | 'pgtuneVsDefaults', RatioStats>;
  met: { vsDefaults: boolean; vsPgtune: boolean; tps: boolean };
}

/** The configurations of phase 2: defaults, PGTune-style, the kept one, and the session's best if it was not kept. */
export function qualityConfigs(session: SessionOutcome, pgtuneInfo: SystemInfo): NamedConfig[] {
  const source = session.finalSource;
  if (source === null) throw new Error('tuner-quality: the session ended without keeping a configuration');
  const kept = source === 'best' ? session.best?.config : session.baseline.config;
  if (!kept) throw new Error('tuner-quality: the session kept its best but reported none');
  const configs: NamedConfig[] = [
    { key: 'defaults', label: 'PostgreSQL defaults', knobs: {} },
    { key: 'pgtune', label: 'PGTune-style', knobs: { ...pgtuneValues(pgtuneInfo) } },
    {
      key: 'tuner',
      label:
        source === 'best'
          ? `tuner: kept configuration (iteration ${session.best?.iteration})`
          : 'tuner: kept configuration (its baseline)',
      knobs: { ...kept },
    },
  ];
  // A session that rolled back still says what it found; measured too, so the reading of a miss is measured.
  if (source === 'baseline' && session.best && session.best.iteration !== 0)
    configs.push({
      key: 'best_not_kept',
      label: `session's best window, not kept (iteration ${session.best.iteration})`,
      knobs: { ...session.best.config },
    });
  return configs;
}

export async function compareKept(
  session: SessionOutcome,
  plan: WorkloadPlan,
  o: { workload: string; pgbench: string; signal: AbortSignal },
  log: (msg: string) => void,
): Promise<WorkloadCompareData> {
  const spec = workloadSpec(o.workload);
  const scale = session.plan.scale;
  const cluster = await startCluster({ major: DEFAULT_MAJOR, settings: DEMO_SETTINGS });
  try {
    const shown = (await cluster.sql('SHOW server_version'))[0]?.server_version;
    const version = typeof shown === 'string' ? shown : '';
    const maxConnections = Number((await cluster.sql('SHOW max_connections'))[0]?.max_connections);
    log(`phase 2: PostgreSQL ${version}, loading the ${spec.id} dataset at scale ${scale}…`);
    const connection = { host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'postgres' };
    await spec.setup({ url: cluster.url, connection, scale, pgbench: o.pgbench, signal: o.signal });
    const pgtuneInfo: SystemInfo = {
      memoryBytes: session.machine.memoryBytes,
      cpuCount: session.machine.cpus,
      maxConnections,
      pgMajor: cluster.major,
      restartsAllowed: true,
    };
    const configs = qualityConfigs(session, pgtuneInfo);
    const outcome = await compareOnWorkload(
      cluster,
      { workload: spec.id, scale, pgbench: o.pgbench },
      configs,
      plan,
      (m) => log(`phase 2: ${m}`),
    );
    for (const m of outcome.mismatches) log(`warning: ${m}`);
    return {
      pgVersion: version,
      scale,
      plan,
      classes: spec.classes(scale, plan.clients),
      pgtuneInfo,
      configs,
      outcome,
    };
  } finally {
    await cluster.destroy();
  }
}

const byRound = (o: CompareOutcome, key: string, pick: (r: CompareOutcome['runs'][number]) => number) =>
  new Map(o.runs.filter((r) => r.key === key).map((r) => [r.round, pick(r)]));

function paired(
  o: CompareOutcome,
  num: string,
  den: string,
  pick: (r: CompareOutcome['runs'][number]) => number,
  combine: (a: number, b: number) => number | null,
): number[] {
  const a = byRound(o, num, pick);
  const b = byRound(o, den, pick);
  const out: number[] = [];
  for (const [round, x] of a) {
    const y = b.get(round);
    const v = y === undefined ? null : combine(x, y);
    if (v !== null && Number.isFinite(v)) out.push(v);
  }
  return out;
}

export function summarizeWorkloadQuality(
  workload: string,
  session: SessionOutcome,
  compare: WorkloadCompareData,
): WorkloadQualityData {
  const goalId = session.objective ?? workloadSpec(workload).defaultObjective;
  const goal = objective(goalId);
  const o = compare.outcome;
  const objectiveStats: Record<string, Summary> = {};
  const tps: Record<string, Summary> = {};
  for (const c of compare.configs) {
    const runs = o.runs.filter((r) => r.key === c.key);
    objectiveStats[c.key] = summarize(runs.map((r) => r.objective ?? Number.NaN));
    tps[c.key] = summarize(runs.map((r) => r.tps));
  }
  const value = (r: CompareOutcome['runs'][number]) => r.objective ?? Number.NaN;
  const gain = (num: string, den: string): GainStats => ({
    ofMedians: gainPct(goal, objectiveStats[den]?.median ?? null, objectiveStats[num]?.median ?? null),
    paired: summarize(paired(o, num, den, value, (a, b) => gainPct(goal, b, a))),
  });
  const ratio = (num: string, den: string): RatioStats => ({
    ofMedians: (tps[num]?.median ?? Number.NaN) / (tps[den]?.median ?? Number.NaN),
    paired: summarize(
      paired(
        o,
        num,
        den,
        (r) => r.tps,
        (a, b) => (b > 0 ? a / b : null),
      ),
    ),
  });
  const gains = {
    tunerVsDefaults: gain('tuner', 'defaults'),
    tunerVsPgtune: gain('tuner', 'pgtune'),
    pgtuneVsDefaults: gain('pgtune', 'defaults'),
  };
  const tpsRatios = {
    tunerVsDefaults: ratio('tuner', 'defaults'),
    pgtuneVsDefaults: ratio('pgtune', 'defaults'),
  };
  const kept = session.finalSource === 'best' ? 'best' : 'baseline';
  const data = {
    workload,
    objective: goalId,
    session,
    kept,
    compare,
    objectiveStats,
    tps,
    gains,
    tpsRatios,
  } as const;
  return { ...data, met: targetsMet(data) };
}

/**
 * The targets, from the ratio of medians. A session that kept its baseline tuned nothing: its row
 * is the defaults' values set explicitly, so whatever it measures against the defaults is the
 * run-to-run noise, never a gain, and the objective targets are missed.
 */
export function targetsMet(d: Omit<WorkloadQualityData, 'met'>): WorkloadQualityData['met'] {
  const tuned = d.kept === 'best';
  return {
    vsDefaults: tuned && (d.gains.tunerVsDefaults.ofMedians ?? -Infinity) >= TARGETS.vsDefaultsPct,
    vsPgtune: tuned && (d.gains.tunerVsPgtune.ofMedians ?? -Infinity) >= TARGETS.vsPgtunePct,
    tps: d.tpsRatios.tunerVsDefaults.ofMedians >= TARGETS.tpsFloor,
  };
}

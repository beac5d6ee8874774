/**
 * Knob effects: what hand-picked configurations are worth on a demo workload (the registry in
 * src/embedded/demo/workloads), measured in steady state on the workload's objective, so the
 * tuner's result can be read against what is reachable.
 *
 * - `mixed` (default, bench name `knob-effects`): the demo's mixed workload (OLTP at a fixed rate
 *   plus dashboard refreshes), its objective the average query runtime weighted by calls with TPS
 *   beside it; bench/lib/workload-compare.ts measures it as the embedded platform does.
 * - `tpcb` (bench name `knob-effects-tpcb`): the tuner-quality workload (pgbench scale 50,
 *   8 clients, TPS), with per run the WAL written and the checkpoints started, because on TPC-B
 *   WAL volume (full-page images after each checkpoint) is what the knobs change most.
 *
 * One cluster (the demo's major, fsync on), interleaved rounds (A B C, C B A, …) like
 * tuner-quality's phase 2.
 *
 * Run: npx tsx bench/knob-effects.ts [--quick] [--workload mixed|tpcb]
 */
import os from 'node:os';
import { startCluster } from '../src/embedded/cluster.js';
import { DEMO_SETTINGS } from '../src/embedded/demo/cluster-setup.js';
import { findPgbench } from '../src/embedded/demo/pgbench.js';
import { workloadSpec, type ClassPlan } from '../src/embedded/demo/workloads/index.js';
import { DEFAULT_MAJOR } from '../src/embedded/cluster.js';
import { gainPct, objective } from '../src/embedded/tuner/index.js';
import { pgtuneValues } from '../src/embedded/tuner/pgtune.js';
import { isMain, type BenchResult } from './lib/bench.js';
import { failed, runFromCli } from './lib/cli.js';
import {
  compareConfigs,
  startCompareCluster,
  type ComparePlan,
  type CompareOutcome,
  type NamedConfig,
} from './lib/config-compare.js';
import type { ReportedBenchmark } from './lib/report.js';
import { requireTool } from './lib/requirements.js';
import { fmt, fmtRange, summarize } from './lib/stats.js';
import { compareOnWorkload, type WorkloadPlan } from './lib/workload-compare.js';

const FULL = {
  scale: 50,
  compare: { rounds: 2, clients: 8, threads: 2, warmupSeconds: 60, measureSeconds: 60 },
};
const QUICK = {
  scale: 10,
  compare: { rounds: 1, clients: 8, threads: 2, warmupSeconds: 5, measureSeconds: 15 },
};

/** The tpcb bench's data (pgbench's built-in script, TPS). */
export interface KnobEffectsData {
  pgVersion: string;
  scale: number;
  plan: ComparePlan;
  configs: NamedConfig[];
  outcome: CompareOutcome;
}

/** A registered workload's data: its objective per run, TPS beside it, each class's figures. */
export interface WorkloadEffectsData {
  workload: string;
  objective: string;
  pgVersion: string;
  scale: number;
  plan: WorkloadPlan;
  classes: ClassPlan[];
  configs: NamedConfig[];
  outcome: CompareOutcome;
}

/** Checkpoints timed, not forced by WAL volume, and far apart; then the same with the data in shared_buffers. */
const WAL = { max_wal_size: 16 * 1024, min_wal_size: 4 * 1024, checkpoint_timeout: 1800 };
const WAL_AND_MEMORY = { ...WAL, shared_buffers: (1024 * 1024) / 8, wal_buffers: (64 * 1024) / 8 };

function pgtuneFor(pgMajor: number, maxConnections: number): NamedConfig['knobs'] {
  // As the agent reports the host to the tuner (adapters/local/system-info.ts).
  return pgtuneValues({
    memoryBytes: os.totalmem(),
    cpuCount: os.availableParallelism(),
    maxConnections,
    pgMajor,
    restartsAllowed: true,
  });
}

function configsFor(pgMajor: number, maxConnections: number): NamedConfig[] {
  const pgtune = pgtuneFor(pgMajor, maxConnections);
  return [
    { key: 'defaults', label: 'PostgreSQL defaults', knobs: {} },
    { key: 'wal', label: 'max_wal_size 16 GB, min_wal_size 4 GB, checkpoint_timeout 30 min', knobs: WAL },
    {
      key: 'wal_memory',
      label: 'the same + shared_buffers 1 GB, wal_buffers 64 MB',
      knobs: WAL_AND_MEMORY,
    },
    { key: 'pgtune', label: 'PGTune-style (as tuner-quality)', knobs: { ...pgtune } },
    {
      key: 'pgtune_nocompress',
      label: 'PGTune-style with wal_compression off',
      knobs: { ...pgtune, wal_compression: 'off' },
    },
    // Not a tuner knob (it loses the last commits on a crash, src/embedded/tuner/catalogue.ts): an upper
    // bound for what removing the commit's WAL flush wait is worth on this box.
    {
      key: 'async_commit',
      label: 'upper bound, not tunable: the wal + memory row with synchronous_commit off',
      knobs: { ...WAL_AND_MEMORY, synchronous_commit: 'off' },
    },
  ];
}

export const knobEffectsTpcb: ReportedBenchmark<KnobEffectsData> = {
  name: 'knob-effects-tpcb',
  title: 'Knob effects on TPC-B: hand-picked configurations on the tuner-quality workload',
  async run(o) {
    requireTool('pgbench');
    const preset = o.quick ? QUICK : FULL;
    const { cluster, version, maxConnections } = await startCompareCluster(preset.scale, o.log);
    try {
      const configs = configsFor(cluster.major, maxConnections);
      const outcome = await compareConfigs(cluster, configs, preset.compare, o.log);
      for (const m of outcome.mismatches) o.log(`warning: ${m}`);
      return { pgVersion: version, scale: preset.scale, plan: preset.compare, configs, outcome };
    } finally {
      await cluster.destroy();
    }
  },
  render: (r: BenchResult<KnobEffectsData>) => render(r.data),
};

function render(d: KnobEffectsData): string {
  const runsOf = (key: string) => d.outcome.runs.filter((x) => x.key === key);
  const base = summarize(runsOf('defaults').map((x) => x.tps)).median;
  const rows = [
    '| configuration | median TPS (min–max) | runs | vs defaults | WAL per minute (median) | checkpoints per run | CPU busy / iowait / steal (median) |',
    '|---|---:|---|---:|---:|---|---:|',
  ];
  for (const c of d.configs) {
    const runs = runsOf(c.key);
    const tps = summarize(runs.map((x) => x.tps));
    const perMinute = runs.map((x) => (x.walBytes / d.plan.measureSeconds) * 60);
    const wal = summarize(perMinute).median / 1024 ** 2;
    const share = (k: 'busyPct' | 'iowaitPct' | 'stealPct') => {
      const v = runs.flatMap((x) => (x.cpu ? [x.cpu[k]] : []));
      return v.length ? `${fmt(summarize(v).median, 0)} %` : 'n/a';
    };
    rows.push(
      `| ${c.label} | ${fmtRange(tps)} | ${runs.map((x) => fmt(x.tps, 0)).join(', ')} | ` +
        `×${fmt(tps.median / base, 2)} | ${fmt(wal, 0)} MiB | ${runs.map((x) => x.checkpoints).join(', ')} | ` +
        `${share('busyPct')} / ${share('iowaitPct')} / ${share('stealPct')} |`,
    );
  }
  const p = d.plan;
  return [
    `PostgreSQL ${d.pgVersion} (fsync on, as the demo), \`pgbench -i -s ${d.scale}\`. Before every run: ` +
      `\`ALTER SYSTEM RESET ALL\`, the configuration's knobs, restart, ${p.warmupSeconds} s pgbench warm-up; ` +
      `then \`pgbench -c ${p.clients} -j ${p.threads} -T ${p.measureSeconds} -n\`, ${p.rounds} interleaved ` +
      `rounds (order ${d.outcome.order.join(' ')}). WAL, checkpoints and CPU shares (whole machine, ` +
      `/proc/stat: pgbench, PostgreSQL and any other tenant) are counted over the measured run only.`,
    '',
    ...rows,
    '',
    'No target: this section says what is reachable on this box, to read the tuner-quality result against.',
  ].join('\n');
}

/** The mixed workload: the demo's full dataset; warm-up covers a few dashboard refreshes per client. */
const MIXED_FULL = { scale: 10, plan: { rounds: 2, clients: 8, warmupSeconds: 15, measureSeconds: 45 } };
const MIXED_QUICK = { scale: 2, plan: { rounds: 1, clients: 8, warmupSeconds: 5, measureSeconds: 15 } };

const MiB = 1024; // kB, work_mem's unit
/** 3/4 of the host's memory in 8 kB pages (effective_cache_size's unit), as PGTune sets it. */
const cacheSize = () => Math.floor((os.totalmem() * 0.75) / 8192);

function mixedConfigs(pgMajor: number, maxConnections: number): NamedConfig[] {
  const planner = { random_page_cost: 1.1, effective_cache_size: cacheSize() };
  const memory = { work_mem: 64 * MiB, hash_mem_multiplier: 4 };
  return [
    { key: 'defaults', label: 'PostgreSQL defaults', knobs: {} },
    {
      key: 'planner',
      label: 'random_page_cost 1.1, effective_cache_size 3/4 of RAM (data in memory)',
      knobs: planner,
    },
    { key: 'memory', label: 'work_mem 64 MB, hash_mem_multiplier 4 (no spilling)', knobs: memory },
    {
      key: 'serial',
      label: 'max_parallel_workers_per_gather 0',
      knobs: { max_parallel_workers_per_gather: 0 },
    },
    {
      key: 'handpicked',
      label: 'the planner, memory and max_parallel_workers_per_gather rows together',
      knobs: { ...planner, ...memory, max_parallel_workers_per_gather: 0 },
    },
    {
      key: 'pgtune',
      label: 'PGTune-style (as tuner-quality)',
      knobs: { ...pgtuneFor(pgMajor, maxConnections) },
    },
  ];
}

export const knobEffects: ReportedBenchmark<WorkloadEffectsData> = {
  name: 'knob-effects',
  title: "Knob effects: hand-picked configurations on the demo's mixed workload",
  async run(o) {
    requireTool('pgbench');
    const pgbench = findPgbench();
    if (!pgbench) throw new Error('knob-effects: no runnable pgbench on PATH');
    const spec = workloadSpec('mixed');
    const preset = o.quick ? MIXED_QUICK : MIXED_FULL;
    const cluster = await startCluster({ major: DEFAULT_MAJOR, settings: DEMO_SETTINGS });
    try {
      const shown = (await cluster.sql('SHOW server_version'))[0]?.server_version;
      const version = typeof shown === 'string' ? shown : '';
      const maxConnections = Number((await cluster.sql('SHOW max_connections'))[0]?.max_connections);
      o.log(`PostgreSQL ${version}, loading the ${spec.id} dataset at scale ${preset.scale}…`);
      const connection = { host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'postgres' };
      await spec.setup({ url: cluster.url, connection, scale: preset.scale, pgbench });
      const configs = mixedConfigs(cluster.major, maxConnections);
      const outcome = await compareOnWorkload(
        cluster,
        { workload: spec.id, scale: preset.scale, pgbench },
        configs,
        preset.plan,
        o.log,
      );
      for (const m of outcome.mismatches) o.log(`warning: ${m}`);
      return {
        workload: spec.id,
        objective: spec.defaultObjective,
        pgVersion: version,
        scale: preset.scale,
        plan: preset.plan,
        classes: spec.classes(preset.scale, preset.plan.clients),
        configs,
        outcome,
      };
    } finally {
      await cluster.destroy();
    }
  },
  render: (r: BenchResult<WorkloadEffectsData>) => renderWorkload(r.data),
};

function renderWorkload(d: WorkloadEffectsData): string {
  const goal = objective(d.objective);
  const runsOf = (key: string) => d.outcome.runs.filter((x) => x.key === key);
  const med = (xs: number[]) => summarize(xs).median;
  const base = med(runsOf('defaults').map((x) => x.objective ?? NaN));
  const baseTps = med(runsOf('defaults').map((x) => x.tps));
  const classLatency = (key: string, name: string) => {
    const v = runsOf(key).flatMap((x) => {
      const ms = x.classes?.find((c) => c.name === name)?.latencyMs;
      return ms === null || ms === undefined ? [] : [ms];
    });
    return v.length ? fmt(med(v), 1) : 'n/a';
  };
  const names = d.classes.map((c) => c.name);
  const rows = [
    `| configuration | ${goal.short}: median (min–max) | runs | gain vs defaults | TPS median (min–max) | TPS vs defaults | ${names.map((n) => `${n} latency (ms, median)`).join(' | ')} | CPU busy (median) |`,
    `|---|---:|---|---:|---:|---:|${names.map(() => '---:|').join('')}---:|`,
  ];
  let best: { label: string; gain: number; tps: number } | null = null;
  for (const c of d.configs) {
    const runs = runsOf(c.key);
    if (runs.length === 0) continue;
    const values = summarize(runs.map((x) => x.objective ?? NaN));
    const tps = summarize(runs.map((x) => x.tps));
    const gain = gainPct(goal, base, values.median);
    const busy = runs.flatMap((x) => (x.cpu ? [x.cpu.busyPct] : []));
    if (c.key !== 'defaults' && gain !== null && (best === null || gain > best.gain))
      best = { label: c.label, gain, tps: tps.median / baseTps };
    rows.push(
      `| ${c.label} | ${fmtRange(values, 3)} | ${runs.map((x) => fmt(x.objective ?? NaN, 3)).join(', ')} | ` +
        `${gain === null ? 'n/a' : `${gain >= 0 ? '+' : ''}${fmt(gain, 1)} %`} | ${fmtRange(tps, 0)} | ×${fmt(tps.median / baseTps, 2)} | ` +
        `${names.map((n) => classLatency(c.key, n)).join(' | ')} | ${busy.length ? `${fmt(med(busy), 0)} %` : 'n/a'} |`,
    );
  }
  const p = d.plan;
  const cls = d.classes
    .map(
      (c) =>
        `${c.name}: ${c.clients} clients running ${c.scripts.join(', ')}` +
        (c.rate === null ? '' : ` at ${c.rate} transactions/s (pgbench -R)`) +
        (c.think_ms > 0 ? `, ${c.think_ms / 1000} s think time between runs` : ''),
    )
    .join('; ');
  const target = 25;
  const verdict =
    best === null
      ? 'No configuration was measured.'
      : best.gain >= target && best.tps >= 0.95
        ? `Target met: ${best.label} is ${fmt(best.gain, 1)} % better than the defaults on the median (≥ ${target} %), TPS ×${fmt(best.tps, 2)}.`
        : `Target (≥ ${target} % on the objective) not met: the best configuration measured, ${best.label}, is ${fmt(best.gain, 1)} % ${best.gain >= 0 ? 'better' : 'worse'} than the defaults on the median, TPS ×${fmt(best.tps, 2)}.`;
  return [
    `PostgreSQL ${d.pgVersion} (fsync on, as the demo), the demo's \`${d.workload}\` workload at scale ${d.scale} ` +
      `(src/embedded/demo/workloads/${d.workload}): ${cls}. Objective: ${goal.label} (${goal.unit}, ` +
      `${goal.direction} is better) over every statement in pg_stat_statements, as the embedded platform ` +
      `measures it; TPS from pg_stat_database's commit counters. Before every run: \`ALTER SYSTEM RESET ALL\`, ` +
      `the configuration's knobs, restart, the workload's driver started, ${p.warmupSeconds} s warm-up; then ` +
      `${p.measureSeconds} s measured, ${p.rounds} interleaved rounds (order ${d.outcome.order.join(' ')}). ` +
      `Class latencies are pgbench's (with a fixed rate they count from the scheduled start; the think time is ` +
      `taken off). CPU busy is the whole machine's (/proc/stat), other tenants included.`,
    '',
    ...rows,
    '',
    verdict,
  ].join('\n');
}

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) {
  const at = process.argv.indexOf('--workload');
  const id = at >= 0 ? process.argv[at + 1] : 'mixed';
  const bench = { mixed: knobEffects, tpcb: knobEffectsTpcb }[id ?? ''];
  if (!bench)
    failed(new Error(`bench/knob-effects.ts: --workload must be mixed or tpcb, got ${JSON.stringify(id)}`));
  else runFromCli([bench], `bench/knob-effects.ts${id === 'mixed' ? '' : ` --workload ${id}`}`).catch(failed);
}

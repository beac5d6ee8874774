/**
 * Knob effects: what hand-picked configurations are worth on the tuner-quality workload (pgbench
 * scale 50, 8 clients, steady state), so the tuner's result can be read against what is reachable.
 *
 * One cluster (the demo's major, fsync on), interleaved rounds like tuner-quality's phase 2, and
 * per run the WAL written and the checkpoints started, because on this workload WAL volume (full-page
 * images after each checkpoint) is what the knobs change most.
 *
 * Run: npx tsx bench/knob-effects.ts [--quick]
 */
import os from 'node:os';
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

const FULL = {
  scale: 50,
  compare: { rounds: 2, clients: 8, threads: 2, warmupSeconds: 60, measureSeconds: 60 },
};
const QUICK = {
  scale: 10,
  compare: { rounds: 1, clients: 8, threads: 2, warmupSeconds: 5, measureSeconds: 15 },
};

export interface KnobEffectsData {
  pgVersion: string;
  scale: number;
  plan: ComparePlan;
  configs: NamedConfig[];
  outcome: CompareOutcome;
}

/** Checkpoints timed, not forced by WAL volume, and far apart; then the same with the data in shared_buffers. */
const WAL = { max_wal_size: 16 * 1024, min_wal_size: 4 * 1024, checkpoint_timeout: 1800 };
const WAL_AND_MEMORY = { ...WAL, shared_buffers: (1024 * 1024) / 8, wal_buffers: (64 * 1024) / 8 };

function configsFor(pgMajor: number, maxConnections: number): NamedConfig[] {
  // As the agent reports the host to the tuner (adapters/local/system-info.ts).
  const pgtune = pgtuneValues({
    memoryBytes: os.totalmem(),
    cpuCount: os.availableParallelism(),
    maxConnections,
    pgMajor,
    restartsAllowed: true,
  });
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

export const knobEffects: ReportedBenchmark<KnobEffectsData> = {
  name: 'knob-effects',
  title: 'Knob effects: hand-picked configurations on the tuner-quality workload',
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

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) runFromCli([knobEffects], 'bench/knob-effects.ts').catch(failed);

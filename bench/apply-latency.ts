/**
 * Apply latency: a 20-knob reload batch through the apply engine with the ALTER SYSTEM backend (validation
 * against live pg_settings, ALTER SYSTEM on one session, pg_reload_conf(), read-back until every
 * value shows) with default options. Two value sets alternate so every run changes all 20 knobs.
 *
 * Run: npx tsx bench/apply-latency.ts [--quick]
 */
import { DEFAULT_ALLOWLIST } from '../src/apply/index.js';
import { alterSystemEngine } from '../adapters/local/alter-system.js';
import { createDb } from '../src/pg/pool.js';
import type { Proposal } from '../src/platform/types.js';
import { isMain, type BenchResult } from './lib/bench.js';
import { failed, runFromCli } from './lib/cli.js';
import { withBenchCluster } from './lib/cluster.js';
import type { ReportedBenchmark, TargetRow } from './lib/report.js';
import { fmt, summarize, type Summary } from './lib/stats.js';

/** Reload-context knobs (sighup/user) from the default allowlist, with two valid values each (base units). */
const KNOBS: readonly [name: string, a: string | number, b: string | number][] = [
  ['work_mem', 4096, 8192],
  ['hash_mem_multiplier', 2, 3],
  ['maintenance_work_mem', 65536, 131072],
  ['autovacuum_work_mem', -1, 65536],
  ['logical_decoding_work_mem', 65536, 131072],
  ['effective_cache_size', 524288, 262144],
  ['max_wal_size', 1024, 2048],
  ['min_wal_size', 80, 160],
  ['checkpoint_timeout', 300, 600],
  ['checkpoint_completion_target', 0.9, 0.8],
  ['wal_writer_delay', 200, 300],
  ['commit_delay', 0, 10],
  ['commit_siblings', 5, 6],
  ['random_page_cost', 4, 1.1],
  ['seq_page_cost', 1, 0.9],
  ['cpu_tuple_cost', 0.01, 0.02],
  ['default_statistics_target', 100, 200],
  ['jit', 'off', 'on'],
  ['bgwriter_delay', 200, 100],
  ['autovacuum_naptime', 60, 30],
];

export interface ApplyData {
  pgVersion: string;
  knobs: string[];
  runs: number;
  ms: number[];
  summary: Summary;
}

function proposal(set: 0 | 1): Proposal {
  return {
    config: KNOBS.map(([name, a, b]) => ({ name, setting: set === 0 ? a : b })),
    knobs_overrides: KNOBS.map(([name]) => name),
    knob_application: 'reload',
  };
}

export const applyLatency: ReportedBenchmark<ApplyData> = {
  name: 'apply-latency',
  title: 'Apply latency: 20-knob reload batch',
  async run(o) {
    const runs = o.quick ? 20 : 40;
    for (const [name] of KNOBS)
      if (!DEFAULT_ALLOWLIST.has(name)) throw new Error(`apply-latency: ${name} is not allowlisted`);
    return withBenchCluster({}, async (bc) => {
      const contexts = await bc.cluster.sql(
        `SELECT name, context FROM pg_settings WHERE name IN (${KNOBS.map(([n]) => `'${n}'`).join(', ')})`,
      );
      const notReload = contexts.filter((r) => !['sighup', 'user', 'superuser'].includes(String(r.context)));
      if (contexts.length !== KNOBS.length || notReload.length) {
        throw new Error(`apply-latency: knobs missing or not reloadable: ${JSON.stringify(notReload)}`);
      }
      const db = createDb({ connectionUrl: bc.agentUrl });
      const ms: number[] = [];
      const engine = alterSystemEngine(db);
      try {
        // Start from set 0 so the first measured run (set 1) changes every knob.
        await engine.apply(proposal(0));
        for (let i = 0; i < runs; i++) {
          const set = i % 2 === 0 ? 1 : 0;
          const t0 = performance.now();
          const res = await engine.apply(proposal(set));
          ms.push(performance.now() - t0);
          if (res.action !== 'reload' || res.plan.changes.length !== KNOBS.length) {
            throw new Error(
              `apply-latency: run ${i} did ${res.action} with ${res.plan.changes.length} changes`,
            );
          }
        }
      } finally {
        await db.end();
      }
      o.log(`median ${summarize(ms).median.toFixed(0)} ms`);
      return { pgVersion: bc.version, knobs: KNOBS.map(([n]) => n), runs, ms, summary: summarize(ms) };
    });
  },
  render(r: BenchResult<ApplyData>) {
    const d = r.data;
    return [
      `PostgreSQL ${d.pgVersion}. \`applyProposal\` (src/apply) over the agent's pool with default options ` +
        '(read-back polls every 500 ms after a 100 ms settle), measured around the whole call: validation against ' +
        'live `pg_settings` and the allowlist, ALTER SYSTEM for each knob on one session, `pg_reload_conf()`, and ' +
        `read-back until every value is visible. ${d.runs} runs alternating two value sets, so every run changes all ` +
        `${d.knobs.length} knobs (the pipeline checks the action was \`reload\` with ${d.knobs.length} changes): ${d.knobs.join(', ')}.`,
      '',
      '| runs | p50 ms | p95 ms | min–max ms |',
      '|---:|---:|---:|---:|',
      `| ${d.runs} | ${fmt(d.summary.median, 0)} | ${fmt(d.summary.p95, 0)} | ${fmt(d.summary.min, 0)}–${fmt(d.summary.max, 0)} |`,
      '',
      'Noise: the 100 ms settle and the 500 ms poll interval quantise the result; when the first read-back ' +
        'already sees every value the call ends after one poll, otherwise it waits another 500 ms, which is what ' +
        'separates p50 from the maximum.',
    ].join('\n');
  },
  targets(r: BenchResult<ApplyData>): TargetRow[] {
    const d = r.data;
    return [
      {
        metric: '20-knob reload apply incl. validation and read-back',
        target: '(none set)',
        measured: `p50 ${fmt(d.summary.median, 0)} ms, p95 ${fmt(d.summary.p95, 0)} ms`,
        met: null,
      },
    ];
  },
};

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) runFromCli([applyLatency], 'bench/apply-latency.ts').catch(failed);

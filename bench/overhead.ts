/**
 * Steady-state overhead: pgbench TPS (scale 10, 8 clients, -j 2) with the agent (`--local`, default
 * intervals, fake platform) running vs not, interleaved A/B pairs with alternating order.
 *
 * Each run: settle (with the agent: started at the beginning of it, so bootstrap collection is over),
 * then pgbench for the run length. Both arms settle for the same time so autovacuum and checkpoints
 * fall alike.
 *
 * Run: npx tsx bench/overhead.ts [--quick]
 */
import { isMain, type BenchResult } from './lib/bench.js';
import { requireBuiltCli, withAgent } from './lib/agent.js';
import { failed, runFromCli } from './lib/cli.js';
import os from 'node:os';
import { AGENT_ROLE, withBenchCluster } from './lib/cluster.js';
import { readCpu } from './lib/proc.js';
import { toolVersion } from './lib/machine.js';
import { pgbenchInit, pgbenchRun } from './lib/pgbench.js';
import { requireTool } from './lib/requirements.js';
import type { ReportedBenchmark, TargetRow } from './lib/report.js';
import { fmt, fmtRange, sleep, spreadPct, summarize, type Summary } from './lib/stats.js';

const SCALE = 10;
const CLIENTS = 8;
const THREADS = 2;
const SETTLE_S = 15;

export interface OverheadData {
  pgVersion: string;
  pgbenchVersion: string;
  seconds: number;
  settleSeconds: number;
  pairs: { order: 'without-first' | 'with-first'; without: number; with: number; ratio: number }[];
  ratio: Summary;
  without: Summary;
  with: Summary;
  /**
   * Resource accounting per with-agent run: agent process CPU (utime+stime), CPU of the child
   * processes it spawned and reaped (cutime+cstime), and the execution time
   * of the agent role's statements (pg_stat_statements), as a share of the machine's CPU time.
   */
  accounting: {
    agentCpuSeconds: number;
    childCpuSeconds?: number;
    agentDbSeconds: number;
    /** This process (the in-process fake platform decoding and validating every payload, plus pgbench supervision). */
    fakePlatformCpuSeconds?: number;
    share: number;
  }[];
  share: Summary;
  /** Requests the agent made to the fake platform during all with-agent runs. */
  agentRequests: number;
}

export const overhead: ReportedBenchmark<OverheadData> = {
  name: 'overhead',
  title: 'Steady-state overhead on pgbench',
  async run(o) {
    requireBuiltCli();
    requireTool('pgbench');
    const pairsN = o.quick ? 3 : 6;
    const seconds = o.quick ? 15 : 60;
    return withBenchCluster({}, async (bc) => {
      o.log(`pgbench -i -s ${SCALE}`);
      await pgbenchInit(bc.cluster, SCALE);
      await bc.cluster.sql('VACUUM ANALYZE');
      const bench = () => pgbenchRun(bc.cluster, { clients: CLIENTS, threads: THREADS, seconds });
      o.log('warm-up run (discarded)');
      await pgbenchRun(bc.cluster, { clients: CLIENTS, threads: THREADS, seconds: Math.min(10, seconds) });
      let agentRequests = 0;
      const shares: OverheadData['accounting'] = [];
      const agentTimeSql = `SELECT coalesce(sum(total_exec_time), 0)::float8 AS ms FROM pg_stat_statements(false) WHERE userid = '${AGENT_ROLE}'::regrole`;
      const agentDbMs = async () => Number((await bc.cluster.sql(agentTimeSql))[0]?.ms ?? 0);
      const withAgentRun = () =>
        withAgent(bc.agentUrl, async (agent, fake) => {
          await sleep(SETTLE_S * 1000);
          if (agent.child.exitCode !== null) throw new Error(`agent exited: ${agent.stderr().slice(-1000)}`);
          const pid = agent.child.pid!;
          const cpu0 = readCpu(pid);
          const bench0 = process.cpuUsage();
          const db0 = await agentDbMs();
          const t0 = performance.now();
          const r = await bench();
          const elapsed = (performance.now() - t0) / 1000;
          const cpu1 = readCpu(pid);
          const benchCpu = process.cpuUsage(bench0);
          const agentCpu = (cpu1?.self ?? Number.NaN) - (cpu0?.self ?? Number.NaN);
          const childCpu = (cpu1?.children ?? Number.NaN) - (cpu0?.children ?? Number.NaN);
          const agentDb = ((await agentDbMs()) - db0) / 1000;
          shares.push({
            agentCpuSeconds: agentCpu,
            childCpuSeconds: childCpu,
            agentDbSeconds: agentDb,
            fakePlatformCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
            share: (agentCpu + childCpu + agentDb) / (os.cpus().length * elapsed),
          });
          agentRequests += fake.requests().length;
          if (fake.requests('metrics').length === 0)
            throw new Error('agent sent no metrics: not really running');
          return r.tps;
        });
      const withoutRun = async () => {
        await sleep(SETTLE_S * 1000);
        return (await bench()).tps;
      };
      const pairs: OverheadData['pairs'] = [];
      for (let i = 0; i < pairsN; i++) {
        const withoutFirst = i % 2 === 0;
        let a: number;
        let b: number;
        if (withoutFirst) {
          a = await withoutRun();
          b = await withAgentRun();
        } else {
          b = await withAgentRun();
          a = await withoutRun();
        }
        pairs.push({
          order: withoutFirst ? 'without-first' : 'with-first',
          without: a,
          with: b,
          ratio: b / a,
        });
        o.log(
          `pair ${i + 1}: without ${a.toFixed(0)} tps, with ${b.toFixed(0)} tps, ratio ${(b / a).toFixed(3)}`,
        );
      }
      return {
        pgVersion: bc.version,
        pgbenchVersion: toolVersion(requireTool('pgbench')) ?? 'unknown',
        seconds,
        settleSeconds: SETTLE_S,
        pairs,
        ratio: summarize(pairs.map((p) => p.ratio)),
        without: summarize(pairs.map((p) => p.without)),
        with: summarize(pairs.map((p) => p.with)),
        agentRequests,
        accounting: shares,
        share: summarize(shares.map((x) => x.share)),
      };
    });
  },
  render(r: BenchResult<OverheadData>) {
    const d = r.data;
    const pct = (s: Summary): Summary => ({
      ...s,
      median: s.median * 100,
      min: s.min * 100,
      max: s.max * 100,
    });
    return [
      `PostgreSQL ${d.pgVersion} (embedded binaries, \`fsync=off\`, default settings otherwise), ${d.pgbenchVersion}: ` +
        `\`pgbench -s ${SCALE} -c ${CLIENTS} -j ${THREADS} -T ${d.seconds} -n\` (TPC-B-like default script) on the same 2 cores as ` +
        `PostgreSQL and the agent. ${d.pairs.length} interleaved pairs, order alternating (without→with, then with→without); ` +
        `every run is preceded by ${d.settleSeconds} s of settling, during which the agent (with arm) starts, runs its ` +
        'startup checks and bootstrap collection, so the measured window is steady state with all default intervals ' +
        `(metrics 5 s, catalog 5 s–1 h, config 5 s, guardrail 1 s). The agent made ${d.agentRequests.toLocaleString('en-US')} requests to the fake platform in the with-agent runs.`,
      '',
      '| | median | min–max |',
      '|---|---:|---:|',
      `| TPS without agent | ${fmt(d.without.median, 0)} | ${fmt(d.without.min, 0)}–${fmt(d.without.max, 0)} |`,
      `| TPS with agent | ${fmt(d.with.median, 0)} | ${fmt(d.with.min, 0)}–${fmt(d.with.max, 0)} |`,
      `| **with / without (per pair)** | **${fmt(d.ratio.median * 100, 1)} %** | ${fmt(d.ratio.min * 100, 1)}–${fmt(d.ratio.max * 100, 1)} % |`,
      '',
      `Resource accounting, which this machine's noise does not swamp: during each measured with-agent window the agent ` +
        `process used ${fmtRange(summarize(d.accounting.map((x) => x.agentCpuSeconds)), 2)} s of CPU, the child processes it spawned ` +
        `${d.accounting.every((x) => x.childCpuSeconds !== undefined) ? `${fmtRange(summarize(d.accounting.map((x) => x.childCpuSeconds ?? 0)), 2)} s` : '(not recorded in this run)'}, and its statements ` +
        `${fmtRange(summarize(d.accounting.map((x) => x.agentDbSeconds)), 2)} s inside PostgreSQL, i.e. ` +
        `**${fmtRange(pct(d.share), 2)} %** of the ${r.machine.cores} cores' time over ${d.seconds} s — an upper bound on ` +
        'the throughput the agent can take from a CPU-bound workload on this machine.' +
        (d.accounting.every((x) => x.fakePlatformCpuSeconds !== undefined)
          ? ` Not counted there, but competing for the same cores in this setup: the in-process fake platform ` +
            `(gunzip, lossless JSON parse and validation of every payload) used ` +
            `${fmtRange(summarize(d.accounting.map((x) => x.fakePlatformCpuSeconds ?? 0)), 2)} s of CPU per window.`
          : ''),
      '',
      '| pair | order | without | with | ratio |',
      '|---:|---|---:|---:|---:|',
      ...d.pairs.map(
        (p, i) =>
          `| ${i + 1} | ${p.order} | ${fmt(p.without, 0)} | ${fmt(p.with, 0)} | ${fmt(p.ratio * 100, 1)} % |`,
      ),
      '',
      `Noise: the without-agent runs alone spread ±${fmt(spreadPct(d.without), 1)} % around their median, the per-pair ratio ` +
        `${fmtRange(pct(d.ratio), 1)} %. A difference smaller than that spread is not resolved by this run; ` +
        'other engineers were running test suites on the same 2 cores.',
    ].join('\n');
  },
  targets(r: BenchResult<OverheadData>): TargetRow[] {
    const d = r.data;
    return [
      {
        metric: 'pgbench TPS with agent / without (median of pairs)',
        target: '≥ 99 %',
        measured: `${fmt(d.ratio.median * 100, 1)} % (${fmt(d.ratio.min * 100, 1)}–${fmt(d.ratio.max * 100, 1)} %)`,
        met: d.ratio.median >= 0.99,
      },
      {
        metric: `agent CPU${d.accounting.every((x) => x.childCpuSeconds !== undefined) ? ' (incl. spawned children)' : ''} + its time in PostgreSQL, share of machine CPU under pgbench`,
        target: '≤ 1 % (same budget, by accounting)',
        measured: `${fmt(d.share.median * 100, 2)} % (${fmt(d.share.min * 100, 2)}–${fmt(d.share.max * 100, 2)} %)`,
        met: d.share.median <= 0.01,
      },
    ];
  },
};

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) runFromCli([overhead], 'bench/overhead.ts').catch(failed);

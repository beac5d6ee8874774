/**
 * Agent resident memory and CPU over time: the built CLI with `--local` against the fake platform
 * under a light, rate-limited pgbench load, sampling /proc/<pid>/status (VmRSS, VmHWM) and
 * /proc/<pid>/stat (utime + stime) every 5 s.
 *
 * Run: npx tsx bench/memory.ts [--quick]   (10 minutes; --quick: 1 minute)
 */
import { isMain, type BenchResult } from './lib/bench.js';
import { requireBuiltCli, withAgent } from './lib/agent.js';
import { failed, runFromCli } from './lib/cli.js';
import { withBenchCluster } from './lib/cluster.js';
import { pgbenchInit, pgbenchRun } from './lib/pgbench.js';
import { sampleProcess, type ProcSample } from './lib/proc.js';
import type { ReportedBenchmark, TargetRow } from './lib/report.js';
import { fmt, slope, summarize, type Summary } from './lib/stats.js';

const MB = 1024 * 1024;
const SAMPLE_MS = 5_000;
const LOAD = { clients: 2, threads: 1, rate: 50 };

export interface MemoryData {
  pgVersion: string;
  seconds: number;
  samples: ProcSample[];
  rss: Summary;
  peakHwm: number;
  /** Mean CPU over the run, in % of one core. */
  cpuPct: number;
  /** CPU of child processes the agent spawned (cutime+cstime), mean % of one core; absent in older results. */
  childCpuPct?: number;
  /** Per-interval CPU % (median, min–max). */
  cpuIntervalPct: Summary;
  /** Least-squares RSS slope over the second half, MB per minute (a leak shows here). */
  rssSlopeMbPerMin: number;
  loadTps: number;
  requests: number;
}

export const memory: ReportedBenchmark<MemoryData> = {
  name: 'memory',
  title: 'Agent memory and CPU over time',
  async run(o) {
    requireBuiltCli();
    const seconds = o.quick ? 60 : 600;
    return withBenchCluster({}, async (bc) => {
      await pgbenchInit(bc.cluster, 10);
      return withAgent(bc.agentUrl, async (agent, fake) => {
        const pid = agent.child.pid!;
        const load = new AbortController();
        const loadRun = pgbenchRun(bc.cluster, { ...LOAD, seconds: seconds + 10 }, load.signal).catch(
          () => null,
        );
        const sampler = sampleProcess(pid, SAMPLE_MS);
        const t0 = Date.now();
        let samples: ProcSample[];
        try {
          while (Date.now() - t0 < seconds * 1000) {
            await new Promise((r) => setTimeout(r, 1_000));
            if (agent.child.exitCode !== null)
              throw new Error(`agent exited: ${agent.stderr().slice(-1000)}`);
            if ((Date.now() - t0) % 60_000 < 1_000) o.log(`${Math.round((Date.now() - t0) / 1000)} s`);
          }
        } catch (err) {
          load.abort();
          throw err;
        } finally {
          samples = sampler.stop();
        }
        const tps = (await loadRun)?.tps ?? Number.NaN;
        const last = samples.at(-1)!;
        const first = samples[0]!;
        const cpu: number[] = [];
        for (let i = 1; i < samples.length; i++) {
          const a = samples[i - 1]!;
          const b = samples[i]!;
          if (b.t > a.t) cpu.push(((b.cpuSeconds - a.cpuSeconds) / (b.t - a.t)) * 100);
        }
        const half = samples.filter((s) => s.t >= seconds / 2);
        return {
          pgVersion: bc.version,
          seconds,
          samples,
          rss: summarize(samples.map((s) => s.rss)),
          peakHwm: Math.max(...samples.map((s) => s.hwm)),
          cpuPct: ((last.cpuSeconds - first.cpuSeconds) / (last.t - first.t)) * 100,
          childCpuPct: ((last.childCpuSeconds - first.childCpuSeconds) / (last.t - first.t)) * 100,
          cpuIntervalPct: summarize(cpu),
          rssSlopeMbPerMin: slope(
            half.map((s) => s.t / 60),
            half.map((s) => s.rss / MB),
          ),
          loadTps: tps,
          requests: fake.requests().length,
        };
      });
    });
  },
  render(r: BenchResult<MemoryData>) {
    const d = r.data;
    const minute = (m: number) =>
      d.samples.filter((s) => s.t >= m * 60 && s.t < (m + 1) * 60).map((s) => s.rss / MB);
    const per = Array.from({ length: Math.ceil(d.seconds / 60) }, (_, m) => {
      const xs = minute(m);
      return xs.length ? `${m + 1}: ${fmt(Math.max(...xs), 0)}` : null;
    }).filter(Boolean);
    return [
      `PostgreSQL ${d.pgVersion}; \`dbtune-agent --local\` (built CLI started through its launcher line, as the installed bin; default intervals) against the fake platform for ` +
        `${d.seconds / 60} min under \`pgbench -s 10 -c ${LOAD.clients} -j ${LOAD.threads} -R ${LOAD.rate}\` ` +
        `(${fmt(d.loadTps, 0)} TPS); ${d.samples.length} samples every ${SAMPLE_MS / 1000} s from the agent's start. ` +
        `The agent made ${d.requests.toLocaleString('en-US')} platform requests. The database holds only the pgbench tables, so ` +
        'per-table payloads are small here; [collection](#collection) shows the in-process memory at 1,000 and 5,000 tables.',
      '',
      '| | value |',
      '|---|---:|',
      `| RSS (VmRSS), median (min–max) | ${fmt(d.rss.median / MB, 1)} MiB (${fmt(d.rss.min / MB, 1)}–${fmt(d.rss.max / MB, 1)}) |`,
      `| Peak RSS (VmHWM) | ${fmt(d.peakHwm / MB, 1)} MiB |`,
      `| RSS trend over the second half | ${fmt(d.rssSlopeMbPerMin, 2)} MiB/min |`,
      `| CPU, mean over the run (% of one core) | ${fmt(d.cpuPct, 2)} % |`,
      `| CPU of child processes it spawned (cutime + cstime), mean | ${d.childCpuPct === undefined ? 'not recorded in this run' : `${fmt(d.childCpuPct, 2)} %`} |`,
      `| CPU per 5 s interval, median (min–max) | ${fmt(d.cpuIntervalPct.median, 1)} % (${fmt(d.cpuIntervalPct.min, 1)}–${fmt(d.cpuIntervalPct.max, 1)}) |`,
      '',
      `Highest RSS per minute (MiB): ${per.join(', ')}.`,
      '',
      'Noise: RSS depends on when V8 collects garbage, so single samples move by a few MiB; the CPU figure ' +
        'is the agent process alone (not PostgreSQL work done on its behalf, which [collection](#collection) measures).',
    ].join('\n');
  },
  targets(r: BenchResult<MemoryData>): TargetRow[] {
    const d = r.data;
    return [
      {
        metric: `agent RSS over ${d.seconds / 60} min (peak VmHWM)`,
        target: '≤ 100 MB, read as MiB (104.9 MB)',
        measured: `${fmt(d.rss.median / MB, 0)} MiB median, ${fmt(d.peakHwm / MB, 0)} MiB = ${fmt(d.peakHwm / 1e6, 1)} MB peak`,
        met: d.peakHwm <= 100 * MB,
      },
    ];
  },
};

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) runFromCli([memory], 'bench/memory.ts').catch(failed);

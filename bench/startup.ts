/**
 * Startup: time from spawning the built CLI (`--local`) to the first heartbeat the fake platform
 * receives (the startup check sends one before the loop starts), and to the first metrics POST.
 *
 * Run: npx tsx bench/startup.ts [--quick]
 */
import { isMain, type BenchResult } from './lib/bench.js';
import { FakePlatform, requireBuiltCli, startLocalAgent } from './lib/agent.js';
import { failed, runFromCli } from './lib/cli.js';
import { withBenchCluster } from './lib/cluster.js';
import type { ReportedBenchmark, TargetRow } from './lib/report.js';
import { fmt, fmtRange, summarize, type Summary } from './lib/stats.js';

export interface StartupData {
  pgVersion: string;
  heartbeatMs: number[];
  metricsMs: number[];
  heartbeat: Summary;
  metrics: Summary;
}

export const startup: ReportedBenchmark<StartupData> = {
  name: 'startup',
  title: 'Startup: process start to first heartbeat',
  async run(o) {
    requireBuiltCli();
    const runs = 5;
    return withBenchCluster({}, async (bc) => {
      const heartbeatMs: number[] = [];
      const metricsMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const fake = await FakePlatform.start();
        const t0 = Date.now();
        const agent = startLocalAgent(fake, bc.agentUrl);
        try {
          const reqs = await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'metrics'), 30_000);
          const at = (name: string) => reqs.find((r) => r.endpoint === name)!.at - t0;
          heartbeatMs.push(at('heartbeat'));
          metricsMs.push(at('metrics'));
          o.log(`run ${i + 1}: heartbeat ${heartbeatMs.at(-1)} ms, metrics ${metricsMs.at(-1)} ms`);
        } finally {
          await agent.stop();
          await fake.close();
        }
      }
      return {
        pgVersion: bc.version,
        heartbeatMs,
        metricsMs,
        heartbeat: summarize(heartbeatMs),
        metrics: summarize(metricsMs),
      };
    });
  },
  render(r: BenchResult<StartupData>) {
    const d = r.data;
    return [
      `PostgreSQL ${d.pgVersion}. \`dist/src/cli/main.js --local\` (the bin, started through its \`#!/usr/bin/env -S\` launcher line as an installed agent is) spawned ${d.heartbeatMs.length} times; the clock starts ` +
        'just before `spawn` and stops when the fake platform records the request (Node start-up, module loading, ' +
        'config, connection, startup checks included).',
      '',
      '| | median ms | min–max ms |',
      '|---|---:|---:|',
      `| first heartbeat | ${fmt(d.heartbeat.median, 0)} | ${fmt(d.heartbeat.min, 0)}–${fmt(d.heartbeat.max, 0)} |`,
      `| first metrics POST | ${fmt(d.metrics.median, 0)} | ${fmt(d.metrics.min, 0)}–${fmt(d.metrics.max, 0)} |`,
      '',
      `Runs (heartbeat ms): ${d.heartbeatMs.join(', ')}. Noise: module loading is CPU-bound, so a busy neighbour on ` +
        'the 2 shared cores shows up directly in the maximum.',
    ].join('\n');
  },
  targets(r: BenchResult<StartupData>): TargetRow[] {
    return [
      {
        metric: 'process start → first heartbeat',
        target: '(none set)',
        measured: `${fmtRange(r.data.heartbeat, 0)} ms`,
        met: null,
      },
    ];
  },
};

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) runFromCli([startup], 'bench/startup.ts').catch(failed);

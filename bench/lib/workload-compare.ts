/**
 * Configurations compared on a registered demo workload (src/embedded/demo/workloads), measured the
 * way the embedded platform measures a session: TPS from the commit counters (pg_stat_database),
 * the average query runtime weighted by calls from pg_stat_statements (total execution time over
 * calls, every statement), and the workload's objective from those two
 * (src/embedded/tuner/objectives.ts). Interleaved rounds as config-compare.ts; each run: ALTER SYSTEM
 * RESET ALL, the configuration's knobs, restart, check pg_settings, start the workload's driver,
 * warm up, measure, stop the driver.
 */
import type { PgCluster } from '../../src/embedded/cluster.js';
import { workloadSpec } from '../../src/embedded/demo/workloads/index.js';
import { objective } from '../../src/embedded/tuner/index.js';
import {
  applyConfig,
  interleavedOrder,
  readEffective,
  sameValue,
  walPosition,
  type CompareOutcome,
  type CompareRun,
  type Effective,
  type NamedConfig,
} from './config-compare.js';
import { cpuShares, readCpuTimes } from './proc.js';
import { sleep } from './stats.js';

export interface WorkloadPlan {
  rounds: number;
  /** Clients of the workload's main class (the others have the workload's own counts). */
  clients: number;
  warmupSeconds: number;
  measureSeconds: number;
}

interface Counters {
  at: number;
  commits: number;
  calls: number;
  execMs: number;
}

async function counters(cluster: PgCluster): Promise<Counters> {
  const [r] = await cluster.sql(
    `SELECT (SELECT sum(xact_commit) FROM pg_stat_database)::float8 AS commits,
            sum(calls)::float8 AS calls, sum(total_exec_time)::float8 AS exec FROM pg_stat_statements`,
  );
  return {
    at: performance.now(),
    commits: Number(r?.commits),
    calls: Number(r?.calls),
    execMs: Number(r?.exec),
  };
}

export async function compareOnWorkload(
  cluster: PgCluster,
  o: { workload: string; scale: number; pgbench: string },
  configs: readonly NamedConfig[],
  plan: WorkloadPlan,
  log: (msg: string) => void,
): Promise<CompareOutcome> {
  const spec = workloadSpec(o.workload);
  const goal = objective(spec.defaultObjective);
  const names = [...new Set(configs.flatMap((c) => Object.keys(c.knobs)))].sort();
  const byKey = new Map(configs.map((c) => [c.key, c]));
  const schedule = interleavedOrder(
    configs.map((c) => c.key),
    plan.rounds,
  );
  const runs: CompareRun[] = [];
  const effective: Record<string, Record<string, Effective>> = {};
  const mismatches = new Set<string>();
  const connection = { host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'postgres' };
  for (const [i, step] of schedule.entries()) {
    const config = byKey.get(step.key);
    if (!config) throw new Error(`knob-effects: no configuration ${step.key}`);
    await applyConfig(cluster, config.knobs);
    const eff = await readEffective(cluster, names);
    for (const [name, want] of Object.entries(config.knobs)) {
      const got = eff[name];
      if (!got || got.pending || !sameValue(want, got.setting))
        mismatches.add(`${config.key}.${name}: wanted ${want}, got ${got?.setting ?? 'nothing'}`);
    }
    effective[config.key] = Object.fromEntries(
      Object.entries(eff).map(([n, e]) => [n, { setting: e.setting, unit: e.unit }]),
    );
    const load = spec.driver({
      url: cluster.url,
      connection,
      driver: 'pgbench',
      pgbench: o.pgbench,
      scale: o.scale,
      clients: plan.clients,
      durationSeconds: plan.warmupSeconds + plan.measureSeconds + 60,
    });
    load.start();
    try {
      await sleep(plan.warmupSeconds * 1000);
      const startedAt = new Date().toISOString();
      const classesBefore = load.classes();
      const before = await counters(cluster);
      const walBefore = await walPosition(cluster);
      const cpuBefore = readCpuTimes();
      await sleep(plan.measureSeconds * 1000);
      const cpuAfter = readCpuTimes();
      const after = await counters(cluster);
      const walAfter = await walPosition(cluster);
      const classesAfter = load.classes();
      const seconds = (after.at - before.at) / 1000;
      const tps = (after.commits - before.commits) / seconds;
      const calls = after.calls - before.calls;
      const latencyMs = calls > 0 ? (after.execMs - before.execMs) / calls : 0;
      const value = goal.value({ tps, latencyMs });
      runs.push({
        key: config.key,
        round: step.round,
        tps,
        latencyMs,
        objective: value,
        classes: classesAfter.map((c, k) => {
          const b = classesBefore[k]!.totals;
          const n = c.totals.transactions - b.transactions;
          return {
            name: c.name,
            transactions: Math.round(n),
            latencyMs: n > 0 ? (c.totals.latencySumMs - b.latencySumMs) / n : null,
          };
        }),
        walBytes: Number(walAfter.lsn - walBefore.lsn),
        checkpoints: walAfter.checkpoints - walBefore.checkpoints,
        ...(cpuBefore && cpuAfter ? { cpu: cpuShares(cpuBefore, cpuAfter) } : {}),
        startedAt,
      });
      log(
        `run ${i + 1}/${schedule.length} round ${step.round + 1} ${config.label}: ${goal.short} ${value.toFixed(3)} ` +
          `(${tps.toFixed(1)} tps, ${latencyMs.toFixed(3)} ms per call)`,
      );
    } finally {
      await load.stop();
    }
  }
  return { order: schedule.map((s) => s.key), runs, effective, mismatches: [...mismatches] };
}

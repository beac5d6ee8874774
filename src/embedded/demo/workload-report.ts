/** report.json's per-class view of the demo's workload: the plan and what each class completed. */
import type { ClassReading } from './workload.js';
import type { ClassPlan } from './workloads/index.js';

export interface ClassReport extends ClassPlan {
  /** Transactions (script runs) completed over the whole session, restarts included. */
  readonly transactions: number;
  /** Their average rate over the time the load ran. */
  readonly tps: number | null;
  /**
   * Their average latency (ms) as pgbench measures it, the scripts' think time excluded; with a
   * fixed rate (pgbench -R) it counts from the scheduled start, so time spent queued is in it. Null
   * when none completed.
   */
  readonly latency_ms: number | null;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export function classReport(
  plans: readonly ClassPlan[],
  readings: readonly ClassReading[],
  seconds: number,
): ClassReport[] {
  return plans.map((plan) => {
    const r = readings.find((x) => x.name === plan.name);
    const n = r?.totals.transactions ?? 0;
    return {
      ...plan,
      transactions: Math.round(n),
      tps: seconds > 0 ? round(n / seconds, 2) : null,
      latency_ms: n > 0 && r ? round(r.totals.latencySumMs / n, 3) : null,
    };
  });
}

/**
 * Workload samples from what the agent posts, and their aggregation into one iteration's measurement.
 *
 * Sources, in order of preference:
 * - `database_transactions` rows[0].tps (docs/PROTOCOL.md §3.5). The collector omits `tps` when it is 0
 *   (Go's omitempty), so when it is absent the rate is derived from consecutive `xact_commit`
 *   counters; a stalled database then reads as 0 TPS instead of "no sample";
 * - `pg_stat_statements` `average_query_runtime` (ms) when `delta_count` > 0 (docs/PROTOCOL.md §3.4), weighted
 *   by the calls in the tick's deltas;
 * - the legacy metric keys `perf_transactions_per_second` / `perf_average_query_runtime` in `metrics`
 *   (docs/PROTOCOL.md §3.1), used only for a window in which the catalog sent nothing, so an agent
 *   that reports both is not counted twice.
 *
 * Aggregation: the MEAN of the window's samples (calls-weighted for latency), not the median.
 * - Throughput is transactions per unit of time; with equal collection intervals the mean of the
 *   per-interval rates is exactly total transactions / window, the quantity TPS means.
 * - The slow intervals a median would discard (checkpoint write bursts, autovacuum, WAL recycling)
 *   are costs the tuned knobs cause or remove (max_wal_size, checkpoint_*, bgwriter_*); a median
 *   would reward configurations that merely push the cost into fewer intervals.
 * - The session's noise model treats an iteration's value as a mean of its samples (standard error
 *   sd/√m, tuner/session-final.ts), so the estimate it reports is the right one only for a mean.
 * Outlier resistance comes from elsewhere: the warm-up discards the transient after each change,
 * and the final choice needs the best to beat the baseline by the estimated noise.
 */
import type { ObjectiveMetric } from '../tuner/index.js';

export type SampleSource = 'catalog' | 'metrics';

export interface Sample {
  readonly metric: 'tps' | 'latency';
  readonly value: number;
  /** Relative weight (calls for latency, 1 for tps). */
  readonly weight: number;
  readonly source: SampleSource;
  /** Receipt time (platform clock, ms). */
  readonly at: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function finite(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Derives TPS from `xact_commit` when a tick omits `tps`. */
export class TpsTracker {
  #prev: { commits: bigint; at: number } | null = null;

  /** One sample from a `database_transactions` payload, or null (first tick, counter reset, bad body). */
  read(body: unknown, at: number): Sample | null {
    const row = isObj(body) && Array.isArray(body.rows) ? (body.rows as unknown[])[0] : undefined;
    if (!isObj(row)) return null;
    const commits = toBigInt(row.xact_commit);
    const collected =
      isObj(body) && typeof body.collected_at === 'string' ? Date.parse(body.collected_at) : NaN;
    // The agent's collection time gives the true interval; the receipt time is the fallback.
    const when = Number.isFinite(collected) ? collected : at;
    const prev = this.#prev;
    this.#prev = commits === null ? null : { commits, at: when };
    const tps = finite(row.tps);
    if (tps !== null && tps >= 0) return { metric: 'tps', value: tps, weight: 1, source: 'catalog', at };
    if (commits === null || prev === null || commits < prev.commits || when <= prev.at) return null;
    const value = Number(commits - prev.commits) / ((when - prev.at) / 1000);
    return { metric: 'tps', value, weight: 1, source: 'catalog', at };
  }
}

function toBigInt(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return null;
}

/** A latency sample from a `pg_stat_statements` payload when it carries deltas. */
export function latencyFromPgss(body: unknown, at: number): Sample | null {
  if (!isObj(body)) return null;
  const count = finite(body.delta_count);
  const aqr = finite(body.average_query_runtime);
  if (count === null || count <= 0 || aqr === null || aqr < 0) return null;
  let calls = 0;
  if (Array.isArray(body.deltas)) {
    for (const d of body.deltas as unknown[]) calls += isObj(d) ? Math.max(0, finite(d.calls) ?? 0) : 0;
  }
  return { metric: 'latency', value: aqr, weight: calls > 0 ? calls : 1, source: 'catalog', at };
}

/** Samples from the legacy perf_* keys of a `metrics` payload. */
export function samplesFromMetrics(body: unknown, at: number): Sample[] {
  if (!isObj(body) || !isObj(body.metrics)) return [];
  const out: Sample[] = [];
  const tps = finite(body.metrics.perf_transactions_per_second);
  if (tps !== null && tps >= 0) out.push({ metric: 'tps', value: tps, weight: 1, source: 'metrics', at });
  const aqr = finite(body.metrics.perf_average_query_runtime);
  if (aqr !== null && aqr > 0) out.push({ metric: 'latency', value: aqr, weight: 1, source: 'metrics', at });
  return out;
}

export interface Aggregate {
  readonly value: number;
  readonly count: number;
  /** The individual readings, in arrival order. */
  readonly samples: number[];
}

/** Weighted mean of one metric, catalog samples preferred over metrics samples (see above). */
export function aggregate(samples: readonly Sample[], metric: Sample['metric']): Aggregate | null {
  const all = samples.filter((s) => s.metric === metric);
  const catalog = all.filter((s) => s.source === 'catalog');
  const chosen = catalog.length > 0 ? catalog : all;
  if (chosen.length === 0) return null;
  let sum = 0;
  let weights = 0;
  for (const s of chosen) {
    sum += s.value * s.weight;
    weights += s.weight;
  }
  return {
    value: weights > 0 ? sum / weights : 0,
    count: chosen.length,
    samples: chosen.map((s) => s.value),
  };
}

export interface WindowMeasurement {
  readonly tps: number;
  readonly latencyMs: number;
  /** Readings of the objective metric. */
  readonly samples: number[];
  /** Whether latencyMs comes from samples (false: 0 stands for "not measured"). */
  readonly latencyMeasured: boolean;
}

/**
 * The iteration's measurement, or null while the objective metric has no sample. The other metric
 * is 0 when absent, which happens when the agent does not collect it at all (no pg_stat_statements
 * extension): the baseline then has no reference value either and the session skips that guardrail.
 */
export function measureWindow(samples: readonly Sample[], metric: ObjectiveMetric): WindowMeasurement | null {
  const tps = aggregate(samples, 'tps');
  const latency = aggregate(samples, 'latency');
  const main = metric === 'tps' ? tps : latency;
  if (main === null) return null;
  return {
    tps: tps?.value ?? 0,
    latencyMs: latency?.value ?? 0,
    samples: main.samples,
    latencyMeasured: latency !== null,
  };
}

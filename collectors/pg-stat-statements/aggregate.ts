/**
 * Merging rows that share `<queryid>_<userid>_<dbid>`.
 *
 * With `pg_stat_statements.track = all` one statement can have a top-level and a nested entry
 * (the `toplevel` column, extension 1.9+); the platform keys by the triple, so duplicates are
 * merged (facts §3.4, #176). Counters and totals are summed (null = absent, not 0), extrema take
 * min/max, `mean = total / count`, and `stddev` is the pooled population standard deviation of the
 * parallel combination (Chan, Golub & LeVeque, "Updating formulae and a pairwise algorithm for
 * computing sample variances", 1979): M2 = Σ M2ᵢ + Σ nᵢ (meanᵢ − mean)², stddev = √(M2 / n), with
 * M2ᵢ = stddevᵢ² · nᵢ because pg_stat_statements reports the population deviation.
 * Execution statistics are weighted by `calls`, planning statistics by `plans`.
 */
import { addInt8, copyRow, COUNTER_FIELDS, rowKey, TIME_FIELDS, type PgssRow } from './row.js';

export interface Aggregated {
  /** One row per key, in order of first appearance. */
  keyed: Map<string, PgssRow>;
  /** Rows missing a key part: sent as they are, never merged, never part of deltas. */
  unkeyed: PgssRow[];
}

const FAMILIES = [
  { count: 'calls', prefix: 'exec' },
  { count: 'plans', prefix: 'plan' },
] as const;

export function aggregate(rows: readonly PgssRow[]): Aggregated {
  const groups = new Map<string, PgssRow[]>();
  const unkeyed: PgssRow[] = [];
  for (const r of rows) {
    const k = rowKey(r);
    if (k === null) {
      unkeyed.push(r);
      continue;
    }
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const keyed = new Map<string, PgssRow>();
  for (const [k, g] of groups) keyed.set(k, mergeGroup(g));
  return { keyed, unkeyed };
}

/** Merge the rows of one key (a single row is normalised the same way: mean recomputed, toplevel null). */
export function mergeGroup(group: readonly PgssRow[]): PgssRow {
  const first = group[0];
  if (!first) throw new Error('pg_stat_statements: aggregate: empty group');
  const out = copyRow(first);
  out.toplevel = null;
  if (group.length > 1) {
    for (const r of group) {
      if (r === first) continue;
      if (out.query === null) out.query = r.query;
      if (out.query_len === null) out.query_len = r.query_len;
      for (const f of COUNTER_FIELDS) out.counters[f] = addInt8(out.counters[f], r.counters[f]);
      for (const f of TIME_FIELDS) {
        const v = r.times[f];
        const acc = out.times[f];
        if (v !== null) out.times[f] = acc === null ? v : acc + v;
      }
    }
  }
  for (const { count, prefix } of FAMILIES) combineFamily(group, out, count, prefix);
  return out;
}

function combineFamily(
  group: readonly PgssRow[],
  out: PgssRow,
  count: 'calls' | 'plans',
  p: 'exec' | 'plan',
): void {
  const total = out.times[`total_${p}_time`];
  const n = out.counters[count];
  const nTotal = n === null ? null : Number(n);
  out.times[`mean_${p}_time`] = total === null || nTotal === null ? null : nTotal > 0 ? total / nTotal : 0;
  // Only groups that actually ran contribute extrema and variance (a zero-count group reports 0s).
  const live = group.filter((r) => Number(r.counters[count] ?? 0) > 0);
  if (live.length > 0) {
    out.times[`min_${p}_time`] = extreme(live, `min_${p}_time`, Math.min);
    out.times[`max_${p}_time`] = extreme(live, `max_${p}_time`, Math.max);
  }
  const mean = out.times[`mean_${p}_time`];
  if (mean === null || nTotal === null || nTotal <= 0) {
    if (mean !== null) out.times[`stddev_${p}_time`] = 0;
    return;
  }
  let m2 = 0;
  let seen = false;
  for (const r of live) {
    const ni = Number(r.counters[count]);
    const sd = r.times[`stddev_${p}_time`];
    const ti = r.times[`total_${p}_time`];
    if (sd === null || ti === null) continue;
    const mi = ti / ni;
    m2 += sd * sd * ni + ni * (mi - mean) ** 2;
    seen = true;
  }
  out.times[`stddev_${p}_time`] = seen ? Math.sqrt(m2 / nTotal) : null;
}

function extreme(
  rows: readonly PgssRow[],
  f: 'min_exec_time' | 'max_exec_time' | 'min_plan_time' | 'max_plan_time',
  pick: (a: number, b: number) => number,
): number | null {
  let acc: number | null = null;
  for (const r of rows) {
    const v = r.times[f];
    if (v !== null) acc = acc === null ? v : pick(acc, v);
  }
  return acc;
}

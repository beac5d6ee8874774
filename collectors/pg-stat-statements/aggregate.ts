/**
 * Merging rows that share `<queryid>_<userid>_<dbid>`.
 *
 * With `pg_stat_statements.track = all` one statement can have a top-level and a nested entry
 * (the `toplevel` column, extension 1.9+); the platform keys by the triple, so duplicates are
 * merged (docs/PROTOCOL.md §3.4, #176). Counters and totals are summed (null = absent, not 0), extrema take
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

interface Family {
  count: 'calls' | 'plans';
  total: 'total_exec_time' | 'total_plan_time';
  mean: 'mean_exec_time' | 'mean_plan_time';
  stddev: 'stddev_exec_time' | 'stddev_plan_time';
  min: 'min_exec_time' | 'min_plan_time';
  max: 'max_exec_time' | 'max_plan_time';
}

// Field names spelled out (not built with template strings) keeps property access monomorphic.
const FAMILIES: readonly Family[] = [
  {
    count: 'calls',
    total: 'total_exec_time',
    mean: 'mean_exec_time',
    stddev: 'stddev_exec_time',
    min: 'min_exec_time',
    max: 'max_exec_time',
  },
  {
    count: 'plans',
    total: 'total_plan_time',
    mean: 'mean_plan_time',
    stddev: 'stddev_plan_time',
    min: 'min_plan_time',
    max: 'max_plan_time',
  },
];

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
  for (const f of FAMILIES) combineFamily(group, out, f);
  return out;
}

function combineFamily(group: readonly PgssRow[], out: PgssRow, f: Family): void {
  const total = out.times[f.total];
  const n = out.counters[f.count];
  const nTotal = n === null ? null : Number(n);
  const mean = total === null || nTotal === null ? null : nTotal > 0 ? total / nTotal : 0;
  out.times[f.mean] = mean;
  if (group.length === 1) return; // one group: extrema and stddev are the row's own
  // Only groups that actually ran contribute extrema and variance (a zero-count group reports 0s).
  let min: number | null = null;
  let max: number | null = null;
  let m2 = 0;
  let seen = false;
  for (const r of group) {
    const ni = Number(r.counters[f.count] ?? 0);
    if (!(ni > 0)) continue;
    const lo = r.times[f.min];
    const hi = r.times[f.max];
    if (lo !== null) min = min === null ? lo : Math.min(min, lo);
    if (hi !== null) max = max === null ? hi : Math.max(max, hi);
    const sd = r.times[f.stddev];
    const ti = r.times[f.total];
    if (mean === null || sd === null || ti === null) continue;
    const mi = ti / ni;
    m2 += sd * sd * ni + ni * (mi - mean) ** 2;
    seen = true;
  }
  if (min !== null) out.times[f.min] = min;
  if (max !== null) out.times[f.max] = max;
  if (mean === null) return;
  out.times[f.stddev] = nTotal !== null && nTotal > 0 ? (seen ? Math.sqrt(m2 / nTotal) : null) : 0;
}

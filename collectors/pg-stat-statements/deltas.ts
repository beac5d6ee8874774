/**
 * Deltas against the previous snapshot, ranking and the row cap (docs/PROTOCOL.md §3.4, #162).
 *
 * A key unseen before counts from 0. A delta exists only when both the call count and the total
 * execution time grew. `delta_count` and `average_query_runtime` cover every delta, not only the
 * rows kept by `diff_limit`.
 */
import type { Aggregated } from './aggregate.js';
import { rowKey, subInt8, type Int8, type PgssRow } from './row.js';

export interface PgssDelta {
  userid: number;
  dbid: number;
  queryid: bigint;
  calls: Int8;
  total_exec_time: number;
}

/**
 * What the next tick diffs against: per key only the two counters a delta needs. Keeping the whole
 * previous snapshot (40 fields and the query text per entry) doubled the collector's heap at 5,000
 * entries for nothing.
 */
export type Baseline = ReadonlyMap<string, { calls: Int8; exec: number }>;

/** The baseline of a tick's merged rows: keys without `calls` or execution time have no deltas. */
export function baselineOf(keyed: ReadonlyMap<string, PgssRow>): Baseline {
  const out = new Map<string, { calls: Int8; exec: number }>();
  for (const [key, row] of keyed) {
    const calls = row.counters.calls;
    const exec = row.times.total_exec_time;
    if (calls !== null && exec !== null) out.set(key, { calls, exec });
  }
  return out;
}

export interface Ranked {
  /** Rows to send: ranked by delta execution time per call, descending, then capped. */
  rows: PgssRow[];
  /** Deltas of the kept rows, in row order. */
  deltas: PgssDelta[];
  deltaCount: number;
  /** Σ exec-time delta / Σ calls delta over all deltas (ms); 0 when there are none. */
  averageQueryRuntime: number;
}

/** `prev` null means first tick (or just after an extension version change): no deltas. */
export function rankAndDiff(prev: Baseline | null, cur: Aggregated, diffLimit: number): Ranked {
  const deltaByKey = new Map<string, PgssDelta>();
  let sumExec = 0;
  let sumCalls = 0;
  if (prev) {
    for (const [key, row] of cur.keyed) {
      const d = deltaOf(prev.get(key), row);
      if (!d) continue;
      deltaByKey.set(key, d);
      sumExec += d.total_exec_time;
      sumCalls += Number(d.calls);
    }
  }
  const all = [...cur.keyed.values(), ...cur.unkeyed];
  const rate = (r: PgssRow): number => {
    const k = rowKey(r);
    const d = k === null ? undefined : deltaByKey.get(k);
    return d ? d.total_exec_time / Number(d.calls) : 0;
  };
  // Array.prototype.sort is stable (ES2019), so rows without a delta keep their input order.
  const ranked = all
    .map((r) => ({ r, rate: rate(r) }))
    .sort((a, b) => b.rate - a.rate)
    .map((x) => x.r);
  const rows = diffLimit > 0 ? ranked.slice(0, diffLimit) : ranked;
  const deltas: PgssDelta[] = [];
  for (const r of rows) {
    const k = rowKey(r);
    const d = k === null ? undefined : deltaByKey.get(k);
    if (d) deltas.push(d);
  }
  return {
    rows,
    deltas,
    deltaCount: deltaByKey.size,
    averageQueryRuntime: sumCalls > 0 ? sumExec / sumCalls : 0,
  };
}

function deltaOf(prev: { calls: Int8; exec: number } | undefined, cur: PgssRow): PgssDelta | null {
  const calls = cur.counters.calls;
  const exec = cur.times.total_exec_time;
  if (calls === null || exec === null || cur.queryid === null || cur.userid === null || cur.dbid === null) {
    return null;
  }
  const callsDiff = subInt8(calls, prev?.calls ?? 0);
  const execDiff = exec - (prev?.exec ?? 0);
  if (!(callsDiff > 0) || !(execDiff > 0)) return null;
  return {
    userid: cur.userid,
    dbid: cur.dbid,
    queryid: cur.queryid,
    calls: callsDiff,
    total_exec_time: execDiff,
  };
}

/**
 * Deltas against the previous snapshot, ranking and the row cap (docs/PROTOCOL.md §3.4, #162).
 *
 * A key unseen before counts from 0. A delta exists only when both the call count and the total
 * execution time grew. `delta_count` and `average_query_runtime` cover every delta, not only the
 * rows kept by `diff_limit`.
 */
import type { Aggregated } from './aggregate.js';
import { subInt8, type Int8, type PgssRow } from './row.js';

export interface PgssDelta {
  userid: number;
  dbid: number;
  queryid: bigint;
  calls: Int8;
  total_exec_time: number;
}

/**
 * What the next tick diffs against: the previous tick's merged rows by key. The two-phase reader
 * (read.ts) hands back the same row object for a key whose calls did not move, so this holds no
 * copy of those rows; only keys that moved keep their previous row alive until the next tick.
 * A key whose previous row lacks `calls` or execution time counts from 0, like a new key.
 */
export type Baseline = ReadonlyMap<string, PgssRow>;

/** The baseline of a tick's merged rows. */
export function baselineOf(keyed: ReadonlyMap<string, PgssRow>): Baseline {
  return keyed;
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
  // Rows with a delta, in input order; every other row ranks after them (rate 0), in input order.
  const moved: { r: PgssRow; d: PgssDelta; rate: number }[] = [];
  let sumExec = 0;
  let sumCalls = 0;
  if (prev) {
    for (const [key, row] of cur.keyed) {
      const before = prev.get(key);
      if (before === row) continue; // the reader's unchanged row: no delta
      const d = deltaOf(before, row);
      if (!d) continue;
      deltaByKey.set(key, d);
      moved.push({ r: row, d, rate: d.total_exec_time / Number(d.calls) });
      sumExec += d.total_exec_time;
      sumCalls += Number(d.calls);
    }
  }
  // Array.prototype.sort is stable (ES2019): equal rates keep their input order.
  moved.sort((a, b) => b.rate - a.rate);
  const cap = diffLimit > 0 ? diffLimit : Infinity;
  const kept = moved.slice(0, cap);
  const rows = kept.map((m) => m.r);
  const deltas = kept.map((m) => m.d);
  if (rows.length < cap) {
    for (const [key, row] of cur.keyed) {
      if (rows.length >= cap) break;
      if (!deltaByKey.has(key)) rows.push(row);
    }
    for (const row of cur.unkeyed) {
      if (rows.length >= cap) break;
      rows.push(row);
    }
  }
  return {
    rows,
    deltas,
    deltaCount: deltaByKey.size,
    averageQueryRuntime: sumCalls > 0 ? sumExec / sumCalls : 0,
  };
}

function deltaOf(prev: PgssRow | undefined, cur: PgssRow): PgssDelta | null {
  const calls = cur.counters.calls;
  const exec = cur.times.total_exec_time;
  if (calls === null || exec === null || cur.queryid === null || cur.userid === null || cur.dbid === null) {
    return null;
  }
  const prevCalls = prev?.counters.calls ?? null;
  const prevExec = prev?.times.total_exec_time ?? null;
  const counted = prevCalls !== null && prevExec !== null;
  const callsDiff = subInt8(calls, counted ? prevCalls : 0);
  const execDiff = exec - (counted ? prevExec : 0);
  if (!(callsDiff > 0) || !(execDiff > 0)) return null;
  return {
    userid: cur.userid,
    dbid: cur.dbid,
    queryid: cur.queryid,
    calls: callsDiff,
    total_exec_time: execDiff,
  };
}

/**
 * The wire payload of `pg_stat_statements` (docs/PROTOCOL.md §3.4): `{collected_at, rows, deltas?,
 * delta_count, average_query_runtime}`. `queryid` is a bigint so the platform JSON encoder
 * writes it as an exact integer.
 */
import type { PgssDelta, Ranked } from './deltas.js';
import type { CounterField, PgssRow, TimeField } from './row.js';

type WireField = CounterField | TimeField;

/** Row fields after the key and query text, in wire order (the view's column order). */
const WIRE_ORDER: readonly WireField[] = [
  'plans',
  'total_plan_time',
  'min_plan_time',
  'max_plan_time',
  'mean_plan_time',
  'stddev_plan_time',
  'calls',
  'total_exec_time',
  'min_exec_time',
  'max_exec_time',
  'mean_exec_time',
  'stddev_exec_time',
  'rows',
  'shared_blks_hit',
  'shared_blks_read',
  'shared_blks_dirtied',
  'shared_blks_written',
  'local_blks_hit',
  'local_blks_read',
  'local_blks_dirtied',
  'local_blks_written',
  'temp_blks_read',
  'temp_blks_written',
  'shared_blk_read_time',
  'shared_blk_write_time',
  'local_blk_read_time',
  'local_blk_write_time',
  'temp_blk_read_time',
  'temp_blk_write_time',
  'wal_records',
  'wal_fpi',
  'wal_bytes',
  'jit_functions',
  'jit_generation_time',
  'jit_inlining_count',
  'jit_inlining_time',
  'jit_optimization_count',
  'jit_optimization_time',
  'jit_emission_count',
  'jit_emission_time',
];

/** Fields tagged omitempty in the Go payload: left out when absent instead of sent as null. */
const OMIT_WHEN_NULL: ReadonlySet<WireField> = new Set(['local_blk_read_time', 'local_blk_write_time']);

function isCounter(f: WireField, r: PgssRow): f is CounterField {
  return f in r.counters;
}

export function wireRow(r: PgssRow): Record<string, unknown> {
  const out: Record<string, unknown> = { userid: r.userid, dbid: r.dbid, queryid: r.queryid };
  if (r.query !== null) out.query = r.query;
  if (r.query_len !== null) out.query_len = r.query_len;
  for (const f of WIRE_ORDER) {
    const v = isCounter(f, r) ? r.counters[f] : r.times[f];
    if (v === null && OMIT_WHEN_NULL.has(f)) continue;
    out[f] = v;
  }
  out.toplevel = r.toplevel;
  return out;
}

export function wireDelta(d: PgssDelta): Record<string, unknown> {
  return {
    userid: d.userid,
    dbid: d.dbid,
    queryid: d.queryid,
    calls: d.calls,
    total_exec_time: d.total_exec_time,
  };
}

export function buildPayload(collectedAt: string, ranked: Ranked): Record<string, unknown> {
  const payload: Record<string, unknown> = { collected_at: collectedAt, rows: ranked.rows.map(wireRow) };
  if (ranked.deltas.length > 0) payload.deltas = ranked.deltas.map(wireDelta);
  payload.delta_count = ranked.deltaCount;
  payload.average_query_runtime = ranked.averageQueryRuntime;
  return payload;
}

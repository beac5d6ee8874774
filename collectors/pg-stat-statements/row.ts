/**
 * The pg_stat_statements row as the agent holds it, and the conversion from driver values.
 * https://www.postgresql.org/docs/current/pgstatstatements.html
 *
 * int8 counters stay exact: a value is a `number` while it is a safe integer and a `bigint` beyond.
 */

/** int8/numeric counters, in wire order. */
export const COUNTER_FIELDS = [
  'plans',
  'calls',
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
  'wal_records',
  'wal_fpi',
  'wal_bytes',
  'jit_functions',
  'jit_inlining_count',
  'jit_optimization_count',
  'jit_emission_count',
] as const;

/** float8 milliseconds that are summed when rows merge. */
export const TIME_FIELDS = [
  'total_plan_time',
  'min_plan_time',
  'max_plan_time',
  'mean_plan_time',
  'stddev_plan_time',
  'total_exec_time',
  'min_exec_time',
  'max_exec_time',
  'mean_exec_time',
  'stddev_exec_time',
  'shared_blk_read_time',
  'shared_blk_write_time',
  'local_blk_read_time',
  'local_blk_write_time',
  'temp_blk_read_time',
  'temp_blk_write_time',
  'jit_generation_time',
  'jit_inlining_time',
  'jit_optimization_time',
  'jit_emission_time',
] as const;

export type CounterField = (typeof COUNTER_FIELDS)[number];
export type TimeField = (typeof TIME_FIELDS)[number];
export type Int8 = number | bigint;

export interface PgssRow {
  /** null when the server reports no queryid (the row then passes through unmerged). */
  queryid: bigint | null;
  userid: number | null;
  dbid: number | null;
  query: string | null;
  query_len: number | null;
  toplevel: boolean | null;
  counters: Record<CounterField, Int8 | null>;
  times: Record<TimeField, number | null>;
}

/**
 * Fresh all-null records. Object literals keep V8's fast property layout, which makes copying a
 * row cheap (a record filled key by key from `{}` degrades to dictionary mode and costs ~10×).
 */
function nullCounters(): Record<CounterField, Int8 | null> {
  return {
    plans: null,
    calls: null,
    rows: null,
    shared_blks_hit: null,
    shared_blks_read: null,
    shared_blks_dirtied: null,
    shared_blks_written: null,
    local_blks_hit: null,
    local_blks_read: null,
    local_blks_dirtied: null,
    local_blks_written: null,
    temp_blks_read: null,
    temp_blks_written: null,
    wal_records: null,
    wal_fpi: null,
    wal_bytes: null,
    jit_functions: null,
    jit_inlining_count: null,
    jit_optimization_count: null,
    jit_emission_count: null,
  };
}

function nullTimes(): Record<TimeField, number | null> {
  return {
    total_plan_time: null,
    min_plan_time: null,
    max_plan_time: null,
    mean_plan_time: null,
    stddev_plan_time: null,
    total_exec_time: null,
    min_exec_time: null,
    max_exec_time: null,
    mean_exec_time: null,
    stddev_exec_time: null,
    shared_blk_read_time: null,
    shared_blk_write_time: null,
    local_blk_read_time: null,
    local_blk_write_time: null,
    temp_blk_read_time: null,
    temp_blk_write_time: null,
    jit_generation_time: null,
    jit_inlining_time: null,
    jit_optimization_time: null,
    jit_emission_time: null,
  };
}

/** A shallow copy that keeps the fast layout. */
export function copyRow(r: PgssRow): PgssRow {
  return {
    ...r,
    counters: Object.assign(nullCounters(), r.counters),
    times: Object.assign(nullTimes(), r.times),
  };
}

/** Exact integer from a driver value (number, bigint, or decimal text as int8/numeric arrive). */
export function toInt8(v: unknown): Int8 | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^-?\d+(\.0*)?$/.test(t)) return null;
    const b = BigInt(t.replace(/\.0*$/, ''));
    return Number.isSafeInteger(Number(b)) ? Number(b) : b;
  }
  return null;
}

export function toFloat(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** a + b for exact counters; null is "absent", not 0. */
export function addInt8(a: Int8 | null, b: Int8 | null): Int8 | null {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a + b)) return a + b;
  const s = BigInt(a) + BigInt(b);
  return Number.isSafeInteger(Number(s)) ? Number(s) : s;
}

export function subInt8(a: Int8, b: Int8): Int8 {
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a - b)) return a - b;
  const s = BigInt(a) - BigInt(b);
  return Number.isSafeInteger(Number(s)) ? Number(s) : s;
}

/** Convert one result row (column names as in query.ts) to a PgssRow. */
export function fromDriverRow(r: Record<string, unknown>): PgssRow {
  const counters = nullCounters();
  for (const f of COUNTER_FIELDS) counters[f] = toInt8(r[f]);
  const times = nullTimes();
  for (const f of TIME_FIELDS) times[f] = toFloat(r[f]);
  const qid = r.queryid;
  return {
    queryid:
      typeof qid === 'string' && /^-?\d+$/.test(qid) ? BigInt(qid) : typeof qid === 'bigint' ? qid : null,
    userid: toOid(r.userid),
    dbid: toOid(r.dbid),
    query: typeof r.query === 'string' ? r.query : null,
    query_len: toOid(r.query_len),
    toplevel: typeof r.toplevel === 'boolean' ? r.toplevel : null,
    counters,
    times,
  };
}

function toOid(v: unknown): number | null {
  const n = toInt8(v);
  return typeof n === 'number' ? n : null;
}

/** `<queryid>_<userid>_<dbid>`, or null when a part is missing. */
export function rowKey(r: Pick<PgssRow, 'queryid' | 'userid' | 'dbid'>): string | null {
  if (r.queryid === null || r.userid === null || r.dbid === null) return null;
  return `${r.queryid}_${r.userid}_${r.dbid}`;
}

/**
 * SQL for pg_stat_statements, chosen by the installed EXTENSION version (not the server version:
 * an RDS PG17 server may still run extension 1.10; docs/PROTOCOL.md §3.4, #149).
 * https://www.postgresql.org/docs/current/pgstatstatements.html
 */
import { COUNTER_FIELDS, TIME_FIELDS } from './row.js';

export interface ExtVersion {
  major: number;
  minor: number;
}

/** `"1.10"` → {1, 10}; null when the text does not start with `<int>.<int>`. */
export function parseExtVersion(text: string | null | undefined): ExtVersion | null {
  const m = /^(\d+)\.(\d+)/.exec(text ?? '');
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

function atLeast(v: ExtVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * Utility statements dropped from the payload (matched case-insensitively against the query text).
 * The same source text is valid as a PostgreSQL ARE and as a JavaScript RegExp.
 */
export const UTILITY_PATTERN = String.raw`^\s*(BEGIN|COMMIT|ROLLBACK|SET |SHOW |SELECT (pg_|\$1$|version\s*\(\s*\)))\s*;?\s*$`;

/**
 * Statements issued by this agent carry this tag after their first keyword (src/pg/pool.ts
 * tagSql), where every version keeps it; PostgreSQL 18 drops leading comments from
 * pg_stat_statements.query, so the filter matches the tag anywhere in the text.
 */
export const AGENT_TAG = '/*dbtune*/';

/** `SELECT` list entry for each output column, in wire order, for one extension version. */
export function columnList(
  v: ExtVersion,
  opts: { includeQueries: boolean; maxQueryTextLength: number },
): string[] {
  const pre18 = !atLeast(v, 1, 8);
  const pre111 = !atLeast(v, 1, 11);
  const expr: Record<string, string> = {};
  for (const f of [...COUNTER_FIELDS, ...TIME_FIELDS]) expr[f] = f;
  if (pre18) {
    // 1.7 and older: one set of *_time columns (execution only), no planning or WAL columns.
    for (const s of ['total', 'min', 'max', 'mean', 'stddev']) {
      expr[`${s}_exec_time`] = `${s}_time`;
      expr[`${s}_plan_time`] = 'NULL::float8';
    }
    for (const f of ['plans', 'wal_records', 'wal_fpi', 'wal_bytes']) expr[f] = 'NULL::int8';
  }
  if (pre111) {
    expr.shared_blk_read_time = 'blk_read_time';
    expr.shared_blk_write_time = 'blk_write_time';
    expr.local_blk_read_time = 'NULL::float8';
    expr.local_blk_write_time = 'NULL::float8';
  }
  if (!atLeast(v, 1, 10)) {
    for (const f of ['temp_blk_read_time', 'temp_blk_write_time', ...JIT_TIMES]) expr[f] = 'NULL::float8';
    for (const f of JIT_COUNTS) expr[f] = 'NULL::int8';
  }
  const cols = ['userid', 'dbid', 'queryid::text AS queryid'];
  if (opts.includeQueries) {
    cols.push(`LEFT(query, ${Math.trunc(opts.maxQueryTextLength)}) AS query`, 'LENGTH(query) AS query_len');
  } else {
    cols.push('NULL::text AS query', 'NULL::int4 AS query_len');
  }
  cols.push(atLeast(v, 1, 9) ? 'toplevel' : 'NULL::bool AS toplevel');
  for (const f of [...COUNTER_FIELDS, ...TIME_FIELDS]) {
    const e = expr[f] ?? f;
    cols.push(e === f ? f : `${e} AS ${f}`);
  }
  return cols;
}

const JIT_COUNTS = ['jit_functions', 'jit_inlining_count', 'jit_optimization_count', 'jit_emission_count'];
const JIT_TIMES = ['jit_generation_time', 'jit_inlining_time', 'jit_optimization_time', 'jit_emission_time'];

// Dollar quoting keeps the backslashes literal whatever standard_conforming_strings says.
const FILTER = `strpos(query, '${AGENT_TAG}') = 0 AND query !~* $re$${UTILITY_PATTERN}$re$`;

export interface PgssQueries {
  /** Every row, every column (the plain full read). */
  full: string;
  /** Cheap first pass: keys and call counts, without reading the query-text file. */
  keys: string;
  /**
   * Counters (query text NULL) for the keys given as `$1::int8[]` (queryid), `$2::oid[]` (userid)
   * and `$3::oid[]` (dbid); no query-text file read.
   */
  countersByKeys: string;
  /**
   * `queryid, userid, dbid, query, query_len` for the given keys that pass the text filter. The
   * join runs before the filter (OFFSET 0 keeps the filter out of the scan), so only the asked-for
   * texts are matched against the pattern.
   */
  textsByKeys: string;
}

const BY_KEYS = '(queryid, userid, dbid) IN (SELECT * FROM unnest($1::int8[], $2::oid[], $3::oid[]))';

export function buildQueries(
  v: ExtVersion,
  opts: { includeQueries: boolean; maxQueryTextLength: number },
): PgssQueries {
  const text = opts.includeQueries
    ? `LEFT(query, ${Math.trunc(opts.maxQueryTextLength)}) AS query, LENGTH(query) AS query_len`
    : 'NULL::text AS query, NULL::int4 AS query_len';
  return {
    full: `SELECT ${AGENT_TAG} ${columnList(v, opts).join(', ')} FROM public.pg_stat_statements WHERE ${FILTER}`,
    // `calls` is the change detector: execution counters and times only move together with it.
    keys: `SELECT ${AGENT_TAG} queryid::text AS queryid, userid, dbid, calls::text AS calls FROM public.pg_stat_statements(false)`,
    countersByKeys:
      `SELECT ${AGENT_TAG} ${columnList(v, { ...opts, includeQueries: false }).join(', ')} ` +
      `FROM public.pg_stat_statements(false) WHERE ${BY_KEYS}`,
    textsByKeys:
      `SELECT ${AGENT_TAG} queryid::text AS queryid, userid, dbid, ${text} FROM ` +
      `(SELECT queryid, userid, dbid, query FROM public.pg_stat_statements WHERE ${BY_KEYS} OFFSET 0) k ` +
      `WHERE ${FILTER}`,
  };
}

export const EXT_VERSION_SQL =
  "SELECT /*dbtune*/ extversion FROM pg_extension WHERE extname = 'pg_stat_statements'";

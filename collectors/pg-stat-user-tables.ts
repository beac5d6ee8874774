// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-TABLES-VIEW
/**
 * pg_stat_user_tables: the busiest tables only (docs/PROTOCOL.md §3.3) — the UNION of the top
 * `category_limit` tables by writes (ins + upd + del), by scans (seq + idx) and by dead tuples, so
 * at most 3 × category_limit rows. `category_limit: 0` means no limit (every table), as
 * `diff_limit: 0` does for pg_stat_statements.
 */
import { defineCategoryCollector, type RowOf } from './define.js';

const columns = {
  relid: 'oid',
  schemaname: 'text',
  relname: 'text',
  seq_scan: 'int',
  /** PG16+. */
  last_seq_scan: 'time',
  seq_tup_read: 'int',
  idx_scan: 'int',
  /** PG16+. */
  last_idx_scan: 'time',
  idx_tup_fetch: 'int',
  n_tup_ins: 'int',
  n_tup_upd: 'int',
  n_tup_del: 'int',
  n_tup_hot_upd: 'int',
  /** PG16+. */
  n_tup_newpage_upd: 'int',
  n_live_tup: 'int',
  n_dead_tup: 'int',
  n_mod_since_analyze: 'int',
  n_ins_since_vacuum: 'int',
  last_vacuum: 'time',
  last_autovacuum: 'time',
  last_analyze: 'time',
  last_autoanalyze: 'time',
  vacuum_count: 'int',
  autovacuum_count: 'int',
  analyze_count: 'int',
  autoanalyze_count: 'int',
  /** PG18+. */
  total_vacuum_time: 'float',
  total_autovacuum_time: 'float',
  total_analyze_time: 'float',
  total_autoanalyze_time: 'float',
} as const;
export type PgStatUserTablesRow = RowOf<typeof columns>;

/**
 * `$1` = category limit. The ranking reads only the four ranking columns of every
 * table; the full rows are built for the winners alone, which `= ANY (ARRAY(...))` lets the planner
 * push into the view as an index condition (an `IN (subquery)` join built the whole view a second
 * time). At 10,000 tables 85 → 65 ms a call, at 1,000 unchanged (docs/PERFORMANCE.md, collection).
 */
export const PG_STAT_USER_TABLES_SQL = `
  WITH r AS MATERIALIZED (
    SELECT relid, n_tup_ins + n_tup_upd + n_tup_del AS writes, seq_scan + coalesce(idx_scan, 0) AS scans,
           n_dead_tup AS dead
    FROM pg_stat_user_tables),
  top AS (
    (SELECT relid FROM r ORDER BY writes DESC, relid LIMIT $1::int)
    UNION
    (SELECT relid FROM r ORDER BY scans DESC, relid LIMIT $1::int)
    UNION
    (SELECT relid FROM r ORDER BY dead DESC, relid LIMIT $1::int))
  SELECT s.* FROM pg_stat_user_tables s WHERE s.relid = ANY (ARRAY(SELECT relid FROM top))
  ORDER BY s.schemaname, s.relname`;

/** `category_limit: 0`: every row, in the order of the top-N read. */
export const PG_STAT_USER_TABLES_ALL_SQL = 'SELECT * FROM pg_stat_user_tables ORDER BY schemaname, relname';

export const pgStatUserTables = defineCategoryCollector({
  name: 'pg_stat_user_tables',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-TABLES-VIEW',
  sql: PG_STAT_USER_TABLES_SQL,
  allSql: PG_STAT_USER_TABLES_ALL_SQL,
  cost: { weight: 'moderate' },
  columns,
});

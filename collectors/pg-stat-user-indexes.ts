// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-INDEXES-VIEW
/**
 * pg_stat_user_indexes: the UNION of the top `category_limit` indexes by scans, by tuples read,
 * and of unused indexes (idx_scan = 0) by tuples read (docs/PROTOCOL.md §3.3). `category_limit: 0` means no
 * limit.
 */
import { defineCategoryCollector, type RowOf } from './define.js';

const columns = {
  relid: 'oid',
  indexrelid: 'oid',
  schemaname: 'text',
  relname: 'text',
  indexrelname: 'text',
  idx_scan: 'int',
  /** PG16+. */
  last_idx_scan: 'time',
  idx_tup_read: 'int',
  idx_tup_fetch: 'int',
} as const;
export type PgStatUserIndexesRow = RowOf<typeof columns>;

/**
 * `$1` = category limit. Ranked on the two ranking columns, then full rows for
 * the winners only, as pg_stat_user_tables does: at 30,000 indexes 99 → 68 ms a call, at 3,000
 * unchanged (docs/PERFORMANCE.md, collection).
 */
export const PG_STAT_USER_INDEXES_SQL = `
  WITH r AS MATERIALIZED (SELECT indexrelid, idx_scan, idx_tup_read FROM pg_stat_user_indexes),
  top AS (
    (SELECT indexrelid FROM r ORDER BY idx_scan DESC, indexrelid LIMIT $1::int)
    UNION
    (SELECT indexrelid FROM r ORDER BY idx_tup_read DESC, indexrelid LIMIT $1::int)
    UNION
    (SELECT indexrelid FROM r WHERE idx_scan = 0 ORDER BY idx_tup_read DESC, indexrelid LIMIT $1::int))
  SELECT s.* FROM pg_stat_user_indexes s WHERE s.indexrelid = ANY (ARRAY(SELECT indexrelid FROM top))
  ORDER BY s.schemaname, s.relname, s.indexrelname`;

/** `category_limit: 0`: every row, in the order of the top-N read. */
export const PG_STAT_USER_INDEXES_ALL_SQL =
  'SELECT * FROM pg_stat_user_indexes ORDER BY schemaname, relname, indexrelname';

export const pgStatUserIndexes = defineCategoryCollector({
  name: 'pg_stat_user_indexes',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ALL-INDEXES-VIEW',
  sql: PG_STAT_USER_INDEXES_SQL,
  allSql: PG_STAT_USER_INDEXES_ALL_SQL,
  cost: { weight: 'moderate' },
  columns,
});

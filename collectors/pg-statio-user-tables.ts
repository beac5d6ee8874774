// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STATIO-ALL-TABLES-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  relid: 'oid',
  schemaname: 'text',
  relname: 'text',
  heap_blks_read: 'int',
  heap_blks_hit: 'int',
  idx_blks_read: 'int',
  idx_blks_hit: 'int',
  toast_blks_read: 'int',
  toast_blks_hit: 'int',
  tidx_blks_read: 'int',
  tidx_blks_hit: 'int',
} as const;
export type PgStatioUserTablesRow = RowOf<typeof columns>;

/** Block I/O of the 500 user tables with the most reads (tables never touched are left out). */
export const pgStatioUserTables = defineRowsCollector({
  name: 'pg_statio_user_tables',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STATIO-ALL-TABLES-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'moderate' },
  source: 'pg_statio_user_tables',
  columns,
  sql: `
    SELECT * FROM pg_statio_user_tables
    WHERE coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0) + coalesce(idx_blks_read, 0)
          + coalesce(idx_blks_hit, 0) > 0
    ORDER BY coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) DESC, relid
    LIMIT 500`,
});

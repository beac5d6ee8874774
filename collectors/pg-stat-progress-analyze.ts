// https://www.postgresql.org/docs/current/progress-reporting.html#ANALYZE-PROGRESS-REPORTING
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  pid: 'int',
  datid: 'oid',
  datname: 'text',
  relid: 'oid',
  phase: 'text',
  sample_blks_total: 'int',
  sample_blks_scanned: 'int',
  ext_stats_total: 'int',
  ext_stats_computed: 'int',
  child_tables_total: 'int',
  child_tables_done: 'int',
  current_child_table_relid: 'oid',
} as const;
export type PgStatProgressAnalyzeRow = RowOf<typeof columns>;

export const pgStatProgressAnalyze = defineRowsCollector({
  name: 'pg_stat_progress_analyze',
  docs: 'https://www.postgresql.org/docs/current/progress-reporting.html#ANALYZE-PROGRESS-REPORTING',
  intervalSeconds: 30,
  cost: { weight: 'light' },
  minPgVersion: 13,
  skipUnchanged: true,
  source: 'pg_stat_progress_analyze',
  columns,
  sql: 'SELECT * FROM pg_stat_progress_analyze WHERE datname = current_database() ORDER BY pid',
});

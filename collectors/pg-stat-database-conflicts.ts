// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-DATABASE-CONFLICTS-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  datid: 'oid',
  datname: 'text',
  confl_tablespace: 'int',
  confl_lock: 'int',
  confl_snapshot: 'int',
  confl_bufferpin: 'int',
  confl_deadlock: 'int',
  /** PG16+. */
  confl_active_logicalslot: 'int',
} as const;
export type PgStatDatabaseConflictsRow = RowOf<typeof columns>;

export const pgStatDatabaseConflicts = defineRowsCollector({
  name: 'pg_stat_database_conflicts',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-DATABASE-CONFLICTS-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  skipUnchanged: true,
  source: 'pg_stat_database_conflicts',
  columns,
  sql: 'SELECT * FROM pg_stat_database_conflicts WHERE datname = current_database()',
});

// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-DATABASE-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  datid: 'oid',
  datname: 'text',
  numbackends: 'int',
  xact_commit: 'int',
  xact_rollback: 'int',
  blks_read: 'int',
  blks_hit: 'int',
  tup_returned: 'int',
  tup_fetched: 'int',
  tup_inserted: 'int',
  tup_updated: 'int',
  tup_deleted: 'int',
  conflicts: 'int',
  temp_files: 'int',
  temp_bytes: 'int',
  deadlocks: 'int',
  checksum_failures: 'int',
  checksum_last_failure: 'time',
  blk_read_time: 'float',
  blk_write_time: 'float',
  /** session_time … sessions_killed: PG14+. */
  session_time: 'float',
  active_time: 'float',
  idle_in_transaction_time: 'float',
  sessions: 'int',
  sessions_abandoned: 'int',
  sessions_fatal: 'int',
  sessions_killed: 'int',
  stats_reset: 'time',
  /** The Go row declares these five; no PostgreSQL release has such columns, so they are always null. */
  parallel_workers: 'int',
  temp_bytes_read: 'int',
  temp_bytes_written: 'int',
  temp_files_read: 'int',
  temp_files_written: 'int',
} as const;
export type PgStatDatabaseRow = RowOf<typeof columns>;

export const pgStatDatabase = defineRowsCollector({
  name: 'pg_stat_database',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-DATABASE-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  source: 'pg_stat_database',
  columns,
  sql: 'SELECT * FROM pg_stat_database WHERE datname = current_database()',
});

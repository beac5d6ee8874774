// https://www.postgresql.org/docs/current/progress-reporting.html#CREATE-INDEX-PROGRESS-REPORTING
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  pid: 'int',
  datid: 'oid',
  datname: 'text',
  relid: 'oid',
  index_relid: 'oid',
  command: 'text',
  phase: 'text',
  lockers_total: 'int',
  lockers_done: 'int',
  current_locker_pid: 'int',
  blocks_total: 'int',
  blocks_done: 'int',
  tuples_total: 'int',
  tuples_done: 'int',
  partitions_total: 'int',
  partitions_done: 'int',
} as const;
export type PgStatProgressCreateIndexRow = RowOf<typeof columns>;

export const pgStatProgressCreateIndex = defineRowsCollector({
  name: 'pg_stat_progress_create_index',
  docs: 'https://www.postgresql.org/docs/current/progress-reporting.html#CREATE-INDEX-PROGRESS-REPORTING',
  intervalSeconds: 30,
  cost: { weight: 'light' },
  skipUnchanged: true,
  source: 'pg_stat_progress_create_index',
  columns,
  sql: 'SELECT * FROM pg_stat_progress_create_index WHERE datname = current_database() ORDER BY pid',
});

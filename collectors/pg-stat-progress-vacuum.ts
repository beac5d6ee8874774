// https://www.postgresql.org/docs/current/progress-reporting.html#VACUUM-PROGRESS-REPORTING
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  pid: 'int',
  datid: 'oid',
  datname: 'text',
  relid: 'oid',
  phase: 'text',
  heap_blks_total: 'int',
  heap_blks_scanned: 'int',
  heap_blks_vacuumed: 'int',
  index_vacuum_count: 'int',
  /** Renamed in PG17 (max_dead_tuple_bytes, num_dead_item_ids): null on 17+, as in the Go agent. */
  max_dead_tuples: 'int',
  num_dead_tuples: 'int',
} as const;
export type PgStatProgressVacuumRow = RowOf<typeof columns>;

export const pgStatProgressVacuum = defineRowsCollector({
  name: 'pg_stat_progress_vacuum',
  docs: 'https://www.postgresql.org/docs/current/progress-reporting.html#VACUUM-PROGRESS-REPORTING',
  intervalSeconds: 30,
  cost: { weight: 'light' },
  skipUnchanged: true,
  source: 'pg_stat_progress_vacuum',
  columns,
  sql: 'SELECT * FROM pg_stat_progress_vacuum WHERE datname = current_database() ORDER BY pid',
});

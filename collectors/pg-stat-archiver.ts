// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ARCHIVER-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  archived_count: 'int',
  last_archived_wal: 'text',
  last_archived_time: 'time',
  failed_count: 'int',
  last_failed_wal: 'text',
  last_failed_time: 'time',
  stats_reset: 'time',
} as const;
export type PgStatArchiverRow = RowOf<typeof columns>;

export const pgStatArchiver = defineRowsCollector({
  name: 'pg_stat_archiver',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ARCHIVER-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  skipUnchanged: true,
  source: 'pg_stat_archiver',
  columns,
  sql: 'SELECT * FROM pg_stat_archiver',
});

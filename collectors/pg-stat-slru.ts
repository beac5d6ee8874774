// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-SLRU-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  name: 'text',
  blks_zeroed: 'int',
  blks_hit: 'int',
  blks_read: 'int',
  blks_written: 'int',
  blks_exists: 'int',
  flushes: 'int',
  truncates: 'int',
  stats_reset: 'time',
} as const;
export type PgStatSlruRow = RowOf<typeof columns>;

export const pgStatSlru = defineRowsCollector({
  name: 'pg_stat_slru',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-SLRU-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  minPgVersion: 13,
  source: 'pg_stat_slru',
  columns,
  sql: 'SELECT * FROM pg_stat_slru',
});

// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-RECOVERY-PREFETCH
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  stats_reset: 'time',
  prefetch: 'int',
  hit: 'int',
  skip_init: 'int',
  skip_new: 'int',
  skip_fpw: 'int',
  skip_rep: 'int',
  wal_distance: 'int',
  block_distance: 'int',
  io_depth: 'int',
} as const;
export type PgStatRecoveryPrefetchRow = RowOf<typeof columns>;

export const pgStatRecoveryPrefetch = defineRowsCollector({
  name: 'pg_stat_recovery_prefetch',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-RECOVERY-PREFETCH',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  minPgVersion: 15,
  source: 'pg_stat_recovery_prefetch',
  columns,
  sql: 'SELECT * FROM pg_stat_recovery_prefetch',
});

// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-CHECKPOINTER-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  num_timed: 'int',
  num_requested: 'int',
  restartpoints_timed: 'int',
  restartpoints_req: 'int',
  restartpoints_done: 'int',
  write_time: 'float',
  sync_time: 'float',
  buffers_written: 'int',
  stats_reset: 'time',
  /** PG18+. */
  slru_written: 'int',
} as const;
export type PgStatCheckpointerRow = RowOf<typeof columns>;

export const pgStatCheckpointer = defineRowsCollector({
  name: 'pg_stat_checkpointer',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-CHECKPOINTER-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  minPgVersion: 17,
  source: 'pg_stat_checkpointer',
  columns,
  sql: 'SELECT * FROM pg_stat_checkpointer',
});

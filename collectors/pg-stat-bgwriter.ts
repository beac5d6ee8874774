// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-BGWRITER-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  /** The checkpoint and backend columns moved to pg_stat_checkpointer / pg_stat_io in PG17: null there. */
  checkpoints_timed: 'int',
  checkpoints_req: 'int',
  checkpoint_write_time: 'float',
  checkpoint_sync_time: 'float',
  buffers_checkpoint: 'int',
  buffers_clean: 'int',
  maxwritten_clean: 'int',
  buffers_backend: 'int',
  buffers_backend_fsync: 'int',
  buffers_alloc: 'int',
  stats_reset: 'time',
} as const;
export type PgStatBgwriterRow = RowOf<typeof columns>;

export const pgStatBgwriter = defineRowsCollector({
  name: 'pg_stat_bgwriter',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-BGWRITER-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  source: 'pg_stat_bgwriter',
  columns,
  sql: 'SELECT * FROM pg_stat_bgwriter',
});

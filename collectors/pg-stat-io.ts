// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-IO-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  backend_type: 'text',
  object: 'text',
  context: 'text',
  reads: 'int',
  read_time: 'float',
  writes: 'int',
  write_time: 'float',
  writebacks: 'int',
  writeback_time: 'float',
  extends: 'int',
  extend_time: 'float',
  /** Removed in PG18 (replaced by per-operation byte counters the Go row does not carry): null there. */
  op_bytes: 'int',
  hits: 'int',
  evictions: 'int',
  reuses: 'int',
  fsyncs: 'int',
  fsync_time: 'float',
  stats_reset: 'time',
} as const;
export type PgStatIoRow = RowOf<typeof columns>;

export const pgStatIo = defineRowsCollector({
  name: 'pg_stat_io',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-IO-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  minPgVersion: 16,
  source: 'pg_stat_io',
  columns,
  sql: 'SELECT * FROM pg_stat_io',
});

// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-WAL-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  wal_records: 'int',
  wal_fpi: 'int',
  wal_bytes: 'int',
  wal_buffers_full: 'int',
  /** wal_write … wal_sync_time moved to pg_stat_io in PG18: null there. */
  wal_write: 'int',
  wal_sync: 'int',
  wal_write_time: 'float',
  wal_sync_time: 'float',
  stats_reset: 'time',
} as const;
export type PgStatWalRow = RowOf<typeof columns>;

/** WAL activity (not available on Aurora; the adapter disables it there). */
export const pgStatWal = defineRowsCollector({
  name: 'pg_stat_wal',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-WAL-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  minPgVersion: 14,
  source: 'pg_stat_wal',
  columns,
  sql: 'SELECT * FROM pg_stat_wal',
});

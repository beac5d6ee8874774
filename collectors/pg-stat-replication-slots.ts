// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-SLOTS-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  slot_name: 'text',
  spill_txns: 'int',
  spill_count: 'int',
  spill_bytes: 'int',
  stream_txns: 'int',
  stream_count: 'int',
  stream_bytes: 'int',
  total_txns: 'int',
  total_bytes: 'int',
  stats_reset: 'time',
} as const;
export type PgStatReplicationSlotsRow = RowOf<typeof columns>;

/** Logical decoding statistics per slot. */
export const pgStatReplicationSlots = defineRowsCollector({
  name: 'pg_stat_replication_slots',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-SLOTS-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  minPgVersion: 14,
  source: 'pg_stat_replication_slots',
  columns,
  sql: 'SELECT * FROM pg_stat_replication_slots ORDER BY slot_name',
});

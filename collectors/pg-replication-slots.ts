// https://www.postgresql.org/docs/current/view-pg-replication-slots.html
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  slot_name: 'text',
  plugin: 'text',
  slot_type: 'text',
  datoid: 'oid',
  database: 'text',
  temporary: 'bool',
  active: 'bool',
  active_pid: 'int',
  xmin: 'xid',
  xmin_age: 'int',
  catalog_xmin: 'xid',
  catalog_xmin_age: 'int',
  restart_lsn: 'lsn',
  confirmed_flush_lsn: 'lsn',
  wal_status: 'text',
  safe_wal_size: 'int',
  /** PG14+. */
  two_phase: 'bool',
  /** PG16+. */
  conflicting: 'bool',
  /** PG17+. */
  invalidation_reason: 'text',
  failover: 'bool',
  synced: 'bool',
} as const;
export type PgReplicationSlotsRow = RowOf<typeof columns>;

/** Replication slots with the age of the horizons they hold back. */
export const pgReplicationSlots = defineRowsCollector({
  name: 'pg_replication_slots',
  docs: 'https://www.postgresql.org/docs/current/view-pg-replication-slots.html',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  skipUnchanged: true,
  source: 'pg_replication_slots',
  columns,
  sql: `
    SELECT *, age(xmin) AS xmin_age, age(catalog_xmin) AS catalog_xmin_age
    FROM pg_replication_slots
    ORDER BY slot_name`,
});

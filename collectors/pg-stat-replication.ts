// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  pid: 'int',
  usesysid: 'oid',
  usename: 'text',
  application_name: 'text',
  client_addr: 'inet',
  client_hostname: 'text',
  client_port: 'int',
  backend_start: 'time',
  backend_xmin: 'xid',
  backend_xmin_age: 'int',
  state: 'text',
  sent_lsn: 'lsn',
  write_lsn: 'lsn',
  flush_lsn: 'lsn',
  replay_lsn: 'lsn',
  write_lag: 'interval',
  flush_lag: 'interval',
  replay_lag: 'interval',
  sync_priority: 'int',
  sync_state: 'text',
  reply_time: 'time',
} as const;
export type PgStatReplicationRow = RowOf<typeof columns>;

/** WAL senders on this server; the `*_lag` intervals are sent as microseconds. */
export const pgStatReplication = defineRowsCollector({
  name: 'pg_stat_replication',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  source: 'pg_stat_replication',
  columns,
  sql: 'SELECT *, age(backend_xmin) AS backend_xmin_age FROM pg_stat_replication ORDER BY pid',
});

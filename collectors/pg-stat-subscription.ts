// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-SUBSCRIPTION
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  subid: 'oid',
  subname: 'text',
  pid: 'int',
  /** PG16+. */
  leader_pid: 'int',
  relid: 'oid',
  received_lsn: 'lsn',
  last_msg_send_time: 'time',
  last_msg_receipt_time: 'time',
  latest_end_lsn: 'lsn',
  latest_end_time: 'time',
  /** PG17+. */
  worker_type: 'text',
} as const;
export type PgStatSubscriptionRow = RowOf<typeof columns>;

/** Logical replication workers of this subscriber. */
export const pgStatSubscription = defineRowsCollector({
  name: 'pg_stat_subscription',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-SUBSCRIPTION',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  source: 'pg_stat_subscription',
  columns,
  sql: 'SELECT * FROM pg_stat_subscription',
});

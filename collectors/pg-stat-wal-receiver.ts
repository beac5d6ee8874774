// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-WAL-RECEIVER-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  pid: 'int',
  status: 'text',
  receive_start_lsn: 'lsn',
  receive_start_tli: 'int',
  written_lsn: 'lsn',
  flushed_lsn: 'lsn',
  received_tli: 'int',
  last_msg_send_time: 'time',
  last_msg_receipt_time: 'time',
  latest_end_lsn: 'lsn',
  latest_end_time: 'time',
  slot_name: 'text',
  sender_host: 'text',
  sender_port: 'int',
} as const;
export type PgStatWalReceiverRow = RowOf<typeof columns>;

/**
 * The standby's WAL receiver (no row on a primary). Columns are listed so that `conninfo`, which
 * may carry a password, never leaves the server.
 */
export const pgStatWalReceiver = defineRowsCollector({
  name: 'pg_stat_wal_receiver',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-WAL-RECEIVER-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  columns,
  sql: `
    SELECT pid, status, receive_start_lsn, receive_start_tli, written_lsn, flushed_lsn, received_tli,
           last_msg_send_time, last_msg_receipt_time, latest_end_lsn, latest_end_time, slot_name, sender_host,
           sender_port
    FROM pg_stat_wal_receiver`,
});

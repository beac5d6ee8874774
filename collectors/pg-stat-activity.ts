// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ACTIVITY-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  datid: 'oid',
  datname: 'text',
  pid: 'int',
  leader_pid: 'int',
  usesysid: 'oid',
  usename: 'text',
  application_name: 'text',
  client_addr: 'inet',
  client_hostname: 'text',
  client_port: 'int',
  backend_start: 'time',
  xact_start: 'time',
  query_start: 'time',
  state_change: 'time',
  wait_event_type: 'text',
  wait_event: 'text',
  state: 'text',
  backend_xid: 'xid',
  backend_xmin: 'xid',
  backend_xid_age: 'int',
  backend_xmin_age: 'int',
  /** `<queryid>_<usesysid>_<datid>` (the pg_stat_statements key) on PG14+, null on 13. */
  query_id: 'text',
  backend_type: 'text',
} as const;
export type PgStatActivityRow = RowOf<typeof columns>;

/** Sessions of the current database. Query text is never selected (it may hold data or secrets). */
export const pgStatActivity = defineRowsCollector({
  name: 'pg_stat_activity',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ACTIVITY-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  columns,
  sql: (pgMajor) => `
    SELECT datid, datname, pid, leader_pid, usesysid, usename, application_name, client_addr, client_hostname,
           client_port, backend_start, xact_start, query_start, state_change, wait_event_type, wait_event, state,
           backend_xid, backend_xmin, age(backend_xid) AS backend_xid_age, age(backend_xmin) AS backend_xmin_age,
           ${pgMajor >= 14 ? `query_id::text || '_' || usesysid || '_' || datid AS query_id,` : ''}
           backend_type
    FROM pg_stat_activity
    WHERE datname = current_database()
    ORDER BY pid`,
});

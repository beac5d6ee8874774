// https://www.postgresql.org/docs/current/view-pg-locks.html
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  locktype: 'text',
  database: 'oid',
  relation: 'oid',
  page: 'int',
  tuple: 'int',
  virtualxid: 'text',
  transactionid: 'xid',
  classid: 'oid',
  objid: 'oid',
  objsubid: 'int',
  virtualtransaction: 'text',
  pid: 'int',
  mode: 'text',
  granted: 'bool',
  fastpath: 'bool',
  /** PG14+. */
  waitstart: 'time',
  transactionid_age: 'int',
} as const;
export type PgLocksRow = RowOf<typeof columns>;

/**
 * Only locks of blocked sessions and of the sessions blocking them (pg_blocking_pids), in the
 * current database or shared. Differences from the Go agent, both deliberate:
 * - locks with a NULL `database` (transactionid, virtualxid: what a session usually waits on,
 *   e.g. CREATE INDEX CONCURRENTLY or a row lock) are kept; Go's `database IN (0, …)` drops them;
 * - pg_locks is read once (a materialized CTE) instead of twice, so the lock manager is
 *   snapshotted once per tick and pg_blocking_pids runs only when something waits.
 */
export const pgLocks = defineRowsCollector({
  name: 'pg_locks',
  docs: 'https://www.postgresql.org/docs/current/view-pg-locks.html',
  intervalSeconds: 30,
  cost: { weight: 'light' },
  columns,
  sql: `
    WITH l AS MATERIALIZED (SELECT * FROM pg_locks),
    waiting AS (SELECT DISTINCT pid FROM l WHERE NOT granted AND pid IS NOT NULL),
    involved AS (SELECT pid FROM waiting UNION SELECT unnest(pg_blocking_pids(pid)) FROM waiting)
    SELECT l.*, age(l.transactionid) AS transactionid_age
    FROM l
    WHERE l.pid IN (SELECT pid FROM involved)
      AND coalesce(l.database, 0) IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
    ORDER BY l.pid, l.granted, l.locktype`,
});

// https://www.postgresql.org/docs/current/view-pg-prepared-xacts.html
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  transaction: 'xid',
  transaction_age: 'int',
  gid: 'text',
  prepared: 'time',
  owner: 'text',
  database: 'text',
} as const;
export type PgPreparedXactsRow = RowOf<typeof columns>;

/** Two-phase transactions prepared in the current database (they hold locks and the xmin horizon). */
export const pgPreparedXacts = defineRowsCollector({
  name: 'pg_prepared_xacts',
  docs: 'https://www.postgresql.org/docs/current/view-pg-prepared-xacts.html',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  skipUnchanged: true,
  source: 'pg_prepared_xacts',
  columns,
  sql: `
    SELECT *, age(transaction) AS transaction_age
    FROM pg_prepared_xacts
    WHERE database = current_database()
    ORDER BY gid`,
});

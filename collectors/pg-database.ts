// https://www.postgresql.org/docs/current/catalog-pg-database.html
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  oid: 'oid',
  datname: 'text',
  datistemplate: 'bool',
  datfrozenxid: 'xid',
  datfrozenxid_age: 'int',
  datminmxid: 'xid',
  datminmxid_age: 'int',
} as const;
export type PgDatabaseRow = RowOf<typeof columns>;

/** Every database with its wraparound horizons (XID and multixact age). */
export const pgDatabase = defineRowsCollector({
  name: 'pg_database',
  docs: 'https://www.postgresql.org/docs/current/catalog-pg-database.html',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  columns,
  sql: `
    SELECT oid, datname, datistemplate, datfrozenxid, age(datfrozenxid) AS datfrozenxid_age,
           datminmxid, mxid_age(datminmxid) AS datminmxid_age
    FROM pg_database
    ORDER BY datname`,
});

// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-DBSIZE
import { defineRowsCollector, type RowOf } from './define.js';

const columns = { total_size_bytes: 'int' } as const;
export type SystemDbSizeRow = RowOf<typeof columns>;

/**
 * Total size of all databases. pg_database_size() needs CONNECT on the database (or
 * pg_read_all_stats); the Go agent sums over every database and so fails outright on managed
 * services with a locked-down database such as RDS `rdsadmin`. Databases the role may not
 * measure are skipped instead (for a superuser the sum is unchanged).
 */
export const systemDbSize = defineRowsCollector({
  name: 'system_db_size',
  docs: 'https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-DBSIZE',
  intervalSeconds: 5,
  cost: { weight: 'heavy', reuseSeconds: 60 },
  columns,
  sql: `
    SELECT sum(pg_database_size(oid))::bigint AS total_size_bytes
    FROM pg_database
    WHERE has_database_privilege(oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')`,
});

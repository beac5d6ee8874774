/**
 * The database part of system info, common to every adapter (docs/PROTOCOL.md §3.1, docs/ADAPTERS.md): `pg_version`
 * ("16.4"), `pg_max_connections`, `pg_current_database`, `pg_database_count`.
 */
import type { Metric } from '../platform/types.js';
import type { Db } from './pool.js';
import type { ServerVersion } from './version.js';

export async function databaseSystemInfo(db: Db, version: ServerVersion): Promise<Metric[]> {
  const { rows } = await db.query<{
    max_connections: number;
    current_database: string;
    database_count: number;
  }>(
    `SELECT current_setting('max_connections')::int AS max_connections,
            current_database() AS current_database,
            (SELECT count(*)::int FROM pg_database WHERE NOT datistemplate AND datallowconn) AS database_count`,
  );
  const row = rows[0];
  if (!row) throw new Error('pg: system info: no row returned');
  return [
    { key: 'pg_version', type: 'string', value: version.short },
    { key: 'pg_max_connections', type: 'int', value: row.max_connections },
    { key: 'pg_current_database', type: 'string', value: row.current_database },
    { key: 'pg_database_count', type: 'int', value: row.database_count },
  ];
}

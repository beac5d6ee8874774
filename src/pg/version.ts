/** Server version detection. https://www.postgresql.org/docs/current/functions-info.html */
import type { Db } from './pool.js';

export interface ServerVersion {
  /** server_version_num, e.g. 160004. */
  num: number;
  /** Major, e.g. 16. */
  major: number;
  /** "16.4" as the Go agent reports `pg_version` (major.minor). */
  short: string;
  /** Full `SELECT version()` text. */
  full: string;
}

export function parseVersionNum(num: number, full = ''): ServerVersion {
  const major = Math.floor(num / 10000);
  const minor = num % 10000;
  return { num, major, short: `${major}.${minor}`, full };
}

export async function serverVersion(db: Db): Promise<ServerVersion> {
  const { rows } = await db.query<{ num: string; full: string }>(
    "SELECT current_setting('server_version_num') AS num, version() AS full",
  );
  const row = rows[0];
  if (!row) throw new Error('pg: version: no row returned');
  const num = Number(row.num);
  if (!Number.isInteger(num) || num < 90000)
    throw new Error(`pg: version: unexpected server_version_num ${row.num}`);
  return parseVersionNum(num, row.full);
}

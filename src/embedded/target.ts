/**
 * The database an embedded session belongs to: the server's system identifier (unique per cluster,
 * fixed at initdb; https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-PG-CONTROL-SYSTEM),
 * the database name and the host/port the agent connects to. A session is saved under a directory
 * derived from these, so a different target never finds (and never resumes) another's session: its
 * baseline would be another server's configuration.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import { toClientConfig } from '../pg/connection.js';
import { errorMessage } from '../errors.js';
import type { Db } from '../pg/pool.js';

export interface SessionTarget {
  /** pg_control_system().system_identifier; null when the role may not read it (not superuser or pg_monitor). */
  readonly systemIdentifier: string | null;
  readonly database: string;
  readonly host: string;
  readonly port: number;
}

/** host/port as the agent connects (libpq defaults: the socket directory and 5432 when absent). */
export function connectionEndpoint(connectionUrl: string): { host: string; port: number } {
  const c = toClientConfig(connectionUrl);
  const port = Number(c.port ?? 5432);
  return { host: typeof c.host === 'string' && c.host !== '' ? c.host : 'localhost', port };
}

/** Read the target of `db` (the agent's own pool, before the agent starts). */
export async function readTarget(db: Db, connectionUrl: string, log: Logger): Promise<SessionTarget> {
  const { rows } = await db.query<{ database: string }>('SELECT current_database() AS database');
  const database = rows[0]?.database ?? '';
  let systemIdentifier: string | null = null;
  try {
    const r = await db.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    systemIdentifier = r.rows[0]?.id ?? null;
  } catch (err) {
    log.warn(
      { err: errorMessage(err) },
      'embedded platform: cannot read the system identifier (GRANT pg_monitor to the role); the session is bound to host, port and database only',
    );
  }
  return { systemIdentifier, database, ...connectionEndpoint(connectionUrl) };
}

/** Directory name of a target's session: readable prefix, hash of every field. */
export function targetKey(t: SessionTarget): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([t.systemIdentifier, t.database, t.host, t.port]))
    .digest('hex')
    .slice(0, 16);
  const label = `${t.database}@${t.host}:${t.port}`.replace(/[^A-Za-z0-9._@:-]/g, '_').replace(/:/g, '-');
  return `${label.slice(0, 64)}-${hash}`;
}

export function sameTarget(a: SessionTarget, b: SessionTarget): boolean {
  return (
    a.systemIdentifier === b.systemIdentifier &&
    a.database === b.database &&
    a.host === b.host &&
    a.port === b.port
  );
}

export function describeTarget(t: SessionTarget): string {
  return `database ${t.database} at ${t.host}:${t.port} (system identifier ${t.systemIdentifier ?? 'unknown'})`;
}

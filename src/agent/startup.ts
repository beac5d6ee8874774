/**
 * Startup checks (docs/PROTOCOL.md §2.8), skipped with `disable_checks`: the database answers, the
 * pg_stat_statements view is readable in schema public, and the platform accepts a heartbeat.
 * Each failure says what to fix.
 */
import type { Db } from '../pg/pool.js';
import type { PlatformClient } from '../platform/client.js';
import type { HeartbeatPayload } from '../platform/types.js';
import { errorMessage } from '../errors.js';
import { sqlState } from '../pg/sqlstate.js';

export class StartupCheckError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupCheckError';
  }
}

export async function runStartupChecks(
  db: Db,
  platform: PlatformClient,
  heartbeat: HeartbeatPayload,
): Promise<void> {
  try {
    await db.ping(5_000);
  } catch (err) {
    throw new StartupCheckError(
      `startup check: database: cannot connect (${errorMessage(err)}); check postgresql.connection_url (env: DBT_POSTGRESQL_CONNECTION_URL) and that PostgreSQL is running`,
      { cause: err },
    );
  }
  try {
    await db.query('SELECT count(*) FROM public.pg_stat_statements');
  } catch (err) {
    const state = sqlState(err);
    const hint =
      state === '42P01'
        ? "run CREATE EXTENSION pg_stat_statements in schema public of this database, with shared_preload_libraries = 'pg_stat_statements'"
        : state === '55000'
          ? 'add pg_stat_statements to shared_preload_libraries and restart PostgreSQL'
          : state === '42501'
            ? 'grant pg_read_all_stats (or pg_monitor) to the agent role'
            : 'check the pg_stat_statements extension';
    throw new StartupCheckError(`startup check: pg_stat_statements: ${errorMessage(err)}; ${hint}`, {
      cause: err,
    });
  }
  try {
    await platform.heartbeat(heartbeat);
  } catch (err) {
    throw new StartupCheckError(
      `startup check: platform: heartbeat refused (${errorMessage(err)}); check dbtune.server_url, dbtune.api_key and dbtune.database_id`,
      { cause: err },
    );
  }
}

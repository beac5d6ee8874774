/**
 * The live catalog the engine plans from and reads back against:
 * https://www.postgresql.org/docs/current/view-pg-settings.html. Every column used here is visible
 * to any role except `sourcefile`/`sourceline` (pg_read_all_settings), which the engine does not need.
 */
import type { Db } from '../pg/pool.js';
import type { SettingRow } from './types.js';

export const SETTINGS_SQL = `SELECT name, setting, unit, vartype, context, source, min_val, max_val, enumvals, pending_restart
  FROM pg_settings WHERE name = ANY($1::text[])`;

export async function readSettingRows(db: Db, names: readonly string[]): Promise<SettingRow[]> {
  const res = await db.query<Record<string, unknown> & SettingRow>(SETTINGS_SQL, [names]);
  return res.rows;
}

/** Every parameter with a change waiting for a restart, by name. */
export async function readPendingRestart(db: Db): Promise<string[]> {
  const res = await db.query<{ name: string }>(
    'SELECT name FROM pg_settings WHERE pending_restart ORDER BY name',
  );
  return res.rows.map((r) => r.name);
}

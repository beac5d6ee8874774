/**
 * What postgresql.auto.conf holds before an apply, which is what the ALTER SYSTEM backend restores.
 *
 * Best source: pg_file_settings (https://www.postgresql.org/docs/current/view-pg-file-settings.html),
 * which shows every line of every configuration file, applied or not, with parse errors. It is
 * readable by superusers only unless granted (`GRANT SELECT ON pg_file_settings` and `GRANT EXECUTE
 * ON FUNCTION pg_show_all_file_settings()`), which the least-privilege role of `dbtune-agent check
 * --print-role-sql` includes.
 *
 * Fallback, for a role without that grant: pg_settings.sourcefile, visible to members of
 * pg_read_all_settings (pg_monitor includes it). A knob whose live value came from
 * postgresql.auto.conf had that value there; any other knob had no entry that is in effect. What the
 * fallback cannot see: configuration-file errors, and an ALTER SYSTEM someone ran without reloading.
 * So reload plans go ahead with a warning naming the grant, and restart plans (where an unseen file
 * error would keep the server from starting) are refused, naming the grant.
 */
import { ConfigApplyError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { Db } from '../../src/pg/pool.js';
import { isPermissionDenied } from '../../src/pg/sqlstate.js';

/** pg_file_settings.error for a postmaster value that waits for a restart (not a file error). */
const PENDING_RESTART_NOTE = 'setting could not be applied';

export const FILE_SETTINGS_GRANTS = [
  'GRANT SELECT ON pg_catalog.pg_file_settings TO {role};',
  'GRANT EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings() TO {role};',
];

export interface AutoConfState {
  /** Value per knob in postgresql.auto.conf (last entry wins), for the names asked. */
  values: Map<string, string>;
  /**
   * Every postgresql.auto.conf entry in file order (last occurrence per name), when pg_file_settings
   * is readable; null with the fallback. Restore uses it to rebuild the file in its original order.
   */
  entries: [string, string][] | null;
  /** Configuration-file errors (`file:line: error`); null when they cannot be read. */
  fileErrors: string[] | null;
  /** 'file-settings' (exact) or 'sourcefile' (fallback). */
  source: 'file-settings' | 'sourcefile';
}

interface FileSettingRow {
  sourcefile: string | null;
  sourceline: number | null;
  name: string | null;
  setting: string | null;
  error: string | null;
}

export function isAutoConf(sourcefile: string | null): boolean {
  return sourcefile !== null && /(^|[/\\])postgresql\.auto\.conf$/.test(sourcefile);
}

/** Reads the state, preferring pg_file_settings; warns once per process when it falls back. */
export class AutoConfStateReader {
  private warned = false;
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  async read(names: readonly string[]): Promise<AutoConfState> {
    try {
      const res = await this.db.query<Record<string, unknown> & FileSettingRow>(
        'SELECT sourcefile, sourceline, name, setting, error FROM pg_file_settings ORDER BY seqno',
      );
      const values = new Map<string, string>();
      const all = new Map<string, string>();
      for (const r of res.rows) {
        if (!r.name || r.setting === null || !isAutoConf(r.sourcefile)) continue;
        all.delete(r.name); // keep file order of the last occurrence
        all.set(r.name, r.setting);
        if (names.includes(r.name)) values.set(r.name, r.setting);
      }
      const fileErrors = res.rows
        .filter((r) => r.error !== null && r.error !== PENDING_RESTART_NOTE)
        .map((r) => `${r.sourcefile ?? '?'}:${r.sourceline ?? '?'}: ${r.error ?? ''}`);
      return { values, entries: [...all], fileErrors, source: 'file-settings' };
    } catch (err) {
      if (!isPermissionDenied(err)) throw err;
    }
    return this.fromSourcefile(names);
  }

  private async fromSourcefile(names: readonly string[]): Promise<AutoConfState> {
    const res = await this.db.query<{
      name: string;
      setting: string;
      source: string;
      sourcefile: string | null;
      visible: boolean;
    }>(
      `SELECT name, setting, source, sourcefile,
              pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS visible
         FROM pg_settings WHERE name = ANY($1::text[])`,
      [names],
    );
    if (res.rows.some((r) => !r.visible)) {
      throw new ConfigApplyError(
        'apply: validate: cannot read the previous postgresql.auto.conf state (pg_file_settings is not readable and pg_settings.sourcefile is hidden); the rollback needs it, so nothing is applied. Fix: GRANT pg_monitor TO <agent role> (or GRANT SELECT ON pg_catalog.pg_file_settings and EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings())',
      );
    }
    if (!this.warned) {
      this.warned = true;
      this.log.warn(
        { grants: FILE_SETTINGS_GRANTS.map((g) => g.replace('{role}', '<agent role>')) },
        'pg_file_settings is not readable; the previous postgresql.auto.conf state comes from pg_settings.sourcefile, and restart plans are refused',
      );
    }
    const values = new Map<string, string>();
    for (const r of res.rows) if (isAutoConf(r.sourcefile)) values.set(r.name, r.setting);
    return { values, entries: null, fileErrors: null, source: 'sourcefile' };
  }
}

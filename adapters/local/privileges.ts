/**
 * What the ALTER SYSTEM backend needs from its database role, checked with the privilege inquiry
 * functions (https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-ACCESS):
 * - ALTER SYSTEM on each knob: superuser, or on PostgreSQL 15+ `GRANT ALTER SYSTEM ON PARAMETER`
 *   (https://www.postgresql.org/docs/current/sql-grant.html);
 * - `pg_reload_conf()`: superuser, or `GRANT EXECUTE ON FUNCTION pg_reload_conf()`;
 * - the previous postgresql.auto.conf state for rollback: pg_file_settings (see auto-conf-state.ts),
 *   or at least pg_read_all_settings (in pg_monitor) for the pg_settings.sourcefile fallback.
 * Each gap comes with the exact GRANT that closes it.
 */
import type { PrivilegeGap } from '../../src/apply/index.js';
import type { Db } from '../../src/pg/pool.js';

/** A role name as it must appear in SQL. */
function sqlRole(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

interface RoleFacts extends Record<string, unknown> {
  role: string;
  superuser: boolean;
  major: number;
  reload: boolean;
  fileSettings: boolean;
  readAllSettings: boolean;
}

async function roleFacts(db: Db): Promise<RoleFacts> {
  const { rows } = await db.query<RoleFacts>(
    `SELECT current_user AS role,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            current_setting('server_version_num')::int / 10000 AS major,
            has_function_privilege('pg_catalog.pg_reload_conf()', 'EXECUTE') AS reload,
            has_table_privilege('pg_catalog.pg_file_settings', 'SELECT')
              AND has_function_privilege('pg_catalog.pg_show_all_file_settings()', 'EXECUTE') AS "fileSettings",
            pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS "readAllSettings"`,
  );
  const facts = rows[0];
  if (!facts) throw new Error('privileges: no answer from the server');
  return { ...facts, major: Number(facts.major) };
}

/** Knobs (of those asked that exist on the server) the role may not change with ALTER SYSTEM. */
async function deniedKnobs(db: Db, facts: RoleFacts, knobs: readonly string[]): Promise<string[]> {
  if (facts.superuser) return [];
  const { rows } = await db.query<{ name: string }>(
    'SELECT name FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name',
    [knobs],
  );
  const names = rows.map((r) => r.name);
  // Before PostgreSQL 15 only a superuser may run ALTER SYSTEM.
  if (facts.major < 15) return names;
  const res = await db.query<{ name: string }>(
    `SELECT n AS name FROM unnest($1::text[]) AS n
      WHERE NOT has_parameter_privilege(n, 'ALTER SYSTEM') ORDER BY n`,
    [names],
  );
  return res.rows.map((r) => r.name);
}

/** Every privilege apply would miss for `knobs`, with the statement that grants it. */
export async function privilegeGaps(db: Db, knobs: readonly string[]): Promise<PrivilegeGap[]> {
  const facts = await roleFacts(db);
  if (facts.superuser) return [];
  const role = sqlRole(facts.role);
  const gaps: PrivilegeGap[] = [];
  const denied = await deniedKnobs(db, facts, knobs);
  for (const knob of denied) {
    gaps.push(
      facts.major < 15
        ? {
            what: `ALTER SYSTEM SET ${knob}`,
            grant: `-- PostgreSQL ${facts.major}: ALTER SYSTEM needs a superuser (ALTER ROLE ${role} SUPERUSER), or use PostgreSQL 15+`,
          }
        : { what: `ALTER SYSTEM SET ${knob}`, grant: `GRANT ALTER SYSTEM ON PARAMETER ${knob} TO ${role};` },
    );
  }
  if (!facts.reload)
    gaps.push({
      what: 'pg_reload_conf()',
      grant: `GRANT EXECUTE ON FUNCTION pg_catalog.pg_reload_conf() TO ${role};`,
    });
  if (!facts.fileSettings) {
    gaps.push({
      what: 'pg_file_settings (previous postgresql.auto.conf state, configuration-file errors; needed for restart plans)',
      grant: `GRANT SELECT ON pg_catalog.pg_file_settings TO ${role}; GRANT EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings() TO ${role};`,
    });
  }
  if (!facts.readAllSettings)
    gaps.push({ what: 'pg_settings.sourcefile and data_directory', grant: `GRANT pg_monitor TO ${role};` });
  return gaps;
}

/**
 * SQL that creates a least-privilege role for the ALTER SYSTEM backend on PostgreSQL `major`:
 * monitoring through pg_monitor, ALTER SYSTEM on exactly the allowlisted knobs that exist there,
 * reload, and the reads rollback needs. Before 15 there is no ALTER SYSTEM privilege: the role can
 * collect but only a superuser can apply.
 */
export function roleSql(major: number, knobs: readonly string[], role = 'dbtune_agent'): string {
  const lines = [
    `-- dbtune-agent role for PostgreSQL ${major} (run as a superuser; set a password of your own)`,
    `CREATE ROLE ${role} LOGIN PASSWORD 'change-me';`,
    `GRANT pg_monitor TO ${role};`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_reload_conf() TO ${role};`,
    `GRANT SELECT ON pg_catalog.pg_file_settings TO ${role};`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings() TO ${role};`,
  ];
  if (major >= 15) {
    lines.push(`-- ALTER SYSTEM on the knobs the agent may tune (its allowlist)`);
    for (const knob of [...knobs].sort()) lines.push(`GRANT ALTER SYSTEM ON PARAMETER ${knob} TO ${role};`);
  } else {
    lines.push(
      `-- PostgreSQL ${major} has no ALTER SYSTEM privilege (it came in 15): this role collects`,
      `-- statistics; applying proposals needs a superuser role (or dry_run: true).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

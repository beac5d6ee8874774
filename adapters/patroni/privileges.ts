/**
 * What `dbtune-agent check` reports for the Patroni backend: the agent's role must read pg_settings
 * on every member (each change is verified there), and should see `pg_settings.sourcefile` on this
 * node (without it a knob shadowed by ALTER SYSTEM cannot be refused up front; verification still
 * catches it, after the write). Configuration itself is changed by Patroni, not by the role.
 * https://www.postgresql.org/docs/current/predefined-roles.html
 */
import type { PrivilegeGap } from '../../src/apply/backend.js';
import type { Db } from '../../src/pg/pool.js';
import type { PatroniApi } from './client.js';
import { memberSettings, type MemberSessions } from './members.js';

export async function patroniPrivileges(
  d: { api: PatroniApi; db: Db; sessions: MemberSessions },
  signal: AbortSignal,
): Promise<PrivilegeGap[]> {
  const gaps: PrivilegeGap[] = [];
  const { rows } = await d.db.query<{ role: string; ok: boolean }>(
    `SELECT current_user AS role,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
              OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS ok`,
  );
  const role = rows[0]?.role ?? '<role>';
  if (!rows[0]?.ok) {
    gaps.push({
      what: 'read pg_settings.sourcefile, to refuse knobs that ALTER SYSTEM shadows on this node',
      grant: `GRANT pg_read_all_settings TO ${role};`,
    });
  }
  for (const m of await d.api.cluster(signal)) {
    try {
      await memberSettings(d.sessions.db(m), ['work_mem']);
    } catch (err) {
      gaps.push({
        what: `read pg_settings on member ${m.name} at ${m.host}:${m.port} with the credentials of postgresql.connection_url (${err instanceof Error ? err.message : String(err)})`,
        grant: `let ${role} log in on ${m.name} from the agent's address (pg_hba.conf), and make sure it is running`,
      });
    }
  }
  return gaps;
}

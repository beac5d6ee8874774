/**
 * The agent's database role for fault runs: a role with a password, and pg_hba.conf switched to
 * scram-sha-256 for TCP logins other than `postgres`, so the password in the agent's connection URL
 * is really used — and any copy of it in the agent's output is a leak the tests can see.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PgCluster } from '../../harness/postgres.js';

export const AGENT_ROLE = 'dbtune_agent';
export const AGENT_PASSWORD = 'Fault-pw-4e1c9a7d';

export interface AgentRoleOptions {
  /** Superuser (needed for ALTER SYSTEM on PG < 15); default true. */
  superuser?: boolean;
  /** Role name (default dbtune_agent). */
  name?: string;
}

/** Create the role, require its password over TCP, and return its connection URL. */
export async function createAgentRole(pg: PgCluster, opts: AgentRoleOptions = {}): Promise<string> {
  const name = opts.name ?? AGENT_ROLE;
  const attrs = opts.superuser === false ? 'LOGIN' : 'LOGIN SUPERUSER';
  await pg.sql(`CREATE ROLE ${name} ${attrs} PASSWORD '${AGENT_PASSWORD}'`);
  if (opts.superuser === false) await pg.sql(`GRANT pg_monitor TO ${name}`);
  requirePasswords(pg);
  await pg.sql('SELECT pg_reload_conf()');
  return agentUrl(pg, name);
}

export function agentUrl(pg: PgCluster, name = AGENT_ROLE): string {
  return `postgres://${name}:${AGENT_PASSWORD}@127.0.0.1:${pg.port}/postgres`;
}

/** `postgres` keeps trust (the harness connects without a password); everyone else needs scram. */
function requirePasswords(pg: PgCluster): void {
  writeFileSync(
    path.join(pg.dataDir, 'pg_hba.conf'),
    [
      'local all all trust',
      'host all postgres 127.0.0.1/32 trust',
      'host replication postgres 127.0.0.1/32 trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
}

/**
 * Watching the agent from inside PostgreSQL through one long-lived superuser session. The session
 * is opened (and its catalog caches warmed) before a fault, so it keeps working while a catalog
 * lock blocks new connections.
 */
import pg from 'pg';

const AGENT_SESSIONS = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-agent'`;
const LOCK_WAITERS = `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`;

export interface Observer {
  agentSessions(): Promise<number>;
  lockWaiters(): Promise<number>;
  close(): Promise<void>;
}

export async function observe(url: string): Promise<Observer> {
  const client = new pg.Client({ connectionString: url, application_name: 'fault-observer' });
  client.on('error', () => undefined);
  await client.connect();
  const count = async (sql: string) => (await client.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
  await count(AGENT_SESSIONS);
  await count(LOCK_WAITERS);
  return {
    agentSessions: () => count(AGENT_SESSIONS),
    lockWaiters: () => count(LOCK_WAITERS),
    close: () => client.end().catch(() => undefined),
  };
}

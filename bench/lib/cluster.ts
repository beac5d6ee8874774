/**
 * Cluster fixtures: a throwaway PostgreSQL (src/embedded/cluster.ts) with a dedicated login role
 * for the agent, so the agent's own statements can be told apart in pg_stat_statements by `userid`
 * — on every major, including PG 18, which no longer keeps a leading `/*dbtune*\/` comment in
 * pg_stat_statements.query.
 */
import { startCluster, type PgCluster } from '../../src/embedded/cluster.js';

export const AGENT_ROLE = 'bench_agent';
export const EXPORTER_ROLE = 'bench_exporter';
export const BENCH_MAJOR = Number(process.env.PG_MAJOR ?? 17);

export interface BenchCluster {
  cluster: PgCluster;
  /** `postgres://bench_agent@127.0.0.1:<port>/postgres` */
  agentUrl: string;
  /** `postgres://bench_exporter@…` (lib/pq syntax, sslmode=disable) */
  exporterUrl: string;
  version: string;
}

/** Start a cluster (default PG 17; PG_MAJOR overrides) with the agent and exporter roles. */
export async function startBenchCluster(
  settings: Record<string, string | number> = {},
): Promise<BenchCluster> {
  const cluster = await startCluster({ major: BENCH_MAJOR, settings });
  try {
    // Superuser like a self-hosted agent commonly is (and like test/e2e); pg_monitor would do for collection.
    await cluster.sql(
      `CREATE ROLE ${AGENT_ROLE} LOGIN SUPERUSER; CREATE ROLE ${EXPORTER_ROLE} LOGIN SUPERUSER`,
    );
    const version =
      ((await cluster.sql('SHOW server_version'))[0]?.server_version as string | undefined) ?? '';
    const base = `127.0.0.1:${cluster.port}/postgres`;
    return {
      cluster,
      agentUrl: `postgres://${AGENT_ROLE}@${base}`,
      exporterUrl: `postgresql://${EXPORTER_ROLE}@${base}?sslmode=disable`,
      version,
    };
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}

/** Run `fn` with a fresh cluster and always destroy it. */
export async function withBenchCluster<T>(
  settings: Record<string, string | number>,
  fn: (c: BenchCluster) => Promise<T>,
): Promise<T> {
  const c = await startBenchCluster(settings);
  try {
    return await fn(c);
  } finally {
    await c.cluster.destroy();
  }
}

/**
 * Test harness: throwaway PostgreSQL clusters (13–18) from npm-shipped binaries, as the `postgres`
 * OS user when run as root, on random loopback ports. The cluster code itself lives in
 * src/embedded/cluster.ts because the demo starts its database the same way.
 *
 * `PG_MAJORS=13,18` or `PG_MAJORS=all` selects the matrix; the default is one major.
 */
import {
  ALL_MAJORS,
  DEFAULT_MAJOR,
  startCluster,
  type PgCluster,
  type StartOptions,
} from '../../src/embedded/cluster.js';

export { ALL_MAJORS, DEFAULT_MAJOR, type PgCluster, type StartOptions };

/** Majors selected by PG_MAJORS (`all`, or a comma list); default: one major. */
export function pgMajors(env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env.PG_MAJORS?.trim();
  if (!raw) return [DEFAULT_MAJOR];
  if (raw === 'all') return [...ALL_MAJORS];
  const majors = raw.split(',').map((s) => Number(s.trim()));
  for (const m of majors) {
    if (!(ALL_MAJORS as readonly number[]).includes(m)) throw new Error(`PG_MAJORS: unsupported major ${m}`);
  }
  return majors;
}

/** Start a throwaway cluster; always pair with `await cluster.destroy()` in afterAll/finally. */
export function startPostgres(opts: StartOptions = {}): Promise<PgCluster> {
  return startCluster(opts);
}

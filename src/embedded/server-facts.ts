/**
 * What the embedded session needs to know about the server that the agent's system info does not
 * carry, read by whoever starts the platform (the demo from its cluster, `run`/`check` from the
 * agent's connection before the agent starts).
 */

/** Runs one statement and returns its rows (a pg pool's query, the demo cluster's sql). */
export type RowsOf = (sql: string) => Promise<readonly Record<string, unknown>[]>;

/**
 * `pg_jit_available()`: whether the server can JIT-compile at all (built with LLVM and the provider
 * library loadable; https://www.postgresql.org/docs/current/functions-info.html). null when it cannot
 * be read, so the search space stays as it was.
 */
export async function readJitAvailable(rows: RowsOf): Promise<boolean | null> {
  try {
    const [row] = await rows('SELECT pg_jit_available() AS available');
    return typeof row?.available === 'boolean' ? row.available : null;
  } catch {
    return null;
  }
}

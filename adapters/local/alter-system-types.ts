/** Types of the ALTER SYSTEM settings backend, shared by the local and Docker adapters. */

/**
 * Restarts PostgreSQL. Supplied by the adapter (local: script or systemd, docker: ContainerRestart).
 *
 * Contract:
 * - Resolve once the restart command has completed successfully; reject when it failed. Readiness is
 *   NOT part of the contract: the apply engine itself waits until PostgreSQL accepts connections.
 * - It must START a stopped server (like `pg_ctl restart`, `systemctl restart` and Docker's restart
 *   do). Restore relies on this: after a failed restart left PostgreSQL down, it is called again.
 * - It must be idempotent and safe to call repeatedly; it must honour `signal` (abort: stop waiting
 *   and reject) so a hung restart cannot block the agent forever.
 */
export type RestartFn = (signal: AbortSignal) => Promise<void>;

/**
 * Direct access to `postgresql.auto.conf` on disk, for the one case SQL cannot handle: PostgreSQL is
 * down after a restart, possibly BECAUSE of the new values, so ALTER SYSTEM cannot restore them.
 * Only adapters that share the database host's file system can offer it (local); see
 * `localAutoConfFile` in auto-conf-file.ts.
 */
export interface AutoConfFile {
  /** Human-readable location, for logs and error messages. */
  readonly location: string;
  read(): Promise<string>;
  /** Replace the file atomically, keeping owner and mode. */
  write(contents: string): Promise<void>;
}

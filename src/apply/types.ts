/** Apply pipeline types (ARCHITECTURE.md "Apply plan"). */
import type { Logger } from '../log.js';

/**
 * Restarts PostgreSQL. Supplied by the adapter (local: script or systemd, docker: ContainerRestart,
 * patroni: REST restart).
 *
 * Contract:
 * - Resolve once the restart command has completed successfully; reject when it failed. Readiness is
 *   NOT part of the contract: the apply pipeline itself waits until PostgreSQL accepts connections.
 * - It must START a stopped server (like `pg_ctl restart`, `systemctl restart` and Docker's restart
 *   do). Rollback relies on this: after a failed restart left PostgreSQL down, it is called again.
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

export interface ApplyOptions {
  /** `postgresql.allow_restart`: a plan needing a restart is refused unless true (default false). */
  allowRestart?: boolean;
  /** Knob names added to the default allowlist (never overrides the denylist). */
  allowlistAdd?: readonly string[];
  /** Knob names removed from the default allowlist. */
  allowlistRemove?: readonly string[];
  /** Required for plans that need a restart. */
  restart?: RestartFn;
  /** How long PostgreSQL may take to accept connections after a restart (default 120 000 ms). */
  readyTimeoutMs?: number;
  /** How long settings may take to show in pg_settings after a reload/restart (default 10 000 ms). */
  verifyTimeoutMs?: number;
  /** Poll interval for readiness and read-back (default 500 ms; clamped to 50–1000). */
  pollIntervalMs?: number;
  /** Validate and report the plan; change nothing. */
  dryRun?: boolean;
  log?: Logger;
  /**
   * Shutdown signal. Before any change: the apply is abandoned. While ALTER SYSTEM runs: the change
   * is rolled back. Once a reload/restart is under way it completes (or rolls back) first, so
   * shutdown can wait for `applyIdle()` and never leave a half-applied configuration.
   */
  signal?: AbortSignal;
  /** When set, readiness is probed with a fresh connection each time instead of the pool. */
  connectionUrl?: string;
  /** File-level restore of postgresql.auto.conf when PostgreSQL is down (see AutoConfFile). */
  autoConfFile?: AutoConfFile;
}

export interface PlannedChange {
  name: string;
  /** Current value as in pg_settings.setting (base unit). */
  current: string;
  /** Proposed value, normalised to the base unit, exactly as it will be written. */
  proposed: string;
  /** The value as the platform sent it (§4.1 formatting), before unit normalisation. */
  requested: string;
  unit: string | null;
  vartype: string;
  context: string;
  /** Previous state in postgresql.auto.conf: the value set there, or null when not set. */
  previousAutoConf: string | null;
}

export interface ApplyPlan {
  changes: PlannedChange[];
  /** Knobs proposed but already at the target value. */
  unchanged: string[];
  restartRequired: boolean;
  /** The platform's intent (undefined: omitted, treated as reload). */
  intent: 'restart' | 'reload' | undefined;
}

export interface ApplyResult {
  plan: ApplyPlan;
  /** What was done: nothing (no-op), reload, restart, or nothing because of a dry run. */
  action: 'none' | 'reload' | 'restart' | 'dry-run';
}

/** A pg_settings row as read by validation and read-back. */
export interface SettingRow {
  name: string;
  setting: string;
  unit: string | null;
  vartype: string;
  context: string;
  source: string;
  min_val: string | null;
  max_val: string | null;
  enumvals: string[] | null;
  pending_restart: boolean;
}

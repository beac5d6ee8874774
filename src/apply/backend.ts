/**
 * The settings-backend port (docs/ARCHITECTURE.md "Apply engine"). One executor (engine.ts) owns the
 * sequence plan → check → snapshot → write → activate → wait → read back → restore on any failure,
 * the apply lock, dry-run and the "nothing changed → do nothing" rule. A backend supplies only its
 * platform's verbs: ALTER SYSTEM + auto.conf (local, Docker), a parameter group (RDS/Aurora),
 * database flags (Cloud SQL), server configurations (Azure), `user_config` (Aiven), the Cluster
 * resource (CloudNativePG), `/config` (Patroni).
 *
 * Contract for every verb:
 * - Throw on failure with a message that names the platform step (`rds: ModifyDBParameterGroup:
 *   AccessDenied …`); the engine prefixes `apply: <step>:` and decides what to roll back.
 * - Honour `signal`: an aborted call stops waiting and rejects. The engine passes the shutdown signal
 *   only before activation; activation and restore run to their end under their own deadlines.
 * - Never retry on your own beyond what the platform's SDK does by itself; never swallow an error.
 */
import type { Logger } from '../log.js';
import type { ApplyPlan, PlannedChange } from './types.js';

export type Activation = 'reload' | 'restart';

export interface SettingsBackend<Snapshot = unknown> {
  /** For logs and errors: `alter-system`, `rds-parameter-group`, `cloudsql-flags`, … */
  readonly id: string;
  /** Whether this backend can restart the server. A plan that needs a restart is refused without. */
  readonly canRestart: boolean;
  /**
   * Backend-specific refusals, after the generic planning (allowlist, vartype, range, restart
   * policy). Any problem refuses the whole batch before anything is written. Examples: a knob not
   * modifiable in the parameter group, a default parameter group, a knob Azure's intelligent tuning
   * manages, an operator-managed CloudNativePG parameter.
   */
  check?(plan: ApplyPlan, signal: AbortSignal): Promise<readonly string[]>;
  /** Read what `restore` needs to put every change back, before anything is written. */
  snapshot(changes: readonly PlannedChange[], signal: AbortSignal): Promise<Snapshot>;
  /**
   * Write the new values. It need not make them live. On a throw the engine restores the snapshot
   * for every change (a partial write is assumed).
   */
  write(changes: readonly PlannedChange[], signal: AbortSignal): Promise<void>;
  /**
   * Make the written values live, by reload or by restart (the engine decides which from the plan).
   * Resolve when the platform says it is done; readiness of PostgreSQL and the read-back in
   * `pg_settings` are the engine's job.
   */
  activate(mode: Activation, changes: readonly PlannedChange[], signal: AbortSignal): Promise<void>;
  /**
   * Put the snapshot back and make it live again (reload, or restart when a restart-context value
   * went live). Called after any failure once something may have been written. The engine then waits
   * for PostgreSQL and reads every previous value back.
   */
  restore(snapshot: Snapshot, attempted: readonly PlannedChange[], ctx: RestoreContext): Promise<void>;
  /**
   * Optional, for `dbtune-agent check`: what the backend's credentials may not do for `knobs`, each
   * with the statement or permission that fixes it. Empty when nothing is missing.
   */
  privileges?(knobs: readonly string[], signal: AbortSignal): Promise<PrivilegeGap[]>;
  close?(): Promise<void>;
}

/** A privilege the backend lacks, and the exact grant that closes the gap. */
export interface PrivilegeGap {
  what: string;
  grant: string;
}

/** What `restore` may use: the engine's own readiness wait and a bounded deadline. */
export interface RestoreContext {
  log: Logger;
  /** Bounded by the readiness timeout; restore is never given the shutdown signal. */
  signal: AbortSignal;
  /** Whether PostgreSQL accepts connections within `timeoutMs` (default: a short look, 2 s). */
  isUp(timeoutMs?: number): Promise<boolean>;
  /** Wait until PostgreSQL accepts connections, or throw after the readiness timeout. */
  waitUp(step: string): Promise<void>;
  /** Whether the failed apply got as far as a restart (restart-context values may be live). */
  activated: Activation | null;
}

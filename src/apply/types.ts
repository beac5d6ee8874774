/** Apply pipeline types (ARCHITECTURE.md "Apply plan"). */

export interface ApplyOptions {
  /** Validate and report the plan; change nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface PlannedChange {
  name: string;
  /** Current value as in pg_settings.setting (base unit). */
  current: string;
  /** Proposed value, formatted as it will be written (base unit, §4.1). */
  proposed: string;
  unit: string | null;
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
  /** What was done: nothing (no-op or dry run), reload, or restart. */
  action: 'none' | 'reload' | 'restart' | 'dry-run';
}

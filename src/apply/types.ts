/** Apply engine types (docs/ARCHITECTURE.md "Apply engine"). */
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

/**
 * Planning: a pure function of the proposal, the live `pg_settings` rows and the policy. Every knob
 * is checked before anything is touched; one bad knob refuses the whole batch, and the error names
 * every bad knob. Rules here hold for every settings backend; rules that only one backend needs
 * (ALTER SYSTEM's configuration-file checks, a parameter group's modifiable flag) live in that
 * backend's `check`.
 *
 * Source of the rows: https://www.postgresql.org/docs/current/view-pg-settings.html
 */
import { ConfigApplyError, RestartNotAllowedError } from '../errors.js';
import type { KnobPolicy } from './allowlist.js';
import { VALUE_RESTRICTIONS } from './allowlist.js';
import type { ParsedProposal } from './parse.js';
import type { ApplyPlan, PlannedChange, SettingRow } from './types.js';
import { normalizeValue, sameValue } from './value.js';

/** A refused batch: `problems` lists every bad knob (also joined into the message). */
export class ApplyValidationError extends ConfigApplyError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`apply: validate: ${problems.join('; ')}`);
    this.name = 'ApplyValidationError';
    this.problems = problems;
  }
}

export interface PlanInput {
  proposal: ParsedProposal;
  /** pg_settings rows for the proposed names (missing names are not parameters of this server). */
  rows: readonly SettingRow[];
  /** Names with pending_restart = true anywhere on the server (a restart would apply them too). */
  pendingRestart: readonly string[];
  policy: KnobPolicy;
  /** `postgresql.allow_restart`. */
  allowRestart: boolean;
  /** Whether the settings backend can restart the server. */
  canRestart: boolean;
}

/**
 * Where a setting may come from for a new configuration value to take effect and be verifiable:
 * a built-in default or a configuration file. A value from the command line, or a per-database,
 * per-role or session override, would hide the new value (or keep it from taking effect at all).
 */
const CHANGEABLE_SOURCES = new Set(['default', 'configuration file', 'environment variable']);

/** Contexts whose new value reaches this session after a reload (or after a restart: postmaster). */
const APPLICABLE_CONTEXTS = new Set(['postmaster', 'sighup', 'superuser', 'user']);

function knobProblem(
  name: string,
  value: string,
  row: SettingRow | undefined,
  policy: KnobPolicy,
): string | { value: string } {
  const refusal = policy.refusal(name);
  if (refusal) return refusal;
  if (!row) return `${name} is not a parameter of this server`;
  if (!APPLICABLE_CONTEXTS.has(row.context))
    return `${name} has context ${row.context} and cannot be changed by a reload or restart`;
  // "override" on a postmaster knob is a startup auto-tune of a -1 setting (wal_buffers before
  // PG 14); a configured value replaces it at the next restart.
  const autoTuned = row.source === 'override' && row.context === 'postmaster';
  if (!CHANGEABLE_SOURCES.has(row.source) && !autoTuned)
    return `${name} is set by source "${row.source}", which overrides the server configuration`;
  const normalized = normalizeValue(row, value);
  if (!normalized.ok) return normalized.problem;
  const restriction = VALUE_RESTRICTIONS[name];
  if (restriction && !restriction.allowed.includes(normalized.value))
    return `${name}=${normalized.value} is refused: ${restriction.why}`;
  if (row.pending_restart)
    return `${name} already has a change pending a restart, made outside this proposal`;
  return { value: normalized.value };
}

/** Build the plan, or throw (ApplyValidationError, RestartNotAllowedError, ConfigApplyError). */
export function planChanges(input: PlanInput): ApplyPlan {
  const byName = new Map(input.rows.map((r) => [r.name, r]));
  const problems: string[] = [];
  const changes: PlannedChange[] = [];
  const unchanged: string[] = [];
  for (const knob of input.proposal.knobs) {
    const row = byName.get(knob.name);
    const verdict = knobProblem(knob.name, knob.value, row, input.policy);
    if (typeof verdict === 'string') {
      problems.push(verdict);
      continue;
    }
    if (!row) continue; // unreachable: knobProblem refuses a missing row
    if (sameValue(row.vartype, row.setting, verdict.value)) {
      unchanged.push(knob.name);
      continue;
    }
    changes.push({
      name: knob.name,
      current: row.setting,
      proposed: verdict.value,
      requested: knob.value,
      unit: row.unit,
      vartype: row.vartype,
      context: row.context,
    });
  }
  if (problems.length) throw new ApplyValidationError(problems);
  const restartKnobs = changes.filter((c) => c.context === 'postmaster').map((c) => c.name);
  const plan: ApplyPlan = {
    changes,
    unchanged,
    restartRequired: restartKnobs.length > 0,
    intent: input.proposal.intent,
  };
  if (restartKnobs.length) checkRestartPolicy(plan, restartKnobs, input);
  return plan;
}

function checkRestartPolicy(plan: ApplyPlan, restartKnobs: string[], input: PlanInput): void {
  const list = `[${restartKnobs.join(', ')}]`;
  if (!input.allowRestart) {
    throw new RestartNotAllowedError(
      `apply: validate: restart is not allowed (allow_restart is false), but ${restartKnobs.length} parameter(s) require restart: ${list}`,
    );
  }
  if (plan.intent === 'reload') {
    throw new ConfigApplyError(
      `apply: validate: refusing to apply: knob_application=reload but ${restartKnobs.length} parameter(s) require restart: ${list}`,
    );
  }
  if (!input.canRestart) {
    throw new ConfigApplyError(
      `apply: validate: ${list} require a restart, but no restart method is configured`,
    );
  }
  // A restart would also apply changes someone else left pending; refuse rather than surprise.
  if (input.pendingRestart.length) {
    throw new ConfigApplyError(
      `apply: validate: a restart would also apply changes pending outside this proposal: [${input.pendingRestart.join(', ')}]`,
    );
  }
}

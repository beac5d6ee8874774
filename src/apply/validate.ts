/**
 * Validation: every knob is checked against the live catalog before anything is touched; one bad
 * knob refuses the whole batch, and the error names every bad knob.
 *
 * Sources: pg_settings (https://www.postgresql.org/docs/current/view-pg-settings.html) for the live
 * value, vartype, unit, range, context and pending_restart; pg_file_settings
 * (https://www.postgresql.org/docs/current/view-pg-file-settings.html) for what
 * postgresql.auto.conf currently holds, applied or not, which is what rollback restores.
 */
import { ConfigApplyError, RestartNotAllowedError } from '../errors.js';
import type { Db } from '../pg/pool.js';
import { isPermissionDenied } from '../pg/sqlstate.js';
import type { Proposal } from '../platform/types.js';
import { VALUE_RESTRICTIONS, type KnobPolicy } from './allowlist.js';
import { parseProposal } from './parse.js';
import type { ApplyPlan, PlannedChange, SettingRow } from './types.js';
import { forbiddenCharacter, normalizeValue, sameValue } from './value.js';

/** pg_file_settings.error for a postmaster value that waits for a restart (not a file error). */
const PENDING_RESTART_NOTE = 'setting could not be applied';

/** A refused batch: `problems` lists every bad knob (also joined into the message). */
export class ApplyValidationError extends ConfigApplyError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`apply: validate: ${problems.join('; ')}`);
    this.name = 'ApplyValidationError';
    this.problems = problems;
  }
}

export interface ValidateOptions {
  allowRestart: boolean;
  /** Whether the adapter supplied a restart function. */
  canRestart: boolean;
}

export const SETTINGS_SQL = `SELECT name, setting, unit, vartype, context, source, min_val, max_val, enumvals, pending_restart
  FROM pg_settings WHERE name = ANY($1::text[])`;

interface FileSettingRow {
  sourcefile: string | null;
  sourceline: number | null;
  name: string | null;
  setting: string | null;
  error: string | null;
}

/**
 * Where a setting may come from for ALTER SYSTEM + reload to take effect and be verifiable here:
 * built-in default or a configuration file. A value from the command line, or a per-database, per-role
 * or session override, would hide the new value (or keep it from taking effect at all).
 */
const CHANGEABLE_SOURCES = new Set(['default', 'configuration file', 'environment variable']);

/** Contexts whose new value reaches this session after a reload (or after a restart: postmaster). */
const APPLICABLE_CONTEXTS = new Set(['postmaster', 'sighup', 'superuser', 'user']);

export function isAutoConf(sourcefile: string | null): boolean {
  return sourcefile !== null && /(^|[/\\])postgresql\.auto\.conf$/.test(sourcefile);
}

/** Current postgresql.auto.conf value per knob (the last entry wins, as when PostgreSQL reads it). */
export async function readAutoConfState(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  const rows = await readFileSettings(db);
  const state = new Map<string, string>();
  for (const r of rows) {
    if (r.name && isAutoConf(r.sourcefile) && names.includes(r.name) && r.setting !== null)
      state.set(r.name, r.setting);
  }
  return state;
}

async function readFileSettings(db: Db): Promise<FileSettingRow[]> {
  try {
    const res = await db.query<Record<string, unknown> & FileSettingRow>(
      'SELECT sourcefile, sourceline, name, setting, error FROM pg_file_settings ORDER BY seqno',
    );
    return res.rows;
  } catch (err) {
    if (isPermissionDenied(err)) {
      throw new ConfigApplyError(
        'apply: validate: cannot read pg_file_settings (permission denied); the previous postgresql.auto.conf state is needed for rollback, so nothing is applied',
        { cause: err },
      );
    }
    throw err;
  }
}

/** Build the plan, or throw (ApplyValidationError, RestartNotAllowedError, ConfigApplyError). */
export async function validate(
  db: Db,
  proposal: Proposal,
  policy: KnobPolicy,
  opts: ValidateOptions,
): Promise<ApplyPlan> {
  const parsed = parseProposal(proposal);
  const names = parsed.knobs.map((k) => k.name);
  const settings = await db.query<Record<string, unknown> & SettingRow>(SETTINGS_SQL, [names]);
  const byName = new Map(settings.rows.map((r) => [r.name, r]));
  const files = await readFileSettings(db);
  const autoConf = new Map<string, string>();
  for (const r of files)
    if (r.name && r.setting !== null && isAutoConf(r.sourcefile)) autoConf.set(r.name, r.setting);

  const problems: string[] = [];
  const changes: PlannedChange[] = [];
  const unchanged: string[] = [];
  for (const knob of parsed.knobs) {
    const refusal = policy.refusal(knob.name);
    if (refusal) {
      problems.push(refusal);
      continue;
    }
    const row = byName.get(knob.name);
    if (!row) {
      problems.push(`${knob.name} is not a parameter of this server`);
      continue;
    }
    if (!APPLICABLE_CONTEXTS.has(row.context)) {
      problems.push(
        `${knob.name} has context ${row.context} and cannot be changed with ALTER SYSTEM and a reload or restart`,
      );
      continue;
    }
    // "override" on a postmaster knob is a startup auto-tune of a -1 setting (wal_buffers before
    // PG 14); a configured value replaces it at the next restart.
    const autoTuned = row.source === 'override' && row.context === 'postmaster';
    if (!CHANGEABLE_SOURCES.has(row.source) && !autoTuned) {
      problems.push(`${knob.name} is set by source "${row.source}", which overrides ALTER SYSTEM`);
      continue;
    }
    const normalized = normalizeValue(row, knob.value);
    if (!normalized.ok) {
      problems.push(normalized.problem);
      continue;
    }
    const restriction = VALUE_RESTRICTIONS[knob.name];
    if (restriction && !restriction.allowed.includes(normalized.value)) {
      problems.push(`${knob.name}=${normalized.value} is refused: ${restriction.why}`);
      continue;
    }
    if (row.pending_restart) {
      problems.push(`${knob.name} already has a change pending a restart, made outside this proposal`);
      continue;
    }
    const previousAutoConf = autoConf.get(knob.name) ?? null;
    if (previousAutoConf !== null && forbiddenCharacter(previousAutoConf)) {
      problems.push(
        `${knob.name}: the current postgresql.auto.conf value could not be restored safely on rollback`,
      );
      continue;
    }
    if (sameValue(row.vartype, row.setting, normalized.value)) {
      unchanged.push(knob.name);
      continue;
    }
    changes.push({
      name: knob.name,
      current: row.setting,
      proposed: normalized.value,
      requested: knob.value,
      unit: row.unit,
      vartype: row.vartype,
      context: row.context,
      previousAutoConf,
    });
  }
  if (problems.length) throw new ApplyValidationError(problems);

  const restartKnobs = changes.filter((c) => c.context === 'postmaster').map((c) => c.name);
  const plan: ApplyPlan = {
    changes,
    unchanged,
    restartRequired: restartKnobs.length > 0,
    intent: parsed.intent,
  };
  if (changes.length === 0) return plan;

  // A reload or restart re-reads every configuration file: an error anywhere would keep the new
  // values from applying (reload) or the server from starting (restart).
  // PostgreSQL notes "setting could not be applied" on every postmaster-context line whose file value
  // differs from the running one (a server started with -c overrides, or a file edited but not yet
  // restarted): that is a pending value, not a broken file. Only real errors (syntax, invalid
  // values) would make the reload or restart fail.
  // https://www.postgresql.org/docs/current/view-pg-file-settings.html
  const fileErrors = files.filter((r) => r.error !== null && r.error !== PENDING_RESTART_NOTE);
  if (fileErrors.length) {
    const where = fileErrors.map((r) => `${r.sourcefile ?? '?'}:${r.sourceline ?? '?'}: ${r.error ?? ''}`);
    throw new ConfigApplyError(
      `apply: validate: configuration files have errors, refusing to reload or restart (${where.join('; ')})`,
    );
  }
  if (restartKnobs.length) await checkRestartPolicy(db, plan, restartKnobs, opts);
  return plan;
}

async function checkRestartPolicy(
  db: Db,
  plan: ApplyPlan,
  restartKnobs: string[],
  opts: ValidateOptions,
): Promise<void> {
  const list = `[${restartKnobs.join(', ')}]`;
  if (!opts.allowRestart) {
    throw new RestartNotAllowedError(
      `apply: validate: restart is not allowed (allow_restart is false), but ${restartKnobs.length} parameter(s) require restart: ${list}`,
    );
  }
  if (plan.intent === 'reload') {
    throw new ConfigApplyError(
      `apply: validate: refusing to apply: knob_application=reload but ${restartKnobs.length} parameter(s) require restart: ${list}`,
    );
  }
  if (!opts.canRestart) {
    throw new ConfigApplyError(
      `apply: validate: ${list} require a restart, but no restart method is configured`,
    );
  }
  // A restart would also apply changes someone else left pending; refuse rather than surprise.
  const pending = await db.query<{ name: string }>(
    'SELECT name FROM pg_settings WHERE pending_restart ORDER BY name',
  );
  if (pending.rows.length) {
    throw new ConfigApplyError(
      `apply: validate: a restart would also apply changes pending outside this proposal: [${pending.rows.map((r) => r.name).join(', ')}]`,
    );
  }
}

/**
 * Database flags: merging planned changes into the instance's flag list (a patch replaces the whole
 * `settings.databaseFlags` list, so every existing flag must be sent again), and checking a plan
 * against the flags Cloud SQL supports for the instance's database version
 * (https://cloud.google.com/sql/docs/postgres/flags).
 */
import type { ApplyPlan, PlannedChange } from '../../src/apply/types.js';
import type { DatabaseFlag, FlagInfo } from './client.js';

/** The existing list with each change set (replaced in place, or appended), order kept. */
export function mergeFlags(
  existing: readonly DatabaseFlag[],
  changes: readonly PlannedChange[],
): DatabaseFlag[] {
  const next = existing.map((f) => ({ ...f }));
  for (const c of changes) {
    const found = next.find((f) => f.name === c.name);
    if (found) found.value = c.proposed;
    else next.push({ name: c.name, value: c.proposed });
  }
  return next;
}

/**
 * Problems that refuse the whole plan: a knob Cloud SQL does not offer as a flag, a value outside
 * Cloud SQL's own bounds, and a flag Cloud SQL restarts the instance for while restarts are not
 * allowed (Cloud SQL restarts for such flags even when PostgreSQL would only need a reload).
 */
export function flagProblems(
  plan: ApplyPlan,
  catalog: readonly FlagInfo[],
  databaseVersion: string,
  allowRestart: boolean,
): string[] {
  const byName = new Map(catalog.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const c of plan.changes) {
    const flag = byName.get(c.name);
    if (!flag) {
      problems.push(`${c.name} is not a Cloud SQL database flag for ${databaseVersion}`);
      continue;
    }
    const n = Number(c.proposed);
    if (c.vartype === 'integer' && Number.isFinite(n)) {
      if (flag.min !== null && n < flag.min)
        problems.push(`${c.name}=${c.proposed} is below Cloud SQL's minimum ${flag.min}`);
      if (flag.max !== null && n > flag.max)
        problems.push(`${c.name}=${c.proposed} is above Cloud SQL's maximum ${flag.max}`);
    }
    if (flag.requiresRestart && !allowRestart) {
      problems.push(
        `${c.name}: Cloud SQL restarts the instance to change this flag, and allow_restart is false`,
      );
    }
  }
  return problems;
}

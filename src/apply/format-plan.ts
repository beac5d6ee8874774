/** Human rendering of a plan (dry run, CLI) or of a refusal. */
import { AgentError, errorMessage } from '../errors.js';
import type { ApplyPlan } from './types.js';
import { humanize } from './units.js';
import { ApplyValidationError } from './plan.js';

function isPlan(x: unknown): x is ApplyPlan {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as ApplyPlan).changes) &&
    Array.isArray((x as ApplyPlan).unchanged)
  );
}

/** `4096` with unit `kB` → `4096 kB (4MB)`. */
function withUnit(value: string, unit: string | null): string {
  if (!unit) return value;
  const human = humanize(value, unit);
  return human === `${value}${unit}` ? `${value} ${unit}` : `${value} ${unit} (${human})`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Render a plan, or the reason a proposal was refused (any thrown value). */
export function formatPlan(input: unknown): string {
  if (!isPlan(input)) {
    const code = input instanceof AgentError ? input.code : 'config_apply_error';
    const lines = [`apply refused (${code}):`];
    if (input instanceof ApplyValidationError) lines.push(...input.problems.map((p) => `  - ${p}`));
    else lines.push(`  ${errorMessage(input)}`);
    return lines.join('\n');
  }
  const plan = input;
  const action = plan.changes.length === 0 ? 'none' : plan.restartRequired ? 'restart' : 'reload';
  const intent = plan.intent ?? 'reload (omitted)';
  const head = `apply plan: ${action} — ${plan.changes.length} change(s), ${plan.unchanged.length} unchanged (platform intent: ${intent})`;
  if (plan.changes.length === 0 && plan.unchanged.length === 0) return `${head}\n  (no knobs proposed)`;
  const rows = [['knob', 'current', '', 'proposed', 'applied by']];
  for (const c of plan.changes) {
    rows.push([
      c.name,
      withUnit(c.current, c.unit),
      '→',
      withUnit(c.proposed, c.unit),
      c.context === 'postmaster' ? 'restart' : 'reload',
    ]);
  }
  for (const name of plan.unchanged) rows.push([name, '(already at target)', '', '', 'unchanged']);
  return [head, ...table(rows).map((l) => `  ${l}`)].join('\n');
}

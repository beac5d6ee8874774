/**
 * Proposal → knob list (docs/PROTOCOL.md §1.8, §4.1, §4.2). Strict: any structural problem refuses the whole
 * proposal before anything else happens.
 */
import { ConfigApplyError } from '../errors.js';
import type { Proposal, ProposedRow } from '../platform/types.js';
import { formatG6 } from './units.js';

export interface ParsedKnob {
  /** Lower-cased: PostgreSQL parameter names are case-insensitive, and the allow/deny lists are too. */
  name: string;
  /** The value formatted as §4.1 prescribes (base unit, no unit appended). */
  value: string;
}

export interface ParsedProposal {
  knobs: ParsedKnob[];
  /** `knob_application`; omitted → undefined, which means reload intent. */
  intent: 'restart' | 'reload' | undefined;
}

/** A parameter name: identifier, or `prefix.name` for extension (placeholder) parameters. */
const NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/**
 * §4.1 formatting by the row's declared vartype:
 * integer → truncated integer text (1.9 → "1", like Go's int64 conversion); real → %.6g;
 * bool/enum/string → the value verbatim (JSON booleans as true/false).
 */
export function formatSetting(row: ProposedRow): string {
  const v = row.setting;
  const name = row.name;
  if (v === null || v === undefined || typeof v === 'object') {
    throw new ConfigApplyError(
      `apply: parse: ${name} has no usable setting (${JSON.stringify(v) ?? 'undefined'})`,
    );
  }
  if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
    throw new ConfigApplyError(`apply: parse: ${name} setting has unsupported type ${typeof v}`);
  }
  if (row.vartype === 'integer') return formatInteger(name, v);
  if (row.vartype === 'real') return formatReal(name, v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ConfigApplyError(`apply: parse: ${name}=${v} is not finite`);
    return Number.isInteger(v) ? String(v) : formatG6(v);
  }
  return String(v);
}

function formatInteger(name: string, v: number | string | boolean): string {
  if (typeof v === 'number') {
    const t = Math.trunc(v);
    if (!Number.isSafeInteger(t))
      throw new ConfigApplyError(`apply: parse: ${name}=${v} is not a usable integer`);
    return String(t);
  }
  // Strings pass through; validation parses them (and converts unit suffixes such as `64MB`).
  if (typeof v === 'string') return v.trim();
  throw new ConfigApplyError(`apply: parse: ${name}=${String(v)} is not an integer`);
}

function formatReal(name: string, v: number | string | boolean): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ConfigApplyError(`apply: parse: ${name}=${v} is not finite`);
    return formatG6(v);
  }
  if (typeof v === 'string') {
    const t = v.trim();
    // A plain number string is reformatted like a JSON number; anything else (unit suffix) is
    // left to validation.
    return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t) ? formatG6(Number(t)) : t;
  }
  throw new ConfigApplyError(`apply: parse: ${name}=${String(v)} is not a number`);
}

/** Parse a decoded proposal. Throws ConfigApplyError naming every problem. */
export function parseProposal(proposal: Proposal): ParsedProposal {
  const intent = proposal.knob_application;
  if (intent !== undefined && intent !== 'restart' && intent !== 'reload') {
    throw new ConfigApplyError(
      `apply: parse: knob_application must be "restart" or "reload", got ${JSON.stringify(intent)}`,
    );
  }
  if (!Array.isArray(proposal.config) || !Array.isArray(proposal.knobs_overrides)) {
    throw new ConfigApplyError('apply: parse: proposal needs a config list and a knobs_overrides list');
  }
  const problems: string[] = [];
  const byName = new Map<string, ProposedRow[]>();
  for (const row of proposal.config) {
    if (typeof row?.name !== 'string') {
      problems.push('config row without a name');
      continue;
    }
    const key = row.name.trim().toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), row]);
  }
  const knobs: ParsedKnob[] = [];
  const seen = new Set<string>();
  for (const rawName of proposal.knobs_overrides) {
    if (typeof rawName !== 'string') {
      problems.push(`knobs_overrides entry ${JSON.stringify(rawName)} is not a string`);
      continue;
    }
    const name = rawName.trim().toLowerCase();
    if (!NAME.test(name)) {
      problems.push(`knob name ${JSON.stringify(rawName)} is not a valid parameter name`);
      continue;
    }
    if (seen.has(name)) continue; // listed twice: one knob, one value
    seen.add(name);
    const rows = byName.get(name) ?? [];
    const row = rows[0];
    if (!row) {
      problems.push(`knob ${name} not found in configuration`);
      continue;
    }
    if (rows.length > 1) {
      problems.push(`knob ${name} appears ${rows.length} times in configuration`);
      continue;
    }
    try {
      knobs.push({ name, value: formatSetting({ ...row, name }) });
    } catch (err) {
      problems.push(err instanceof Error ? err.message.replace(/^apply: parse: /, '') : String(err));
    }
  }
  if (problems.length) throw new ConfigApplyError(`apply: parse: ${problems.join('; ')}`);
  return { knobs, intent };
}

/**
 * Value checks against a live pg_settings row: vartype, unit, enumvals, min_val/max_val.
 * https://www.postgresql.org/docs/current/view-pg-settings.html
 *
 * Every accepted value is normalised to one canonical spelling in the base unit, which is what gets
 * written with ALTER SYSTEM and what read-back compares with pg_settings.setting.
 * Unit-suffixed values (`128MB`, `2s`) are ACCEPTED and converted to the base unit; a value that is
 * not a whole number of base units (`0.1GB` for a kB parameter) is refused rather than rounded.
 */
import type { SettingRow } from './types.js';
import { formatG6, toBaseUnit } from './units.js';

export type Normalized = { ok: true; value: string } | { ok: false; problem: string };

/**
 * Characters never allowed in a value: quotes, semicolons, backslashes and control characters
 * (newline, NUL, …). No legitimate tunable needs them; they are the raw material of SQL and
 * configuration-file injection. Checked before anything else, and again when the SQL is built.
 */
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/['"`]/, 'a quote'],
  [/;/, 'a semicolon'],
  [/\\/, 'a backslash'],
  [/\0/, 'a NUL byte'],
  [/[\r\n]/, 'a newline'],
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  [/[\x01-\x1f\x7f]/, 'a control character'],
];

/** Problem text when the value contains a forbidden character, else null. */
export function forbiddenCharacter(value: string): string | null {
  const found = FORBIDDEN.filter(([re]) => re.test(value)).map(([, what]) => what);
  return found.length ? `contains ${found.join(', ')}` : null;
}

/** PostgreSQL's parse_bool: true/false, yes/no, on/off, 1/0 and unambiguous prefixes, any case. */
export function parseBool(text: string): boolean | null {
  const s = text.trim().toLowerCase();
  if (s.length === 0) return null;
  if ('true'.startsWith(s) || 'yes'.startsWith(s) || s === '1' || (s.length >= 2 && s === 'on')) return true;
  if ('false'.startsWith(s) || 'no'.startsWith(s) || s === '0' || (s.length >= 2 && 'off'.startsWith(s)))
    return false;
  return null;
}

const NUMBER_WITH_UNIT = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]+)?$/;

function show(name: string, raw: string): string {
  return `${name}=${/^[\w.+-]*$/.test(raw) ? raw : JSON.stringify(raw)}`;
}

/** Validate `raw` for `row` and return the canonical base-unit spelling. */
export function normalizeValue(row: SettingRow, raw: string): Normalized {
  const name = row.name;
  const bad = forbiddenCharacter(raw);
  if (bad) return { ok: false, problem: `${name} value ${bad}` };
  if (raw.length > 1024) return { ok: false, problem: `${name} value is longer than 1024 characters` };
  switch (row.vartype) {
    case 'integer':
    case 'real':
      return normalizeNumber(row, raw);
    case 'bool': {
      const b = parseBool(raw);
      return b === null
        ? { ok: false, problem: `${show(name, raw)} is not a boolean (on/off, true/false, yes/no, 1/0)` }
        : { ok: true, value: b ? 'on' : 'off' };
    }
    case 'enum': {
      const options = row.enumvals ?? [];
      const match = options.find((o) => o.toLowerCase() === raw.trim().toLowerCase());
      return match === undefined
        ? { ok: false, problem: `${show(name, raw)} is not one of: ${options.join(', ')}` }
        : { ok: true, value: match };
    }
    case 'string':
      return { ok: true, value: raw };
    default:
      return { ok: false, problem: `${name} has unsupported vartype ${row.vartype}` };
  }
}

function normalizeNumber(row: SettingRow, raw: string): Normalized {
  const name = row.name;
  const isInt = row.vartype === 'integer';
  const m = NUMBER_WITH_UNIT.exec(raw.trim());
  const numText = m?.[1];
  if (!m || numText === undefined) {
    return { ok: false, problem: `${show(name, raw)} is not ${isInt ? 'an integer' : 'a number'}` };
  }
  let n = Number(numText);
  const suffix = m[2];
  if (suffix !== undefined) {
    const converted = toBaseUnit(n, suffix, row.unit);
    if (!converted.ok) return { ok: false, problem: `${show(name, raw)} ${converted.problem}` };
    n = converted.value;
  } else if (isInt && !/^[+-]?\d+$/.test(numText)) {
    // `1e3` or `1.5` for an integer: refused, not rounded (PostgreSQL would round, silently).
    return { ok: false, problem: `${show(name, raw)} is not an integer` };
  }
  if (!Number.isFinite(n)) return { ok: false, problem: `${show(name, raw)} is not a finite number` };
  if (isInt && !Number.isSafeInteger(n)) {
    return {
      ok: false,
      problem: `${show(name, raw)} is not a whole number of base units (${row.unit ?? 'no unit'})`,
    };
  }
  const value = isInt ? String(n) : formatG6(n);
  const checked = Number(value);
  const unit = row.unit ? ` (${row.unit})` : '';
  const min = row.min_val === null ? NaN : Number(row.min_val);
  const max = row.max_val === null ? NaN : Number(row.max_val);
  if (Number.isFinite(min) && checked < min) {
    return { ok: false, problem: `${show(name, raw)} is below min_val ${row.min_val}${unit}` };
  }
  if (Number.isFinite(max) && checked > max) {
    return { ok: false, problem: `${show(name, raw)} is above max_val ${row.max_val}${unit}` };
  }
  return { ok: true, value };
}

/** Whether pg_settings.setting `current` already equals the canonical `target` for this vartype. */
export function sameValue(vartype: string, current: string, target: string): boolean {
  switch (vartype) {
    case 'integer':
      return current.trim() !== '' && Number(current) === Number(target);
    case 'real':
      // pg_settings prints reals with %g (6 significant digits); compare at that precision.
      return current.trim() !== '' && formatG6(Number(current)) === formatG6(Number(target));
    case 'bool': {
      const a = parseBool(current);
      return a !== null && a === parseBool(target);
    }
    case 'enum':
      return current.toLowerCase() === target.toLowerCase();
    default:
      return current === target;
  }
}

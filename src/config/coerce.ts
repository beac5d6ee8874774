/**
 * Value forms the Go agent accepts: env vars are strings, and viper/cast also take strings (and
 * numbers for booleans) from YAML. Booleans follow Go's strconv.ParseBool
 * (https://pkg.go.dev/strconv#ParseBool) plus yes/no; integers must be whole (`5.0` is fine, as
 * the Go collector config accepts floats without a fraction).
 */
import type { LeafKind } from './schema-walk.js';

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', 'yes', 'Yes', 'YES']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', 'no', 'No', 'NO']);

/** true/false, or undefined when the text is not a boolean form. */
export function parseBool(text: string): boolean | undefined {
  const t = text.trim();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

const WHOLE = /^[+-]?\d+(\.0*)?$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function show(value: unknown, secret: boolean): string {
  if (secret) return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function ok(value: unknown): Coerced {
  return { ok: true, value };
}

function fail(expected: string, value: unknown, secret: boolean): Coerced {
  return { ok: false, message: `expected ${expected}${show(value, secret)}` };
}

export function coerce(value: unknown, kind: LeafKind, secret = false): Coerced {
  switch (kind) {
    case 'boolean':
      if (typeof value === 'boolean') return ok(value);
      if (value === 0 || value === 1) return ok(value === 1);
      if (typeof value === 'string') {
        const b = parseBool(value);
        if (b !== undefined) return ok(b);
      }
      return fail('a boolean (true/false, 1/0, yes/no)', value, secret);
    case 'integer':
    case 'number': {
      const whole = kind === 'integer';
      let n: number | undefined;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'string' && (whole ? WHOLE : NUMBER).test(value.trim())) n = Number(value);
      if (n === undefined || !Number.isFinite(n)) {
        return fail(whole ? 'a whole number' : 'a number', value, secret);
      }
      if (whole && !Number.isInteger(n)) return fail('a whole number', value, secret);
      return ok(n);
    }
    case 'string':
      if (typeof value === 'string') return ok(value);
      // viper's GetString turns YAML scalars into text (`project_id: 12345`).
      if (typeof value === 'number' || typeof value === 'boolean') return ok(String(value));
      return fail('a string', value, secret);
    case 'string[]':
      if (typeof value === 'string') {
        // Env form: comma-separated.
        return ok(
          value
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        );
      }
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return ok(value);
      return fail('a list of strings', value, secret);
    case 'other':
      return ok(value);
  }
}

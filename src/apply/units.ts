/**
 * PostgreSQL parameter units and Go-compatible number formatting.
 *
 * pg_settings reports numeric parameters in their base unit (`unit` column: `kB`, `8kB`, `MB`, `ms`,
 * `s`, `min`, …); https://www.postgresql.org/docs/current/view-pg-settings.html. Values written in
 * other units follow https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-NAMES-VALUES
 * (memory: B, kB, MB, GB, TB, multiples of 1024; time: us, ms, s, min, h, d; case-sensitive).
 */

const MEMORY_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

const TIME_MICROS: Readonly<Record<string, number>> = {
  us: 1,
  ms: 1_000,
  s: 1_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
};

export interface BaseUnit {
  kind: 'memory' | 'time';
  /** Size of one base unit in bytes (memory) or microseconds (time). */
  size: number;
}

/** Parse pg_settings.unit (`8kB` = 8 × kB); null for unit-less parameters or unknown units. */
export function parseBaseUnit(unit: string | null | undefined): BaseUnit | null {
  if (!unit) return null;
  const m = /^(\d+)?([a-zA-Z]+)$/.exec(unit.trim());
  if (!m) return null;
  const factor = m[1] ? Number(m[1]) : 1;
  const name = m[2] ?? '';
  const mem = MEMORY_BYTES[name];
  if (mem !== undefined) return { kind: 'memory', size: factor * mem };
  const time = TIME_MICROS[name];
  if (time !== undefined) return { kind: 'time', size: factor * time };
  return null;
}

export type Converted = { ok: true; value: number } | { ok: false; problem: string };

/** Convert `amount` given in `suffix` (e.g. `MB`) to the parameter's base unit. */
export function toBaseUnit(amount: number, suffix: string, unit: string | null): Converted {
  const base = parseBaseUnit(unit);
  if (!base) return { ok: false, problem: `takes no unit, got "${suffix}"` };
  const table = base.kind === 'memory' ? MEMORY_BYTES : TIME_MICROS;
  const size = table[suffix];
  if (size === undefined) {
    return {
      ok: false,
      problem: `has unknown ${base.kind} unit "${suffix}" (valid: ${Object.keys(table).join(', ')})`,
    };
  }
  return { ok: true, value: (amount * size) / base.size };
}

/**
 * Go's `fmt.Sprintf("%.6g", x)`: 6 significant digits, trailing zeros removed, exponent form when
 * the decimal exponent is < -4 or >= 6, exponent with a sign and at least two digits
 * (1.1 → "1.1", 1234567 → "1.23457e+06", 0.00001 → "1e-05").
 */
export function formatG6(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '0', expText = '0'] = x.toExponential(5).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${stripZeros(mantissa)}e${sign}${digits}`;
  }
  return stripZeros(x.toFixed(Math.max(0, 5 - exp)));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Render a base-unit value for humans: `16384` with unit `8kB` → `128MB`. */
export function humanize(value: string, unit: string | null): string {
  const base = parseBaseUnit(unit);
  const n = Number(value);
  if (!base || !Number.isFinite(n) || value.trim() === '' || n < 0) return value;
  const total = n * base.size;
  const table = base.kind === 'memory' ? MEMORY_BYTES : TIME_MICROS;
  // Largest unit that divides the value exactly, as PostgreSQL's SHOW does.
  const units = Object.entries(table).sort((a, b) => b[1] - a[1]);
  for (const [name, size] of units) {
    if (total !== 0 && total % size === 0) return `${total / size}${name}`;
  }
  return `${value}${unit ?? ''}`;
}

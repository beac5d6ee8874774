/**
 * pg_settings → active-configuration rows (docs/PROTOCOL.md §1.7).
 * https://www.postgresql.org/docs/current/view-pg-settings.html
 */
import type { ConfigRow } from '../platform/types.js';
import type { Db } from './pool.js';

/** The pg_settings columns the platform receives. */
export interface PgSettingsRow {
  name: string;
  setting: string | null;
  unit: string | null;
  vartype: string;
  context: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// strconv.ParseInt(s, 10, 64): optional sign, decimal digits only.
const GO_INT = /^[+-]?\d+$/;
// strconv.ParseFloat's decimal form. Its other forms (inf, nan, hex floats) never occur in
// integer/real settings and would not survive JSON anyway, so they stay strings here.
const GO_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Types a numeric setting as the Go agent does: int64 when `strconv.ParseInt` succeeds (a JS number,
 * or a bigint beyond 2^53), else float64 when `strconv.ParseFloat` succeeds (an int64 overflow such as
 * `99999999999999999999` falls through to float, as in Go; an out-of-range float is an error in Go and
 * stays a string), else the original text.
 */
export function parseNumericSetting(text: string): number | bigint | string {
  if (GO_INT.test(text)) {
    const big = BigInt(text);
    if (big >= INT64_MIN && big <= INT64_MAX) {
      const n = Number(big);
      return Number.isSafeInteger(n) ? n : big;
    }
  }
  if (GO_FLOAT.test(text)) {
    const f = Number(text);
    if (Number.isFinite(f)) return f;
  }
  return text;
}

/** integer/real settings are typed (§1.7); bool, string and enum settings stay strings. */
export function configRowsFromPgSettings(rows: readonly PgSettingsRow[]): ConfigRow[] {
  return rows.map((r) => {
    // setting is never NULL in pg_settings; an empty string keeps the row rather than failing all rows.
    const text = r.setting ?? '';
    const numeric = r.vartype === 'integer' || r.vartype === 'real';
    return {
      name: r.name,
      setting: numeric ? parseNumericSetting(text) : text,
      unit: r.unit ?? null,
      vartype: r.vartype,
      context: r.context,
    };
  });
}

export const ACTIVE_CONFIG_SQL =
  'SELECT name, setting, unit, vartype, context FROM pg_settings ORDER BY name';

/** All of pg_settings, typed, ordered by name. */
export async function readActiveConfig(db: Db): Promise<ConfigRow[]> {
  const result = await db.query<Record<string, unknown> & PgSettingsRow>(ACTIVE_CONFIG_SQL);
  return configRowsFromPgSettings(result.rows);
}

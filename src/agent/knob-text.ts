/**
 * Knob values for people reading the log: `effective_cache_size=17.7GB (2314102 × 8kB)` rather
 * than the raw base-unit number pg_settings holds. Exact values keep their exact form
 * (`work_mem=16MB (16384 kB)`); unit-less values are shown as they are. Units are pg_settings'
 * (https://www.postgresql.org/docs/current/view-pg-settings.html).
 */
import { parseBaseUnit } from '../apply/units.js';

const MEMORY = [
  ['TB', 1024 ** 4],
  ['GB', 1024 ** 3],
  ['MB', 1024 ** 2],
  ['kB', 1024],
  ['B', 1],
] as const;
const TIME = [
  ['d', 86_400e6],
  ['h', 3_600e6],
  ['min', 60e6],
  ['s', 1e6],
  ['ms', 1e3],
  ['us', 1],
] as const;

/** Three significant digits at most, trailing zeros dropped: 17.655 → "17.7", 512 → "512". */
function short(x: number): string {
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return String(Number(x.toFixed(digits)));
}

/** A base-unit value in the largest unit that keeps it ≥ 1 (`2314102`, `8kB` → `17.7GB`). */
export function humanValue(value: string, unit: string | null): string | undefined {
  const base = parseBaseUnit(unit);
  const n = Number(value);
  if (!base || value.trim() === '' || !Number.isFinite(n) || n < 0) return undefined;
  const total = n * base.size;
  const table = base.kind === 'memory' ? MEMORY : TIME;
  const [name, size] = table.find(([, s]) => total >= s) ?? table[table.length - 1]!;
  return `${short(total / size)}${name}`;
}

/** `name=human (value × unit)`, `name=human (value unit)`, or `name=value` without a unit. */
export function knobText(name: string, value: string, unit: string | null): string {
  const human = humanValue(value, unit);
  if (!unit || human === undefined) return `${name}=${value}`;
  const multiple = /^\d/.test(unit);
  const raw = multiple ? `${value} × ${unit}` : `${value} ${unit}`;
  return human === `${value}${unit}` ? `${name}=${human}` : `${name}=${human} (${raw})`;
}

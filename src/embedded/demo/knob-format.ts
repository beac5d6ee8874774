/**
 * Knob values for people: pg_settings base units (`shared_buffers = 16384` with unit `8kB`) shown
 * the way `SHOW` does (`128MB`: the largest unit that divides the value exactly, else rounded),
 * and the diff between two configurations.
 * https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-NAMES-VALUES
 */
import { parseBaseUnit } from '../../apply/units.js';

export type KnobValue = number | string;
export type KnobConfig = Readonly<Record<string, KnobValue>>;
/** pg_settings.unit by parameter name (null or absent: no unit). */
export type UnitMap = Readonly<Record<string, string | null>>;

const MEMORY: readonly [string, number][] = [
  ['TB', 1024 ** 4],
  ['GB', 1024 ** 3],
  ['MB', 1024 ** 2],
  ['kB', 1024],
  ['B', 1],
];
const TIME_US: readonly [string, number][] = [
  ['d', 86_400e6],
  ['h', 3_600e6],
  ['min', 60e6],
  ['s', 1e6],
  ['ms', 1e3],
  ['us', 1],
];

/**
 * The largest unit that divides the amount exactly (as SHOW prints it). When none above the base
 * unit does and the number would be long (over 4 digits), the largest unit it reaches, to 3
 * significant digits: 18513064kB reads 17.7GB, while 90s stays 90s.
 */
function humanAmount(amount: number, table: readonly [string, number][], baseSize: number): string {
  for (const [name, size] of table) {
    if (size > baseSize && amount !== 0 && amount % size === 0) return `${amount / size}${name}`;
  }
  const base = table.find(([, size]) => size <= baseSize) ?? table.at(-1);
  const inBase = amount / (base?.[1] ?? 1);
  if (Math.abs(inBase) >= 10_000) {
    for (const [name, size] of table) {
      if (amount >= size) return `${Number((amount / size).toPrecision(3))}${name}`;
    }
  }
  return `${inBase}${base?.[0] ?? ''}`;
}

/** Trim a real to at most 4 significant decimals without trailing zeros (1.1 stays 1.1). */
function plainNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** One value as SHOW would print it (`-1` and other sentinels stay bare). */
export function formatKnobValue(value: KnobValue, unit: string | null | undefined): string {
  if (typeof value === 'string') return value;
  const base = parseBaseUnit(unit);
  if (!base || value < 0 || !Number.isInteger(value)) return plainNumber(value);
  const scaled = value * base.size;
  return humanAmount(scaled, base.kind === 'memory' ? MEMORY : TIME_US, base.size);
}

export interface KnobChange {
  readonly name: string;
  readonly unit: string | null;
  readonly baseline: KnobValue | null;
  readonly best: KnobValue | null;
}

function same(a: KnobValue | undefined, b: KnobValue | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  return String(a) === String(b);
}

/** Knobs whose value differs between the two configurations, by name. */
export function knobDiff(baseline: KnobConfig, best: KnobConfig, units: UnitMap): KnobChange[] {
  const names = [...new Set([...Object.keys(baseline), ...Object.keys(best)])].sort();
  return names
    .filter((n) => !same(baseline[n], best[n]))
    .map((name) => ({
      name,
      unit: units[name] ?? null,
      baseline: baseline[name] ?? null,
      best: best[name] ?? null,
    }));
}

/** `shared_buffers  128MB → 1GB` lines, names padded to one column. */
export function formatKnobDiff(changes: readonly KnobChange[]): string[] {
  const width = Math.max(0, ...changes.map((c) => c.name.length));
  const shown = changes.map((c) => ({
    name: c.name,
    from: c.baseline === null ? '(unset)' : formatKnobValue(c.baseline, c.unit),
    to: c.best === null ? '(unset)' : formatKnobValue(c.best, c.unit),
  }));
  const fromWidth = Math.max(0, ...shown.map((s) => s.from.length));
  return shown.map((s) => `${s.name.padEnd(width)}  ${s.from.padStart(fromWidth)} → ${s.to}`);
}

/**
 * Knob definitions and the mapping between a knob's PostgreSQL value and the optimiser's [0, 1].
 *
 * Values are always in the knob's pg_settings base unit (shared_buffers in 8 kB pages, work_mem in
 * kB, max_wal_size in MB, …: https://www.postgresql.org/docs/current/view-pg-settings.html), so a
 * proposal can be written to ALTER SYSTEM or compared with `pg_settings.setting` without conversion.
 * Booleans and enums are strings exactly as pg_settings shows them ('on', 'off', 'pglz').
 */
export type KnobValue = number | string;
export type Config = Record<string, KnobValue>;

interface KnobBase {
  readonly name: string;
  /** pg_settings.context is `postmaster`: a change needs a restart. */
  readonly restart: boolean;
}

export interface NumericKnob extends KnobBase {
  readonly type: 'int' | 'real';
  /** pg_settings.unit (null when the setting has none). */
  readonly unit: string | null;
  readonly min: number;
  readonly max: number;
  /** Search on a log scale (memory sizes, delays: effects are multiplicative). */
  readonly log: boolean;
  /** Smallest granularity in base units (1 for most integers). */
  readonly step: number;
}

export interface CategoricalKnob extends KnobBase {
  readonly type: 'enum' | 'bool';
  readonly unit: null;
  readonly values: readonly string[];
  /** Spellings PostgreSQL accepts for a value (e.g. wal_compression 'on' means 'pglz' on PG 15+). */
  readonly aliases?: Readonly<Record<string, string>>;
}

export type Knob = NumericKnob | CategoricalKnob;

export function isNumeric(knob: Knob): knob is NumericKnob {
  return knob.type === 'int' || knob.type === 'real';
}

/** Trim binary floating-point noise (0.30000000000000004 → 0.3) from real-valued knobs. */
function tidy(v: number): number {
  return Number.parseFloat(v.toPrecision(12));
}

/**
 * The rounding quantum at value v. Linear knobs use their fixed step. Log-scaled knobs keep five
 * significant bits (16–32 steps per doubling, i.e. 3–6 % relative granularity): proposals read as
 * round numbers (e.g. 3072 MB, not 3017 MB) and the lost resolution is below benchmark noise.
 */
function quantum(knob: Pick<NumericKnob, 'log' | 'step'>, v: number): number {
  if (!knob.log || v <= 0) return knob.step;
  return Math.max(knob.step, 2 ** (Math.floor(Math.log2(v)) - 4));
}

export type RoundMode = 'nearest' | 'down' | 'up';

/** Round to the knob's granularity (no clamping). */
export function roundToGrid(
  knob: Pick<NumericKnob, 'type' | 'log' | 'step'>,
  v: number,
  mode: RoundMode = 'nearest',
): number {
  const q = quantum(knob, v);
  const round = mode === 'down' ? Math.floor : mode === 'up' ? Math.ceil : Math.round;
  // The small epsilon keeps values that are already on the grid from moving under floor/ceil.
  const eps = mode === 'nearest' ? 0 : mode === 'down' ? 1e-9 : -1e-9;
  const r = round(v / q + eps) * q;
  // `+ 0` turns −0 into 0, so values compare and serialise cleanly.
  return (knob.type === 'int' ? Math.round(r) : tidy(r)) + 0;
}

/** Round to the knob's granularity, then clamp into [min, max] (bounds lie on the grid). Idempotent. */
export function quantise(knob: NumericKnob, v: number, mode: RoundMode = 'nearest'): number {
  return clamp(roundToGrid(knob, v, mode), knob.min, knob.max);
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function categoricalIndex(knob: CategoricalKnob, value: KnobValue): number {
  const text = String(value).toLowerCase();
  const canonical = knob.aliases?.[text] ?? text;
  const index = knob.values.indexOf(canonical);
  if (index < 0) {
    throw new Error(`tuner: ${knob.name}: value '${String(value)}' is not one of ${knob.values.join(', ')}`);
  }
  return index;
}

/**
 * Value → [0, 1]. Values outside the bounds (e.g. a baseline effective_cache_size larger than the
 * space allows) clamp to the edge: the optimiser only ever reasons inside the box.
 * Categoricals take the centre of their bucket, so fromNormalised(toNormalised(v)) === v.
 */
export function toNormalised(knob: Knob, value: KnobValue): number {
  if (!isNumeric(knob)) {
    return (categoricalIndex(knob, value) + 0.5) / knob.values.length;
  }
  const v = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(v)) throw new Error(`tuner: ${knob.name}: value '${String(value)}' is not a number`);
  if (knob.max <= knob.min) return 0;
  if (knob.log) {
    const lo = Math.log(knob.min);
    return clamp((Math.log(Math.max(v, knob.min)) - lo) / (Math.log(knob.max) - lo), 0, 1);
  }
  return clamp((v - knob.min) / (knob.max - knob.min), 0, 1);
}

/** [0, 1] → a valid, rounded value. Categoricals are split into equal-width buckets. */
export function fromNormalised(knob: Knob, u: number): KnobValue {
  const t = clamp(Number.isFinite(u) ? u : 0, 0, 1);
  if (!isNumeric(knob)) {
    const index = Math.min(Math.floor(t * knob.values.length), knob.values.length - 1);
    return knob.values[index] ?? knob.values[0] ?? '';
  }
  if (knob.max <= knob.min) return knob.min;
  const raw = knob.log
    ? Math.exp(Math.log(knob.min) + t * (Math.log(knob.max) - Math.log(knob.min)))
    : knob.min + t * (knob.max - knob.min);
  return quantise(knob, raw);
}

/** Canonical form of a value for this knob (numbers clamped, categoricals de-aliased). */
export function normaliseValue(knob: Knob, value: KnobValue): KnobValue {
  if (!isNumeric(knob)) return knob.values[categoricalIndex(knob, value)] ?? String(value);
  const v = typeof value === 'number' ? value : Number(value);
  return clamp(v, knob.min, knob.max);
}

/**
 * Between the tuner's configurations (pg_settings base units, as the tuner's knobs declare them) and
 * the agent's wire rows: reading the baseline out of an active-config POST (docs/PROTOCOL.md §1.7), deciding
 * whether the active config shows a proposal, and building the recommendation (docs/PROTOCOL.md §1.8).
 *
 * The agent formats a proposed setting with Go's %.6g for `real` knobs (docs/PROTOCOL.md §4.1), and the active
 * config comes back parsed from pg_settings text ("1.0" arrives as 1), so numbers compare with a
 * relative tolerance rather than exactly.
 */
import { parseBaseUnit } from '../../apply/units.js';
import { isNumeric, normaliseValue, type Config, type Knob, type KnobValue } from '../tuner/knobs.js';
import type { Space } from '../tuner/index.js';

/** What the agent reported for one knob; the recommendation repeats it (unit, vartype, context). */
export interface KnobMeta {
  readonly unit: string | null;
  readonly vartype: string;
  readonly context: string;
}

export interface ActiveSnapshot {
  /** Setting of every row as reported (the row's own unit; see activeValue for the tuner's unit). */
  readonly values: Readonly<Record<string, KnobValue>>;
  readonly meta: Readonly<Record<string, KnobMeta>>;
}

/** %.6g keeps 6 significant digits: a relative error up to 5e-6. */
const RELATIVE_TOLERANCE = 1e-5;

type Row = Record<string, unknown>;
const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Convert `value` from `from` units to `to` units (memory or time); unchanged when not convertible. */
export function convertUnit(value: number, from: string | null, to: string | null): number {
  if (from === to) return value;
  const a = parseBaseUnit(from);
  const b = parseBaseUnit(to);
  if (!a || !b || a.kind !== b.kind) return value;
  return (value * a.size) / b.size;
}

function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Parse the `config` array of an active-config POST. Rows without a name are skipped. */
export function readActiveConfig(body: unknown): ActiveSnapshot | null {
  if (!isRow(body) || !Array.isArray(body.config)) return null;
  const values: Record<string, KnobValue> = {};
  const meta: Record<string, KnobMeta> = {};
  for (const row of body.config as unknown[]) {
    if (!isRow(row) || typeof row.name !== 'string') continue;
    const name = row.name.toLowerCase();
    const unit = typeof row.unit === 'string' ? row.unit : null;
    meta[name] = {
      unit,
      vartype: typeof row.vartype === 'string' ? row.vartype : '',
      context: typeof row.context === 'string' ? row.context : '',
    };
    const n = typeof row.setting === 'string' ? null : asNumber(row.setting);
    if (typeof row.setting === 'string') values[name] = row.setting;
    else if (n !== null) values[name] = n;
  }
  return { values, meta };
}

/** The snapshot reduced to the knobs of the space (what is worth persisting). */
export function restrictToSpace(space: Space, active: ActiveSnapshot): ActiveSnapshot {
  const values: Record<string, KnobValue> = {};
  const meta: Record<string, KnobMeta> = {};
  for (const k of space.knobs) {
    const v = active.values[k.name];
    const m = active.meta[k.name];
    if (v !== undefined) values[k.name] = v;
    if (m !== undefined) meta[k.name] = m;
  }
  return { values, meta };
}

/** A knob's active value in the tuner's unit for it (memory and time units converted). */
export function activeValue(space: Space, active: ActiveSnapshot, name: string): KnobValue | undefined {
  const v = active.values[name];
  const knob = space.knob(name);
  if (v === undefined || !knob || !isNumeric(knob)) return v;
  const n = asNumber(v);
  return n === null ? v : convertUnit(n, active.meta[name]?.unit ?? knob.unit, knob.unit);
}

/** The knobs of the space the active config does not report (the session cannot start without them). */
export function missingKnobs(space: Space, active: ActiveSnapshot): string[] {
  return space.knobs.filter((k) => activeValue(space, active, k.name) === undefined).map((k) => k.name);
}

/** The baseline configuration: the active value of every knob of the space. */
export function baselineConfig(space: Space, active: ActiveSnapshot): Config {
  const out: Config = {};
  for (const k of space.knobs) {
    const v = activeValue(space, active, k.name);
    if (v !== undefined) out[k.name] = v;
  }
  return out;
}

function canonical(knob: Knob | undefined, v: KnobValue): KnobValue {
  if (knob === undefined) return typeof v === 'string' ? v.trim().toLowerCase() : v;
  try {
    return normaliseValue(knob, v);
  } catch {
    // A value outside the tuner's vocabulary (e.g. wal_compression = lz4) can still be compared as text.
    return String(v).trim().toLowerCase();
  }
}

/** Whether two settings of one knob are the same value (numbers within %.6g precision). */
export function sameSetting(knob: Knob | undefined, a: KnobValue, b: KnobValue): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== null && nb !== null && (knob === undefined || isNumeric(knob))) {
    if (Number.isInteger(na) && Number.isInteger(nb)) return na === nb;
    return Math.abs(na - nb) <= RELATIVE_TOLERANCE * Math.max(Math.abs(na), Math.abs(nb));
  }
  // normaliseValue clamps numbers into the box, so only categoricals go through it.
  const ca = knob && !isNumeric(knob) ? canonical(knob, a) : canonical(undefined, a);
  const cb = knob && !isNumeric(knob) ? canonical(knob, b) : canonical(undefined, b);
  return String(ca) === String(cb);
}

/** Names of the proposal's knobs whose active value differs (or is unknown). */
export function differingKnobs(space: Space, proposal: Readonly<Config>, active: ActiveSnapshot): string[] {
  return Object.entries(proposal)
    .filter(([name, v]) => {
      const cur = activeValue(space, active, name);
      return cur === undefined || !sameSetting(space.knob(name), v, cur);
    })
    .map(([name]) => name);
}

/** The active config shows every value of the proposal. */
export function isApplied(space: Space, proposal: Readonly<Config>, active: ActiveSnapshot): boolean {
  return differingKnobs(space, proposal, active).length === 0;
}

export interface RecommendationRow {
  name: string;
  setting: KnobValue;
  unit: string | null;
  vartype: string;
  context: string;
}

export interface Recommendation {
  config: RecommendationRow[];
  knobs_overrides: string[];
  knob_application: 'restart' | 'reload';
}

const VARTYPE: Record<Knob['type'], string> = { int: 'integer', real: 'real', enum: 'enum', bool: 'bool' };

/**
 * The recommendation body element for a proposal. Every knob is listed in `config`; only the knobs
 * that differ from the last active config are in `knobs_overrides` (all of them when no active
 * config is known), so a knob the operator removed from the agent's allowlist fails only the
 * proposals that change it. `restart` when a restart-only knob is among the changes.
 */
export function buildRecommendation(
  space: Space,
  proposal: Readonly<Config>,
  meta: Readonly<Record<string, KnobMeta>>,
  active: ActiveSnapshot | null,
  sessionRestart: boolean,
): Recommendation {
  const config: RecommendationRow[] = [];
  for (const [name, value] of Object.entries(proposal)) {
    const knob = space.knob(name);
    const m = meta[name];
    const knobUnit = knob?.unit ?? null;
    const unit = m ? m.unit : knobUnit;
    const setting =
      typeof value === 'number' && knob && isNumeric(knob) ? wireNumber(value, knobUnit, unit, knob) : value;
    config.push({
      name,
      setting,
      unit,
      vartype: m?.vartype || (knob ? VARTYPE[knob.type] : typeof value === 'number' ? 'real' : 'string'),
      context: m?.context || (knob?.restart ? 'postmaster' : 'sighup'),
    });
  }
  const changed = active ? differingKnobs(space, proposal, active) : Object.keys(proposal);
  const restart = active
    ? changed.some((n) => space.knob(n)?.restart === true || meta[n]?.context === 'postmaster')
    : sessionRestart;
  return { config, knobs_overrides: changed, knob_application: restart ? 'restart' : 'reload' };
}

function wireNumber(value: number, from: string | null, to: string | null, knob: Knob): number {
  const v = convertUnit(value, from, to);
  // The agent truncates integer settings (docs/PROTOCOL.md §4.1), so round a converted integer knob here.
  return knob.type === 'int' ? Math.round(v) : v;
}

/**
 * Payload builders for the agent-loop endpoints (docs/PROTOCOL.md §1.5–§1.8), pure functions.
 */
import { ConfigApplyError } from '../errors.js';
import { goJson, sha256Hex } from './json.js';
import { rfc3339Local } from './time.js';
import type {
  ActiveConfigPayload,
  ConfigRow,
  KnobApplication,
  Metric,
  MetricValue,
  MetricsPayload,
  Proposal,
  ProposedRow,
  SystemInfoEntry,
  SystemInfoPayload,
} from './types.js';

/** Go's `math.Round(v*1000)/1000` (§1.5): half away from zero, unlike `Math.round` for negatives. */
export function roundTo3(v: number): number {
  const x = v * 1000;
  return (x < 0 ? -Math.round(-x) : Math.round(x)) / 1000;
}

/** float64-typed metrics are rounded to 3 decimals; ints, bytes and strings are unchanged. */
function wireValue(m: Metric): MetricValue {
  if (typeof m.value === 'number' && (m.type === 'float' || m.type === 'percentage'))
    return roundTo3(m.value);
  return m.value;
}

/** Last duplicate wins (Go map assignment); keys sorted as Go writes a map. */
function lastWins<T>(metrics: readonly Metric[], map: (m: Metric) => T): Record<string, T> {
  const byKey = new Map<string, T>();
  for (const m of metrics) byKey.set(m.key, map(m));
  const keys = [...byKey.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  // Object.fromEntries defines own properties, so even a "__proto__" key is kept as data.
  return Object.fromEntries(keys.map((k) => [k, byKey.get(k) as T]));
}

function isFiniteValue(v: MetricValue): boolean {
  return typeof v !== 'number' || Number.isFinite(v);
}

/**
 * `metrics` payload (§1.5). A non-finite number is dropped: Go's json.Marshal would fail on it and the
 * whole payload would be lost; here only that one sample is.
 */
export function formatMetrics(metrics: readonly Metric[], now: Date = new Date()): MetricsPayload {
  const finite = metrics.filter((m) => isFiniteValue(m.value));
  return { version: '2.0', metrics: lastWins(finite, wireValue), timestamp: rfc3339Local(now) };
}

/**
 * `system-info` payload (§1.6). System info is all-or-nothing, so a non-finite value throws rather
 * than being dropped. `hash` is SHA-256 of Go's json.Marshal of the map (keys sorted, entry struct
 * fields `type`, `value`).
 */
export function formatSystemInfo(info: readonly Metric[], now: Date = new Date()): SystemInfoPayload {
  for (const m of info) {
    if (!isFiniteValue(m.value)) throw new TypeError(`system info: ${m.key} is not a finite number`);
  }
  const system_info = lastWins(info, (m): SystemInfoEntry => ({ type: m.type, value: wireValue(m) }));
  return { system_info, timestamp: rfc3339Local(now), hash: systemInfoHash(system_info) };
}

export function systemInfoHash(systemInfo: Readonly<Record<string, SystemInfoEntry>>): string {
  const map = new Map(
    Object.entries(systemInfo).map(([k, e]) => [k, { type: e.type, value: e.value }] as const),
  );
  return sha256Hex(goJson(map));
}

/** Rows rebuilt in the wire (Go struct) field order, `unit` null when absent. */
export function normalizeConfigRows(rows: readonly ConfigRow[]): ConfigRow[] {
  return rows.map((r) => ({
    name: r.name,
    setting: r.setting,
    unit: r.unit ?? null,
    vartype: r.vartype,
    context: r.context,
  }));
}

/** `configurations` POST payload (§1.7): `hash` is over the `config` array alone. */
export function formatActiveConfig(rows: readonly ConfigRow[]): ActiveConfigPayload {
  const config = normalizeConfigRows(rows);
  return { config, hash: sha256Hex(goJson(config)) };
}

/** The recommendation response could not be decoded (the Go agent aborts that config tick). */
export class RecommendationDecodeError extends Error {
  constructor(message: string) {
    super(`recommendation: ${message}`);
    this.name = 'RecommendationDecodeError';
  }
}

/**
 * Strict decoding of `GET configurations?status=recommended` (§1.8, §8.1): the body must be a JSON
 * array and only element 0 is used (`[]` → null). Every element is decoded, as Go decodes the whole
 * array, so a bad element anywhere fails the response. JSON `null` decodes to a nil slice in Go, so
 * it too means "no recommendation". A knob in `knobs_overrides` missing from `config` throws
 * `ConfigApplyError` (wire `config_apply_error`), as the Go agent reports it at apply time.
 */
export function decodeRecommendation(body: unknown): Proposal | null {
  if (body === null) return null;
  if (!Array.isArray(body)) throw new RecommendationDecodeError(`expected a JSON array, got ${kind(body)}`);
  const proposals = body.map((el: unknown, i) => decodeProposal(el, i));
  const first = proposals[0];
  if (first === undefined) return null;
  const names = new Set(first.config.map((r) => r.name));
  for (const knob of first.knobs_overrides) {
    if (!names.has(knob)) throw new ConfigApplyError(`knob ${knob} not found in configuration`);
  }
  return first;
}

function decodeProposal(el: unknown, i: number): Proposal {
  if (!isObject(el)) throw new RecommendationDecodeError(`element ${i}: expected an object, got ${kind(el)}`);
  const config = optionalArray(el.config, `element ${i}: config`).map((row, j) =>
    decodeRow(row, `element ${i}: config[${j}]`),
  );
  const knobs_overrides = optionalArray(el.knobs_overrides, `element ${i}: knobs_overrides`).map((k, j) => {
    if (typeof k !== 'string') {
      throw new RecommendationDecodeError(
        `element ${i}: knobs_overrides[${j}]: expected a string, got ${kind(k)}`,
      );
    }
    return k;
  });
  return { config, knobs_overrides, knob_application: decodeKnobApplication(el, i) };
}

/** Strictly `restart` or `reload` (case-sensitive); omitted → undefined; "", null, numbers fail. */
function decodeKnobApplication(el: Record<string, unknown>, i: number): KnobApplication | undefined {
  if (!Object.hasOwn(el, 'knob_application')) return undefined;
  const v = el.knob_application;
  if (v === 'restart' || v === 'reload') return v;
  throw new RecommendationDecodeError(
    `element ${i}: knob_application must be "restart" or "reload", got ${JSON.stringify(v) ?? kind(v)}`,
  );
}

function decodeRow(row: unknown, where: string): ProposedRow {
  if (!isObject(row)) throw new RecommendationDecodeError(`${where}: expected an object, got ${kind(row)}`);
  if (typeof row.name !== 'string') throw new RecommendationDecodeError(`${where}: name must be a string`);
  const out: ProposedRow = { name: row.name, setting: row.setting ?? null, unit: row.unit ?? null };
  for (const field of ['vartype', 'context'] as const) {
    const v = row[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new RecommendationDecodeError(`${where}: ${field} must be a string`);
    out[field] = v;
  }
  return out;
}

function optionalArray(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RecommendationDecodeError(`${where}: expected an array, got ${kind(v)}`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Wire types of the platform API (docs/PROTOCOL.md §1). Field names are the wire names.
 * Integers that may exceed 2^53 (queryid, system_identifier sums) are `bigint` and are encoded
 * as JSON integers by `src/platform/json.ts`.
 */

/** MetricType strings of the Go agent (docs/PROTOCOL.md §3.1). */
export type MetricType =
  | 'int'
  | 'float'
  | 'string'
  | 'bytes'
  | 'boolean'
  | 'time'
  | 'percentage'
  | 'pgss_delta'
  | 'int_map'
  | 'float_map'
  | 'time_map';

export type MetricValue = number | bigint | string | boolean;

/** One hardware metric or system-info entry. `int`/`bytes` values must be integers. */
export interface Metric {
  key: string;
  type: MetricType;
  value: MetricValue;
}

/** One active-configuration row (§1.7). Field order is the wire (and hash) order. */
export interface ConfigRow {
  name: string;
  /** integer/real → number (or bigint beyond 2^53); bool/string/enum → string. */
  setting: number | bigint | string;
  unit: string | null;
  vartype: string;
  context: string;
}

export type KnobApplication = 'restart' | 'reload';

/** One row of a recommendation's `config` list; `setting` may be any JSON value. */
export interface ProposedRow {
  name: string;
  setting: unknown;
  unit?: unknown;
  vartype?: string;
  context?: string;
}

/** A recommendation (§1.8), after strict decoding. */
export interface Proposal {
  config: ProposedRow[];
  knobs_overrides: string[];
  /** `undefined` when the platform omitted the field (treated as reload intent). */
  knob_application: KnobApplication | undefined;
}

export interface GuardrailSignal {
  level: 'critical' | 'non-critical';
  type: 'memory' | 'freeable_memory';
}

/** `log-entries` payload (§1.10). */
export interface ErrorReport {
  error_message: string;
  error_type: string;
  timestamp: string;
}

/** `raw-logs` entry (§1.11). */
export interface RawLogEntry {
  message: string;
  level: 'warning' | 'error' | 'fatal' | 'panic';
  timestamp: string;
}

export interface HeartbeatPayload {
  agent_version: string;
  agent_start_time: string;
  agent_identifier: string;
  allow_restart: boolean;
}

/** A catalog collector's payload: usually `{collected_at, rows}`; ddl and pg_stat_statements differ. */
export type CatalogPayload = Record<string, unknown>;

/** `metrics` payload (§1.5). */
export interface MetricsPayload {
  version: '2.0';
  metrics: Record<string, MetricValue>;
  timestamp: string;
}

/** One `system_info` entry; field order is Go's struct order (§1.6). */
export interface SystemInfoEntry {
  type: MetricType;
  value: MetricValue;
}

/** `system-info` payload (§1.6). */
export interface SystemInfoPayload {
  system_info: Record<string, SystemInfoEntry>;
  timestamp: string;
  hash: string;
}

/** `configurations` POST payload (§1.7). */
export interface ActiveConfigPayload {
  config: ConfigRow[];
  hash: string;
}

/**
 * The DBtune platform agent API as data (docs/PROTOCOL.md §1.3–§1.12): one row per endpoint with its method, path
 * (after `/api/v1/agent/`), the status codes the Go agent accepts, whether the body is gzip, and a
 * validator for the payload. The fake platform serves from this table and records every violation.
 */
import { roundTo3 } from '../../src/platform/format.js';
import { goJson, sha256Hex } from '../../src/platform/json.js';

export type Problems = string[];

export interface EndpointSpec {
  /** Stable name; `recommendation` is the GET on `configurations`, `catalog` any collector path. */
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  /** Path after `/api/v1/agent/`; `null` for catalog collectors (any `[a-z0-9_]+` not listed). */
  path: string | null;
  /** Extra query parameters the request must carry besides `uuid`. */
  query?: Record<string, string>;
  /** Codes the agent treats as success; the fake answers the first one by default. */
  accepted: readonly number[] | 'any' | 'any 2xx' | 'ignored';
  gzip: boolean;
  validate: (body: unknown, path: string) => Problems;
}

export const API: readonly EndpointSpec[] = [
  { name: 'heartbeat', method: 'POST', path: 'heartbeat', accepted: [204], gzip: false, validate: heartbeat },
  { name: 'metrics', method: 'POST', path: 'metrics', accepted: [204], gzip: false, validate: metrics },
  {
    name: 'system-info',
    method: 'PUT',
    path: 'system-info',
    accepted: [204, 200],
    gzip: false,
    validate: systemInfo,
  },
  {
    name: 'configurations',
    method: 'POST',
    path: 'configurations',
    accepted: [204, 201],
    gzip: true,
    validate: activeConfig,
  },
  {
    name: 'recommendation',
    method: 'GET',
    path: 'configurations',
    query: { status: 'recommended' },
    accepted: 'any', // the body is decoded whatever the status (§1.8)
    gzip: false,
    validate: noBody,
  },
  {
    name: 'guardrails',
    method: 'POST',
    path: 'guardrails',
    accepted: [204, 200],
    gzip: false,
    validate: guardrail,
  },
  {
    name: 'log-entries',
    method: 'POST',
    path: 'log-entries',
    accepted: 'any 2xx',
    gzip: false,
    validate: errorReport,
  },
  { name: 'raw-logs', method: 'POST', path: 'raw-logs', accepted: 'ignored', gzip: false, validate: rawLogs },
  { name: 'catalog', method: 'POST', path: null, accepted: [204, 200], gzip: true, validate: catalog },
];

export const API_PREFIX = '/api/v1/agent/';
export const CATALOG_PATH = /^[a-z0-9_]+$/;

/** The endpoint for a method and path, or undefined (404/405). */
export function findEndpoint(method: string, path: string): EndpointSpec | undefined {
  const listed = API.filter((e) => e.path === path);
  if (listed.length > 0) return listed.find((e) => e.method === method);
  return CATALOG_PATH.test(path) && method === 'POST' ? API.find((e) => e.name === 'catalog') : undefined;
}

/** The status the fake answers when nothing is programmed. */
export function defaultStatus(e: EndpointSpec): number {
  if (Array.isArray(e.accepted)) return e.accepted[0] ?? 204;
  return e.accepted === 'any' ? 200 : 204;
}

// ---- validators -----------------------------------------------------------------------------------

const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$/;
const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const METRIC_TYPES = [
  'int',
  'float',
  'string',
  'bytes',
  'boolean',
  'time',
  'percentage',
  'pgss_delta',
  'int_map',
  'float_map',
  'time_map',
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): boolean =>
  typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));

function exactKeys(o: Obj, keys: readonly string[], where: string): Problems {
  const got = Object.keys(o);
  return got.join() === keys.join()
    ? []
    : [`${where}: fields ${JSON.stringify(got)}, expected ${JSON.stringify(keys)}`];
}

function object(body: unknown, where: string): Obj | Problems {
  return isObj(body) ? body : [`${where}: expected a JSON object`];
}

function timestamp(v: unknown, where: string, opts: { utc?: boolean; nano?: boolean } = {}): Problems {
  if (typeof v !== 'string' || !(opts.nano ? RFC3339_NANO : RFC3339_SECONDS).test(v)) {
    return [`${where}: ${JSON.stringify(v)} is not RFC 3339${opts.nano ? '' : ' at second precision'}`];
  }
  return opts.utc && !v.endsWith('Z') ? [`${where}: ${v} is not UTC`] : [];
}

const unrounded = (v: unknown): boolean => typeof v === 'number' && !Number.isInteger(v) && roundTo3(v) !== v;

/** §1.4: exactly the four fields. */
function heartbeat(body: unknown): Problems {
  const o = object(body, 'heartbeat');
  if (Array.isArray(o)) return o;
  return [
    ...exactKeys(o, ['agent_version', 'agent_start_time', 'agent_identifier', 'allow_restart'], 'heartbeat'),
    ...(typeof o.agent_version === 'string' && o.agent_version !== '' ? [] : ['heartbeat: agent_version']),
    ...timestamp(o.agent_start_time, 'heartbeat: agent_start_time', { utc: true }),
    ...(typeof o.agent_identifier === 'string' && UUID_V4.test(o.agent_identifier)
      ? []
      : ['heartbeat: agent_identifier is not a UUID v4']),
    ...(typeof o.allow_restart === 'boolean' ? [] : ['heartbeat: allow_restart is not a boolean']),
  ];
}

/** §1.5: the 2.0 envelope, flat values, floats rounded to 3 decimals. */
function metrics(body: unknown): Problems {
  const o = object(body, 'metrics');
  if (Array.isArray(o)) return o;
  const problems = [...exactKeys(o, ['version', 'metrics', 'timestamp'], 'metrics')];
  if (o.version !== '2.0') problems.push(`metrics: version ${JSON.stringify(o.version)}, expected "2.0"`);
  problems.push(...timestamp(o.timestamp, 'metrics: timestamp'));
  if (!isObj(o.metrics)) return [...problems, 'metrics: metrics is not an object'];
  for (const [k, v] of Object.entries(o.metrics)) {
    if (!['number', 'bigint', 'string', 'boolean'].includes(typeof v))
      problems.push(`metrics: ${k} is not flat`);
    if (unrounded(v)) problems.push(`metrics: ${k}=${String(v)} is not rounded to 3 decimals`);
  }
  return problems;
}

/** §1.6: `{type, value}` entries and a hash equal to Go's over the sorted map. */
function systemInfo(body: unknown): Problems {
  const o = object(body, 'system-info');
  if (Array.isArray(o)) return o;
  const problems = [...exactKeys(o, ['system_info', 'timestamp', 'hash'], 'system-info')];
  problems.push(...timestamp(o.timestamp, 'system-info: timestamp'));
  if (!isObj(o.system_info)) return [...problems, 'system-info: system_info is not an object'];
  for (const [k, e] of Object.entries(o.system_info)) {
    if (!isObj(e)) {
      problems.push(`system-info: ${k} is not an object`);
      continue;
    }
    problems.push(...exactKeys(e, ['type', 'value'], `system-info: ${k}`));
    if (!METRIC_TYPES.includes(String(e.type))) problems.push(`system-info: ${k} has type ${String(e.type)}`);
    if (unrounded(e.value)) problems.push(`system-info: ${k} is not rounded to 3 decimals`);
  }
  const expected = sha256Hex(goJson(new Map(Object.entries(o.system_info))));
  if (o.hash !== expected) problems.push(`system-info: hash ${String(o.hash)}, Go would compute ${expected}`);
  return problems;
}

const CONFIG_ROW_KEYS = ['name', 'setting', 'unit', 'vartype', 'context'];

/** §1.7: rows in struct order, typed settings, hash over the array. */
function activeConfig(body: unknown): Problems {
  const o = object(body, 'configurations');
  if (Array.isArray(o)) return o;
  const problems = [...exactKeys(o, ['config', 'hash'], 'configurations')];
  if (!Array.isArray(o.config)) return [...problems, 'configurations: config is not an array'];
  o.config.forEach((row: unknown, i) => {
    const where = `configurations: config[${i}]`;
    if (!isObj(row)) return problems.push(`${where} is not an object`);
    problems.push(...exactKeys(row, CONFIG_ROW_KEYS, where));
    if (typeof row.name !== 'string') problems.push(`${where}: name`);
    if (row.unit !== null && typeof row.unit !== 'string')
      problems.push(`${where}: unit is not a string or null`);
    const numeric = row.vartype === 'integer' || row.vartype === 'real';
    if (!numeric && typeof row.setting !== 'string')
      problems.push(`${where}: ${String(row.vartype)} setting not text`);
    if (numeric && !['number', 'bigint', 'string'].includes(typeof row.setting))
      problems.push(`${where}: setting`);
  });
  const expected = sha256Hex(goJson(o.config));
  if (o.hash !== expected)
    problems.push(`configurations: hash ${String(o.hash)}, Go would compute ${expected}`);
  return problems;
}

function noBody(body: unknown): Problems {
  return body === undefined ? [] : ['recommendation: GET carries a body'];
}

/** §1.9 */
function guardrail(body: unknown): Problems {
  const o = object(body, 'guardrails');
  if (Array.isArray(o)) return o;
  return [
    ...exactKeys(o, ['level', 'type'], 'guardrails'),
    ...(['critical', 'non-critical'].includes(String(o.level))
      ? []
      : [`guardrails: level ${String(o.level)}`]),
    ...(['memory', 'freeable_memory'].includes(String(o.type)) ? [] : [`guardrails: type ${String(o.type)}`]),
  ];
}

/** §1.10 */
function errorReport(body: unknown): Problems {
  const o = object(body, 'log-entries');
  if (Array.isArray(o)) return o;
  return [
    ...exactKeys(o, ['error_message', 'error_type', 'timestamp'], 'log-entries'),
    ...(typeof o.error_message === 'string' ? [] : ['log-entries: error_message is not a string']),
    ...(typeof o.error_type === 'string' && o.error_type !== '' ? [] : ['log-entries: error_type is empty']),
    ...timestamp(o.timestamp, 'log-entries: timestamp', { utc: true }),
  ];
}

/** §1.11: an array of at most 100 entries (the hook's buffer). */
function rawLogs(body: unknown): Problems {
  if (!Array.isArray(body)) return ['raw-logs: expected a JSON array'];
  const problems: Problems = body.length > 100 ? [`raw-logs: ${body.length} entries in one batch`] : [];
  body.forEach((e: unknown, i) => {
    const where = `raw-logs[${i}]`;
    if (!isObj(e)) return problems.push(`${where} is not an object`);
    problems.push(...exactKeys(e, ['message', 'level', 'timestamp'], where));
    if (typeof e.message !== 'string') problems.push(`${where}: message`);
    if (!['warning', 'error', 'fatal', 'panic'].includes(String(e.level))) problems.push(`${where}: level`);
    problems.push(...timestamp(e.timestamp, `${where}: timestamp`, { utc: true }));
  });
  return problems;
}

/** §1.12 and §3.4, §3.10: the rows envelope, or the ddl and pg_stat_statements shapes. */
function catalog(body: unknown, path: string): Problems {
  const o = object(body, path);
  if (Array.isArray(o)) return o;
  if (path === 'ddl') {
    // ddl_hash is checked for form only: the facts give "SHA-256 hex", not what exactly is hashed.
    return [
      ...exactKeys(o, ['ddl', 'ddl_hash'], 'ddl'),
      ...(typeof o.ddl === 'string' ? [] : ['ddl: ddl is not a string']),
      ...(typeof o.ddl_hash === 'string' && SHA256_HEX.test(o.ddl_hash)
        ? []
        : ['ddl: ddl_hash is not SHA-256 hex']),
    ];
  }
  const problems = [
    ...timestamp(o.collected_at, `${path}: collected_at`, { nano: true }),
    ...(Array.isArray(o.rows) ? [] : [`${path}: rows is not an array`]),
  ];
  if (Array.isArray(o.rows) && o.rows.some((r) => !isObj(r)))
    problems.push(`${path}: a row is not an object`);
  if (path === 'pg_stat_statements') {
    if (o.deltas !== undefined && !Array.isArray(o.deltas)) problems.push('pg_stat_statements: deltas');
    if (!isInt(o.delta_count)) problems.push('pg_stat_statements: delta_count is not an integer');
    if (typeof o.average_query_runtime !== 'number')
      problems.push('pg_stat_statements: average_query_runtime');
  }
  return problems;
}

/**
 * Gathering `collectors.<name>.<field>` values from the YAML section and from
 * `DBT_COLLECTOR_<NAME>_<FIELD>` (docs/PROTOCOL.md §6.2), before they are typed and validated.
 */
import { COLLECTOR_ENV_PREFIX, COLLECTOR_STRICT_ENV } from './env-names.js';
import { parseBool } from './coerce.js';
import { isMapping } from './normalize.js';
import { didYouMean, type Problems } from './problems.js';
import type { CollectorInfo, Source } from './types.js';

/** Old names the Go agent still accepts (no effect); warned here. */
export const LEGACY_COLLECTORS: ReadonlySet<string> = new Set([
  'database_transactions_per_second',
  'database_autovacuum_count',
  'pg_user_tables',
  'pg_bgwriter',
  'pg_wal',
  'database_wait_events',
  'hardware',
  'cpu_utilization',
  'memory_used',
]);

export interface GivenValue {
  readonly value: unknown;
  readonly source: Source;
  /** The env var that set it, if any. */
  readonly env?: string;
}

/** name → field → value, for configurable collectors only. */
export type Given = Map<string, Map<string, GivenValue>>;

export interface InputContext {
  readonly known: ReadonlyMap<string, CollectorInfo>;
  readonly registry: readonly CollectorInfo[];
  fieldsOf(info: CollectorInfo): readonly string[];
  readonly problems: Problems;
  readonly warnings: string[];
}

function set(given: Given, name: string, field: string, value: GivenValue): void {
  let fields = given.get(name);
  if (!fields) given.set(name, (fields = new Map<string, GivenValue>()));
  fields.set(field, value);
}

const legacyWarning = (what: string) => `${what} is a legacy collector name: accepted, but it has no effect`;

export function readFileCollectors(raw: unknown, ctx: InputContext, given: Given): void {
  if (raw === undefined) return;
  if (!isMapping(raw)) {
    ctx.problems.add('collectors', 'must be a mapping of collector names to settings', null);
    return;
  }
  for (const [rawName, body] of Object.entries(raw)) {
    const name = rawName.toLowerCase(); // viper lowercases keys
    if (LEGACY_COLLECTORS.has(name)) {
      ctx.warnings.push(legacyWarning(`collectors.${name}`));
      continue;
    }
    const info = ctx.known.get(name);
    if (!info) {
      const always = ctx.registry.some((c) => c.name === name);
      const why = always
        ? 'cannot be configured (always on)'
        : `unknown collector${didYouMean(name, [...ctx.known.keys()])}`;
      ctx.problems.add(`collectors.${rawName}`, why, null);
      continue;
    }
    if (body === null || body === undefined) continue;
    if (!isMapping(body)) {
      ctx.problems.add(`collectors.${name}`, 'must be a mapping (enabled, interval_seconds, …)', null);
      continue;
    }
    const allowed = ctx.fieldsOf(info);
    for (const [rawField, value] of Object.entries(body)) {
      const field = rawField.toLowerCase();
      if (!allowed.includes(field)) {
        ctx.problems.add(
          `collectors.${name}.${rawField}`,
          `unknown field${didYouMean(field, allowed)}`,
          null,
        );
      } else if (value !== null && value !== undefined) {
        set(given, name, field, { value, source: 'file' });
      }
    }
  }
}

/**
 * The suffix after DBT_COLLECTOR_ goes to the longest collector name (legacy names included)
 * that prefixes it. That reproduces the Go agent's ambiguity table: database_transactions_per_second
 * over database_transactions, pg_stat_database_conflicts over pg_stat_database, and so on.
 */
export function readEnvCollectors(env: NodeJS.ProcessEnv, ctx: InputContext, given: Given): void {
  const strictText = env[COLLECTOR_STRICT_ENV] ?? '';
  const strict = strictText === '' ? true : parseBool(strictText);
  if (strict === undefined) {
    ctx.problems.add('collectors', 'expected a boolean (true/false, 1/0, yes/no)', COLLECTOR_STRICT_ENV);
  }
  const unknown = (path: string, message: string, name: string) => {
    if (strict === false) ctx.warnings.push(`${path}: ${message} (env: ${name}); ignored`);
    else ctx.problems.add(path, message, name);
  };
  const names = [...ctx.known.keys(), ...LEGACY_COLLECTORS].sort((a, b) => b.length - a.length);
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (!key.startsWith(COLLECTOR_ENV_PREFIX) || key === COLLECTOR_STRICT_ENV) continue;
    if (value === undefined || value === '') continue;
    const suffix = key.slice(COLLECTOR_ENV_PREFIX.length).toLowerCase();
    const name = names.find((n) => suffix.startsWith(`${n}_`) && suffix.length > n.length + 1);
    if (name === undefined) {
      unknown('collectors', `${key} names no known collector`, key);
      continue;
    }
    if (LEGACY_COLLECTORS.has(name)) {
      ctx.warnings.push(legacyWarning(`${key} (collectors.${name})`));
      continue;
    }
    const field = suffix.slice(name.length + 1);
    const info = ctx.known.get(name);
    const allowed = info ? ctx.fieldsOf(info) : [];
    if (!allowed.includes(field)) {
      unknown(`collectors.${name}.${field}`, `unknown field${didYouMean(field, allowed)}`, key);
      continue;
    }
    set(given, name, field, { value, source: 'env', env: key });
  }
}

/**
 * The parsed YAML document → a flat map of known dot paths to raw values. Keys match
 * case-insensitively, as viper lowercases every key (so `rds.aws_region` works for a Go user
 * too); unknown keys are problems with a did-you-mean. YAML nulls (`api_key:` with no value) mean
 * unset, as in viper.
 */
import type { Problems } from './problems.js';
import { didYouMean } from './problems.js';
import { LEAVES, sectionKeys } from './schema-walk.js';
import { configSchema } from './schema.js';

export interface FileValues {
  /** Leaf dot path → raw value from the file. */
  readonly values: Map<string, unknown>;
  /** The raw `collectors:` section (validated against the registry in collectors.ts). */
  readonly collectors: unknown;
}

// The Go agent's CONFIG.md shows these env names as YAML keys under cloudsql:, where Go ignores
// them; here they work, with a warning naming the right key.
const KEY_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  cloudsql: { DBT_GCP_PROJECT_ID: 'project_id', DBT_GCP_DATABASE_NAME: 'database_name' },
};

const DEPRECATED_KEYS: Readonly<Record<string, readonly string[]>> = {
  rds: ['RDS_PARAMETER_GROUP_NAME'],
  'rds-aurora': ['RDS_PARAMETER_GROUP_NAME'],
};

const TOP_KEYS = [...Object.keys(configSchema.shape), 'postgres', 'collectors'];

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function canonical(key: string, candidates: readonly string[]): string | undefined {
  return candidates.find((c) => c === key) ?? candidates.find((c) => c.toLowerCase() === key.toLowerCase());
}

function readSection(
  section: string,
  label: string,
  body: Record<string, unknown>,
  out: Map<string, unknown>,
  problems: Problems,
  warnings: string[],
): void {
  const keys = sectionKeys(section) ?? [];
  const aliases = KEY_ALIASES[section] ?? {};
  const deprecated = DEPRECATED_KEYS[section] ?? [];
  const seen = new Set<string>();
  for (const [rawKey, value] of Object.entries(body)) {
    if (canonical(rawKey, deprecated)) {
      warnings.push(
        `${label}.${rawKey} is deprecated and ignored: the parameter group is discovered from the instance`,
      );
      continue;
    }
    let key = canonical(rawKey, keys);
    const alias = canonical(rawKey, Object.keys(aliases));
    if (!key && alias) {
      key = aliases[alias];
      warnings.push(
        `${label}.${rawKey} is an env var name, not a key (the Go agent ignores it); read as ${label}.${key}, please rename it`,
      );
    }
    if (!key) {
      problems.add(`${label}.${rawKey}`, `unknown key${didYouMean(rawKey, keys)}`, null);
      continue;
    }
    if (seen.has(key)) {
      problems.add(`${label}.${key}`, 'set more than once (keys are case-insensitive)', null);
      continue;
    }
    seen.add(key);
    if (value !== null && value !== undefined) out.set(`${section}.${key}`, value);
  }
}

export function normalizeFile(data: unknown, problems: Problems, warnings: string[]): FileValues {
  const values = new Map<string, unknown>();
  if (data === undefined || data === null) return { values, collectors: undefined };
  if (!isMapping(data)) {
    problems.add('(file)', 'the top level must be a mapping of keys', null);
    return { values, collectors: undefined };
  }
  let collectors: unknown;
  const bodies = new Map<string, { label: string; body: unknown }>();
  for (const [rawKey, value] of Object.entries(data)) {
    const key = canonical(rawKey, TOP_KEYS);
    if (!key) {
      problems.add(rawKey, `unknown key${didYouMean(rawKey, TOP_KEYS)}`, null);
    } else if (bodies.has(key) || (key === 'collectors' && collectors !== undefined)) {
      problems.add(key, 'set more than once (keys are case-insensitive)', null);
    } else if (key === 'collectors') {
      collectors = value ?? {};
    } else if (LEAVES.has(key)) {
      bodies.set(key, { label: key, body: value });
      if (value !== null && value !== undefined) values.set(key, value);
    } else {
      bodies.set(key, { label: key, body: value });
    }
  }
  // `postgres:` first, so `postgresql:` wins key by key (docs/PROTOCOL.md §6.2 legacy precedence).
  const order = ['postgres', ...[...bodies.keys()].filter((k) => k !== 'postgres')];
  for (const key of order) {
    const entry = bodies.get(key);
    if (!entry || LEAVES.has(key) || entry.body === null || entry.body === undefined) continue;
    if (!isMapping(entry.body)) {
      problems.add(entry.label, 'must be a mapping of keys', null);
      continue;
    }
    const section = key === 'postgres' ? 'postgresql' : key;
    readSection(section, entry.label, entry.body, values, problems, warnings);
  }
  return { values, collectors };
}

/**
 * loadConfig: file → env → (CLI overrides) → typed, validated, deep-frozen Config. Every problem
 * is collected and thrown at once as a ConfigError; deprecations come back as warnings.
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { coerce } from './coerce.js';
import { resolveCollectors, type LegacyQueryText } from './collectors.js';
import type { GivenValue } from './collectors-input.js';
import { readEnv } from './env.js';
import { defaultSearchPaths, readConfigFile } from './file.js';
import { normalizeFile } from './normalize.js';
import { connectionProblem } from '../pg/connection.js';
import { Problems, issueMessage } from './problems.js';
import { configSchema, DEFAULT_SERVER_URL, EMBEDDED } from './schema.js';
import { LEAVES } from './schema-walk.js';
import { registerValue, SECRET_PATHS, URL_PATHS } from './secrets.js';
import type { Config, LoadOptions, LoadResult, Source } from './types.js';

type Tree = Record<string, unknown>;

function setPath(tree: Tree, dotPath: string, value: unknown): void {
  const [head, ...rest] = dotPath.split('.');
  if (head === undefined) return;
  if (rest.length === 0) {
    tree[head] = value;
    return;
  }
  const child = (tree[head] ??= {}) as Tree;
  setPath(child, rest.join('.'), value);
}

function getPath(tree: Tree, dotPath: string): unknown {
  let node: unknown = tree;
  for (const key of dotPath.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Tree)[key];
  }
  return node;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Rules spanning keys, checked on the coerced input so they are reported with everything else. */
function crossChecks(input: Tree, problems: Problems): void {
  const text = (p: string) => {
    const v = getPath(input, p);
    return typeof v === 'string' ? v : '';
  };
  const required = (key: string, message: string) => {
    if (text(key) === '' && !problems.has(key)) problems.add(key, message);
  };
  required('postgresql.connection_url', 'required');
  const url = text('postgresql.connection_url');
  if (url !== '' && !problems.has('postgresql.connection_url')) {
    const problem = connectionProblem(url);
    if (problem) problems.add('postgresql.connection_url', problem);
  }
  const serverUrl = (getPath(input, 'dbtune.server_url') as string | undefined) ?? DEFAULT_SERVER_URL;
  if (serverUrl !== EMBEDDED) {
    for (const key of ['dbtune.api_key', 'dbtune.database_id']) {
      required(key, `required unless dbtune.server_url is "${EMBEDDED}"`);
    }
  }
  if (getPath(input, 'apply_mode') === 'approve') {
    // The approval commands and the approval API reach the running agent on the service endpoint.
    required('health.listen', 'required when apply_mode is "approve" (the approval API listens there)');
    required('approval.token', 'required when apply_mode is "approve" (it authorises approve/reject)');
  }
  const added = new Set((getPath(input, 'tuning.allowlist_add') as string[] | undefined) ?? []);
  const both = ((getPath(input, 'tuning.allowlist_remove') as string[] | undefined) ?? []).filter((k) =>
    added.has(k),
  );
  if (both.length > 0)
    problems.add('tuning.allowlist_remove', `also in tuning.allowlist_add: ${both.join(', ')}`);
}

export function loadConfig(opts: LoadOptions): LoadResult {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const problems = new Problems();
  const warnings: string[] = [];

  const explicit = opts.path === undefined ? undefined : path.resolve(cwd, opts.path);
  const { file, data } = readConfigFile(explicit, opts.searchPaths ?? defaultSearchPaths(cwd, env));
  const fromFile = normalizeFile(data, problems, warnings);
  const fromEnv = readEnv(env, problems, warnings);

  const raw = new Map<string, GivenValue>();
  for (const [p, value] of fromFile.values) raw.set(p, { value, source: 'file' });
  for (const [p, e] of fromEnv) raw.set(p, { value: e.value, source: 'env', env: e.name });
  for (const [p, value] of Object.entries(opts.overrides ?? {})) {
    if (LEAVES.has(p)) raw.set(p, { value, source: 'flag' });
    else problems.add(p, 'unknown key in command-line overrides', null);
  }
  // Before any validation, so not even a message about a bad value can carry a secret.
  for (const [p, r] of raw) registerValue(p, r.value);

  const input: Tree = {};
  const sources: Record<string, Source> = {};
  const typed = new Map<string, GivenValue>();
  for (const leaf of LEAVES.values()) {
    const r = raw.get(leaf.path);
    sources[leaf.path] = r?.source ?? 'default';
    if (!r) continue;
    const c = coerce(r.value, leaf.kind, SECRET_PATHS.has(leaf.path) || URL_PATHS.has(leaf.path));
    if (!c.ok) {
      problems.add(leaf.path, c.message);
      continue;
    }
    setPath(input, leaf.path, c.value);
    typed.set(leaf.path, { ...r, value: c.value });
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.add(issue.path.join('.') || '(root)', issueMessage(issue));
  }
  crossChecks(input, problems);

  const legacy: LegacyQueryText = {
    include_queries: typed.get('postgresql.include_queries'),
    max_query_text_length: typed.get('postgresql.maximum_query_text_length'),
  };
  const resolved = resolveCollectors({
    raw: fromFile.collectors,
    env,
    registry: Array.isArray(opts.collectors) ? opts.collectors : Object.values(opts.collectors),
    legacy,
    problems,
    warnings,
  });

  if (!problems.empty || !parsed.success) throw new ConfigError(problems.list);
  const config = deepFreeze({ ...parsed.data, collectors: resolved.collectors }) as Config;
  return deepFreeze({
    config,
    sources: { ...sources, ...resolved.sources },
    warnings: [...warnings],
    file,
  });
}

/**
 * The env layer: `DBT_*` vars (and the plain AWS_* fallbacks) override file values key by key.
 * Empty vars count as unset, as with viper's AutomaticEnv. Secrets may come from `<NAME>_FILE`.
 * Precedence per key: NAME, NAME_FILE, then the next fallback name, then deprecated aliases.
 */
import { ENV_SPECS, IGNORED_ENV } from './env-names.js';
import { unknownEnvWarnings } from './env-typos.js';
import type { Problems } from './problems.js';
import { FILE_PATHS, FILE_SUFFIX, readSecretFile } from './secrets.js';

export interface EnvValue {
  readonly value: string;
  /** The variable it came from (for messages). */
  readonly name: string;
}

type Lookup = { found: EnvValue } | { problem: string; name: string } | null;

function nonEmpty(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

class EnvReader {
  // rds and rds-aurora share DBT_AWS_*: read (and complain about) each variable once.
  private readonly cache = new Map<string, Lookup>();
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  lookup(name: string, allowFile: boolean): Lookup {
    const key = `${name}|${allowFile}`;
    if (!this.cache.has(key)) this.cache.set(key, this.read(name, allowFile));
    return this.cache.get(key) ?? null;
  }

  private read(name: string, allowFile: boolean): Lookup {
    const direct = nonEmpty(this.env, name);
    const fileVar = `${name}${FILE_SUFFIX}`;
    const file = allowFile ? nonEmpty(this.env, fileVar) : undefined;
    if (direct !== undefined && file !== undefined) {
      return { problem: `set only one of ${name} and ${fileVar}`, name };
    }
    if (direct !== undefined) return { found: { value: direct, name } };
    if (file === undefined) return null;
    const read = readSecretFile(file);
    if (!read.ok) return { problem: `${fileVar}: ${read.message}`, name: fileVar };
    return { found: { value: read.value, name: fileVar } };
  }
}

export function readEnv(
  env: NodeJS.ProcessEnv,
  problems: Problems,
  warnings: string[],
): Map<string, EnvValue> {
  const out = new Map<string, EnvValue>();
  const reader = new EnvReader(env);
  const reported = new Set<string>();
  for (const [path, spec] of Object.entries(ENV_SPECS)) {
    const primary = spec.names[0] ?? '';
    let found: EnvValue | undefined;
    for (const name of spec.names) {
      const hit = reader.lookup(name, FILE_PATHS.has(path));
      if (hit && 'problem' in hit) {
        if (!reported.has(hit.problem)) problems.add(path, hit.problem, hit.name);
        reported.add(hit.problem);
        break;
      }
      if (hit) {
        found = hit.found;
        break;
      }
    }
    for (const alias of spec.aliases ?? []) {
      const value = nonEmpty(env, alias);
      if (value === undefined) continue;
      const note = `${alias} is a deprecated alias (a misspelled or wrongly documented name in the Go agent)`;
      if (found) {
        pushOnce(warnings, `${note}; ignored because ${found.name} is set`);
      } else {
        found = { value, name: alias };
        pushOnce(warnings, `${note}; use ${primary}`);
      }
    }
    if (found) out.set(path, found);
  }
  for (const [name, message] of Object.entries(IGNORED_ENV)) {
    if (nonEmpty(env, name) !== undefined) pushOnce(warnings, message);
  }
  for (const message of unknownEnvWarnings(env)) pushOnce(warnings, message);
  return out;
}

function pushOnce(list: string[], message: string): void {
  if (!list.includes(message)) list.push(message);
}

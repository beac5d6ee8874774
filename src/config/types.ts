/** Public types of the configuration module. */
import type { CollectorDefinition } from '../../collectors/types.js';
import type { BaseConfig } from './schema.js';

/** What the loader needs from the collector registry (the CLI passes the real one). */
export type CollectorInfo = Pick<
  CollectorDefinition,
  'name' | 'intervalSeconds' | 'configurable' | 'optionsSchema'
>;

/** Where a value came from; `flag` only for `overrides` passed by the CLI. */
export type Source = 'default' | 'file' | 'env' | 'flag';

export interface CollectorSettings {
  readonly enabled: boolean;
  /** Effective interval: the collector's default when unset or 0. */
  readonly interval_seconds: number;
  /** The collector's typed extras, parsed by its optionsSchema (defaults filled in). */
  readonly options: Readonly<Record<string, unknown>>;
}

export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, deep-frozen configuration. Property names are the YAML keys. */
export type Config = DeepReadonly<BaseConfig> & {
  /** One entry per collector of the registry passed to loadConfig. */
  readonly collectors: Readonly<Record<string, CollectorSettings>>;
};

export interface LoadResult {
  readonly config: Config;
  /** dot.path (YAML spelling, e.g. `collectors.pg_class.backfill_batch_size`) → source. */
  readonly sources: Readonly<Record<string, Source>>;
  /** Deprecations and ignored settings, for the log. */
  readonly warnings: readonly string[];
  /** The file read, or null when configured by env only. */
  readonly file: string | null;
}

export interface LoadOptions {
  /** Explicit file (--config): must exist. Relative paths resolve against `cwd`. */
  path?: string;
  /** Default process.env; never mutated. */
  env?: NodeJS.ProcessEnv;
  /** Default process.cwd(); the last search place is `<cwd>/dbtune.yaml`. */
  cwd?: string;
  /** Search list used when `path` is not given (tests inject theirs; default: the Go agent's). */
  searchPaths?: readonly string[];
  /** The collector registry: a list, or a map keyed by name (collectors/index.ts exports a map). */
  collectors: readonly CollectorInfo[] | Readonly<Record<string, CollectorInfo>>;
  /** Command-line overrides by dot path (e.g. `{ 'tuning.dry_run': true }`): win over file and env. */
  overrides?: Readonly<Record<string, unknown>>;
}

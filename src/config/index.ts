/**
 * Configuration: one zod schema → a typed, deep-frozen Config, loaded from dbtune.yaml and the Go
 * agent's DBT_* env vars. Parse once at startup and pass the value down; never read env later.
 */
export { loadConfig } from './load.js';
export { redactedView, type RedactedView } from './redact.js';
export { ENV_NAMES, collectorEnvName, envNameOf } from './env-names.js';
export { EMBEDDED, DEFAULT_SERVER_URL, configSchema } from './schema.js';
export { defaultSearchPaths } from './file.js';
export { LEGACY_COLLECTORS } from './collectors-input.js';
export { sectionInFile } from './sections.js';
export type { Config, CollectorInfo, CollectorSettings, LoadOptions, LoadResult, Source } from './types.js';

/**
 * Unknown `DBT_*` variables: a typo such as `DBT_DBTUNE_APIKEY` would otherwise be ignored in
 * silence, and the agent would start without the setting the operator meant to give. Each unknown
 * name gets one warning naming the closest known one, as unknown YAML keys do (normalize.ts).
 * `DBT_COLLECTOR_*` names are checked by collectors.ts (an error unless DBT_COLLECTOR_STRICT_ENV=false).
 */
import { COLLECTOR_ENV_PREFIX, COLLECTOR_STRICT_ENV, ENV_SPECS, IGNORED_ENV } from './env-names.js';
import { didYouMean } from './problems.js';
import { FILE_PATHS, FILE_SUFFIX } from './secrets.js';

/**
 * `DBT_*` variables read outside the configuration schema: the embedded platform's settings
 * (src/embedded/attach.ts, EMBEDDED_ENV; env-typos.test.ts keeps the two lists equal).
 */
export const OTHER_DBT_ENV: readonly string[] = [
  'DBT_EMBEDDED_STATE_DIR',
  'DBT_EMBEDDED_ITERATIONS',
  'DBT_EMBEDDED_ITERATION_SECONDS',
  'DBT_EMBEDDED_WARMUP_SECONDS',
  'DBT_EMBEDDED_OBJECTIVE',
  'DBT_EMBEDDED_ON_FINISH',
];

/** Every `DBT_*` name the agent reads (primary names, fallbacks, `_FILE` forms, aliases). */
export function knownDbtEnvNames(): string[] {
  const names = new Set<string>([...OTHER_DBT_ENV, COLLECTOR_STRICT_ENV, ...Object.keys(IGNORED_ENV)]);
  for (const [path, spec] of Object.entries(ENV_SPECS)) {
    for (const name of [...spec.names, ...(spec.aliases ?? [])]) {
      names.add(name);
      if (FILE_PATHS.has(path)) names.add(`${name}${FILE_SUFFIX}`);
    }
  }
  return [...names].filter((n) => n.startsWith('DBT_')).sort();
}

/** One warning per unknown `DBT_*` variable that is set, with the closest known name when one is close. */
export function unknownEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = knownDbtEnvNames();
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((name) => name.startsWith('DBT_') && !name.startsWith(COLLECTOR_ENV_PREFIX))
    .filter((name) => !knownSet.has(name))
    .sort()
    .map((name) => `${name} is not a known setting and is ignored${didYouMean(name, known)}`);
}

/**
 * What every command does first: load and validate the configuration (exit 2 on problems), apply
 * the command-line overrides, and build the logger.
 */
import { ADAPTERS } from '../../adapters/index.js';
import { collectorsInOrder } from '../../collectors/index.js';
import { loadConfig, sectionInFile, type Config, type LoadResult } from '../config/index.js';
import { createLogger, type Logger, type LogLine } from '../log.js';
import type { GlobalOptions, Io } from './program.js';

export interface Setup {
  loaded: LoadResult;
  config: Config;
  log: Logger;
}

/** Load and validate; command-line flags win over file and env (source `flag`). */
export function loadForCli(g: GlobalOptions, io: Io): LoadResult {
  const overrides: Record<string, unknown> = {};
  if (g.dryRun) overrides['tuning.dry_run'] = true;
  if (g.platform === 'embedded') overrides['dbtune.server_url'] = 'embedded';
  return loadConfig({ path: g.config, env: io.env, cwd: io.cwd, collectors: collectorsInOrder(), overrides });
}

export function setup(g: GlobalOptions, io: Io, onWarn?: (line: LogLine) => void): Setup {
  const loaded = loadForCli(g, io);
  const config = loaded.config;
  const log = createLogger({ format: g.logFormat, debug: config.debug, onWarn });
  for (const w of loaded.warnings) log.warn({ config: loaded.file ?? 'env' }, w);
  return { loaded, config, log };
}

/**
 * Adapter sections present in the config FILE, for auto-detection (docs/ADAPTERS.md §1: env vars are checked
 * separately and first; a plain AWS_REGION in the environment must not select RDS).
 */
export function fileSections(loaded: LoadResult): Set<string> {
  return new Set(ADAPTERS.map((a) => a.section).filter((s): s is string => !!s && sectionInFile(loaded, s)));
}

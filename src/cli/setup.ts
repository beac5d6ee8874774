/**
 * What every command does first: load and validate the configuration (exit 2 on problems), apply
 * the command-line overrides, and build the logger.
 */
import { COLLECTORS } from '../../collectors/index.js';
import { loadConfig, type Config, type LoadResult } from '../config/index.js';
import { createLogger, type Logger, type LogLine } from '../log.js';
import type { GlobalOptions, Io } from './program.js';

export interface Setup {
  loaded: LoadResult;
  config: Config;
  log: Logger;
}

export function loadForCli(g: GlobalOptions, io: Io): LoadResult {
  return loadConfig({ path: g.config, env: io.env, cwd: io.cwd, collectors: COLLECTORS });
}

/** Command-line flags win over file and env. The result stays frozen. */
export function withOverrides(config: Config, g: GlobalOptions): Config {
  let c = config;
  if (g.dryRun) c = { ...c, tuning: { ...c.tuning, dry_run: true } };
  if (g.platform === 'embedded') c = { ...c, dbtune: { ...c.dbtune, server_url: 'embedded' } };
  return Object.freeze(c);
}

export function setup(g: GlobalOptions, io: Io, onWarn?: (line: LogLine) => void): Setup {
  const loaded = loadForCli(g, io);
  const config = withOverrides(loaded.config, g);
  const log = createLogger({ format: g.logFormat, debug: config.debug, onWarn });
  for (const w of loaded.warnings) log.warn({ config: loaded.file ?? 'env' }, w);
  return { loaded, config, log };
}

/** Config sections present (from the file or env), for adapter auto-detection. */
export function presentSections(loaded: LoadResult): Set<string> {
  const sections = new Set<string>();
  for (const [path, source] of Object.entries(loaded.sources)) {
    if (source === 'default') continue;
    const top = path.split('.')[0];
    if (top) sections.add(top);
  }
  return sections;
}

/**
 * SIGHUP: read the configuration again (the file, and the environment as it was at start, since a
 * running process's environment cannot change), validate it, and say what changed. An invalid
 * configuration is logged with every problem and the running one is kept.
 */
import { ConfigError } from '../errors.js';
import type { LoadResult } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { GlobalOptions, Io } from './program.js';
import { loadForCli } from './setup.js';

export type Reloaded =
  | { kind: 'invalid'; problems: readonly string[] }
  | { kind: 'unchanged' }
  | { kind: 'changed'; loaded: LoadResult; changed: string[] };

/** Dot paths whose values differ (names only: values may be secrets). */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      changedPaths(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        prefix === '' ? k : `${prefix}.${k}`,
      ),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

export function reloadConfig(g: GlobalOptions, io: Io, current: LoadResult, log: Logger): Reloaded {
  let next: LoadResult;
  try {
    next = loadForCli(g, io);
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [errorMessage(err)];
    log.error({ problems }, 'reload: configuration invalid; keeping the running configuration');
    return { kind: 'invalid', problems };
  }
  const changed = changedPaths(current.config, next.config);
  if (current.file !== next.file) changed.unshift('(file)');
  if (changed.length === 0) {
    log.info({ file: next.file }, 'reload: configuration unchanged');
    return { kind: 'unchanged' };
  }
  for (const w of next.warnings) log.warn({ config: next.file ?? 'env' }, w);
  return { kind: 'changed', loaded: next, changed };
}

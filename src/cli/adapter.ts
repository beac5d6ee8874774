/**
 * Which adapter a command works with, and the checks that need no connection. `run`, `check` and
 * `config` all go through here, so whatever `run` refuses at start (an adapter that is not built, a
 * required adapter key missing, restarts enabled without a way to restart, a restart script that
 * does not exist) makes `check` and `config` fail the same way, with the same message.
 */
import { adapterEntry, type AdapterEntry } from '../../adapters/index.js';
import type { AdapterModule } from '../../adapters/types.js';
import type { Config, LoadResult } from '../config/index.js';
import type { GlobalOptions, Io } from './program.js';
import { selectAdapter, type Selection } from './select-adapter.js';
import { fileSections } from './setup.js';

export interface ResolvedAdapter {
  selection: Selection;
  entry: AdapterEntry;
  module: AdapterModule;
}

/** Select, load and preflight the adapter; throws UsageError or ConfigError (exit 2). */
export async function resolveAdapter(
  g: GlobalOptions,
  io: Io,
  loaded: LoadResult,
  config: Config,
): Promise<ResolvedAdapter> {
  const selection = selectAdapter({ flags: g.adapterFlags, env: io.env, sections: fileSections(loaded) });
  const entry = adapterEntry(selection.id);
  const module = await entry.load();
  module.preflight?.(config, io.env);
  return { selection, entry, module };
}

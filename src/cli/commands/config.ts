/**
 * `dbtune-agent config`: the effective configuration as JSON, secrets redacted, with sources. It
 * refuses what `run` refuses before connecting (src/cli/adapter.ts), with the same message.
 */
import { redactedView } from '../../config/index.js';
import { scrub } from '../../log.js';
import { resolveAdapter } from '../adapter.js';
import type { GlobalOptions, Io } from '../program.js';
import { loadForCli } from '../setup.js';
import { EXIT_OK } from '../exit-codes.js';

export async function configCommand(g: GlobalOptions, io: Io): Promise<number> {
  const loaded = loadForCli(g, io); // ConfigError → exit 2 with every problem
  await resolveAdapter(g, io, loaded, loaded.config); // UsageError / ConfigError → exit 2
  const view = redactedView(loaded);
  // scrub() is a second net: nothing registered as a secret can reach stdout.
  io.out(`${scrub(JSON.stringify(view, null, 2))}\n`);
  for (const w of loaded.warnings) io.err(`dbtune-agent: warning: ${scrub(w)}\n`);
  return EXIT_OK;
}

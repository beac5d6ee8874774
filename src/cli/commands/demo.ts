/**
 * `dbtune-agent demo`: tune a throwaway PostgreSQL under a TPC-B load with the embedded platform and
 * report what it gained (src/embedded/demo). Exit 0 when the session finished, 130 on SIGINT and
 * 143 on SIGTERM (the shell conventions, 128 + signal number) after everything is cleaned up,
 * 1 on failure, 2 on bad flags.
 */
import { randomInt } from 'node:crypto';
import { ADAPTERS } from '../../../adapters/index.js';
import { resolveBinaryPackage } from '../../embedded/cluster.js';
import { resolveDemoOptions, type DemoFlags } from '../../embedded/demo/options.js';
import { runDemo } from '../../embedded/demo/run-demo.js';
import type { GlobalOptions, Io } from '../program.js';
import { UsageError } from '../usage-error.js';
import { AGENT_VERSION } from '../version.js';
import { EXIT_OK } from '../exit-codes.js';

export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

/**
 * The agent's own flags mean nothing to the demo (it starts its own PostgreSQL, agent and platform):
 * refuse them rather than run a 10-minute demo the user did not ask for.
 */
export function refusedDemoFlags(g: GlobalOptions | undefined): string[] {
  if (!g) return [];
  const refused = ADAPTERS.filter((a) => g.adapterFlags[a.id]).map((a) => a.flag);
  if (g.dryRun) refused.push('--dry-run');
  if (g.platform) refused.push('--platform');
  if (g.config) refused.push('--config');
  return refused;
}

export async function demoCommand(flags: DemoFlags, io: Io, g?: GlobalOptions): Promise<number> {
  const refused = refusedDemoFlags(g);
  if (refused.length > 0) {
    throw new UsageError(
      `demo: ${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} not a demo option: the demo starts its own PostgreSQL, agent and embedded platform (dbtune-agent demo --help)`,
    );
  }
  const options = resolveDemoOptions(flags, io.cwd, () => randomInt(0, 2 ** 31 - 1));
  // Before anything starts: an install without devDependencies has no PostgreSQL binaries, and
  // the error says which package to add.
  resolveBinaryPackage(options.pgMajor);
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  // Installed before anything starts: from here on a signal means "clean up and exit", never an
  // immediate death that would leave PostgreSQL or pgbench behind.
  const onSignal = (name: NodeJS.Signals) => {
    if (received) return;
    received = name;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcome = await runDemo(
      options,
      { out: io.out, err: io.err, stdout: process.stdout, env: io.env },
      controller.signal,
      AGENT_VERSION,
    );
    if (outcome.kind === 'interrupted' || received)
      return received === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

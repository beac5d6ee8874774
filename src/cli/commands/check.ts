/** `dbtune-agent check`: run the startup checks once and report; exit 0 when all pass, else 1. */
import { runStartupChecks } from '../../agent/startup.js';
import { buildHeartbeat } from '../../agent/common-agent.js';
import { errorMessage } from '../../errors.js';
import { createDb } from '../../pg/pool.js';
import { connectPlatform } from '../platform.js';
import type { GlobalOptions, Io } from '../program.js';
import { setup } from '../setup.js';
import { AGENT_VERSION } from '../version.js';
import { EXIT_OK, EXIT_RUNTIME } from '../exit-codes.js';

export async function checkCommand(g: GlobalOptions, io: Io): Promise<number> {
  const { config, log } = setup(g, io);
  const platform = await connectPlatform(config, log, io);
  const db = createDb({ connectionUrl: config.postgresql.connection_url, max: 1, log });
  try {
    await runStartupChecks(db, platform.client, buildHeartbeat(config, AGENT_VERSION, new Date()));
    io.out('dbtune-agent: all startup checks passed (database, pg_stat_statements, platform)\n');
    return EXIT_OK;
  } catch (err) {
    io.err(`dbtune-agent: ${errorMessage(err)}\n`);
    return EXIT_RUNTIME;
  } finally {
    await db.end();
    await platform.forwarder.stop();
    await platform.close();
  }
}

/**
 * `dbtune-agent check`: what `run` would refuse, found before it runs. Exit 0 when all pass, 1 when
 * a check fails, 2 for what `run` refuses at start (the same message, src/cli/adapter.ts).
 *
 * 1. startup checks (database, pg_stat_statements, platform);
 * 2. the adapter starts (its API answers, its resources exist);
 * 3. the privileges apply will need: each allowlisted knob this server has that the role may not
 *    set, pg_reload_conf(), the state rollback reads — each with the exact GRANT that fixes it.
 *
 * `--print-role-sql` prints SQL that creates a least-privilege role for the connected server's
 * major version instead (for the ALTER SYSTEM adapters, local and Docker).
 */
import { roleSql } from '../../../adapters/local/privileges.js';
import type { Adapter } from '../../../adapters/types.js';
import { runStartupChecks } from '../../agent/startup.js';
import { buildHeartbeat } from '../../agent/common-agent.js';
import { createKnobPolicy, DEFAULT_ALLOWLIST } from '../../apply/index.js';
import type { Config } from '../../config/index.js';
import { errorMessage } from '../../errors.js';
import { createDb, type Db } from '../../pg/pool.js';
import { serverVersion } from '../../pg/version.js';
import { resolveAdapter } from '../adapter.js';
import { connectPlatform } from '../platform.js';
import type { GlobalOptions, Io } from '../program.js';
import { setup } from '../setup.js';
import { AGENT_VERSION } from '../version.js';
import { EXIT_OK, EXIT_RUNTIME } from '../exit-codes.js';

export interface CheckFlags {
  printRoleSql?: boolean;
}

/** Allowlisted knobs (after allowlist_add/remove) that exist on the connected server, sorted. */
async function tunableKnobs(db: Db, config: Config): Promise<string[]> {
  const policy = createKnobPolicy({
    allowlistAdd: config.tuning.allowlist_add,
    allowlistRemove: config.tuning.allowlist_remove,
  });
  const candidates = [...new Set([...DEFAULT_ALLOWLIST, ...config.tuning.allowlist_add])];
  const { rows } = await db.query<{ name: string }>(
    'SELECT name FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name',
    [candidates],
  );
  return rows.map((r) => r.name).filter((n) => policy.refusal(n) === null);
}

export async function checkCommand(g: GlobalOptions, io: Io, flags: CheckFlags = {}): Promise<number> {
  const { loaded, config, log } = setup(g, io);
  const { selection, module } = await resolveAdapter(g, io, loaded, config);
  // The adapter may supply the connection's password (Azure Entra tokens), as for `run`.
  const password = module.databasePassword?.({ config, log, env: io.env });
  const db = createDb({ connectionUrl: config.postgresql.connection_url, max: 1, password, log });
  if (flags.printRoleSql) {
    try {
      const version = await serverVersion(db);
      io.out(roleSql(version.major, await tunableKnobs(db, config)));
      return EXIT_OK;
    } catch (err) {
      io.err(`dbtune-agent: check: ${errorMessage(err)}\n`);
      return EXIT_RUNTIME;
    } finally {
      await db.end();
    }
  }
  const platform = await connectPlatform(config, log, io, { purpose: 'check' });
  let adapter: Adapter | undefined;
  try {
    await runStartupChecks(db, platform.client, buildHeartbeat(config, AGENT_VERSION, new Date()));
    io.out('dbtune-agent: startup checks passed (database, pg_stat_statements, platform)\n');
    const version = await serverVersion(db);
    adapter = await module.create({ config, db, pgVersion: version, log, env: io.env });
    io.out(`dbtune-agent: the ${selection.id} adapter started\n`);
    const backend = adapter.settings.backend;
    if (!backend.privileges) {
      io.out(`dbtune-agent: privileges: not checked by the ${backend.id} settings backend\n`);
      return EXIT_OK;
    }
    const gaps = await backend.privileges(await tunableKnobs(db, config), AbortSignal.timeout(30_000));
    if (gaps.length === 0) {
      io.out('dbtune-agent: privileges: the role may apply and roll back every allowlisted knob\n');
      return EXIT_OK;
    }
    io.err(
      `dbtune-agent: check: privileges: ${gaps.length} missing; apply would be refused or could not roll back:\n`,
    );
    for (const gap of gaps) io.err(`  - ${gap.what}\n      fix: ${gap.grant}\n`);
    return EXIT_RUNTIME;
  } catch (err) {
    io.err(`dbtune-agent: ${errorMessage(err)}\n`);
    return EXIT_RUNTIME;
  } finally {
    await adapter?.close?.().catch(() => undefined);
    await db.end();
    await platform.forwarder.stop();
    await platform.close();
  }
}

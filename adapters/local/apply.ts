/**
 * How the local and Docker adapters change settings: the apply engine (src/apply) over the ALTER
 * SYSTEM backend, with the adapter's restart (local: `restart_script_path` or `systemctl restart
 * <service_name>`; Docker: the Engine API) and, on this host, file-level rollback of
 * postgresql.auto.conf.
 */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { createApplyEngine, type ApplyEngine } from '../../src/apply/index.js';
import type { Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { Db } from '../../src/pg/pool.js';
import { alterSystemBackend } from './alter-system.js';
import type { AutoConfFile, RestartFn } from './alter-system-types.js';
import { localAutoConfFile } from './auto-conf-file.js';
import { createLocalRestart } from './restart.js';

/**
 * The restart method `postgresql.restart_script_path` or `postgresql.service_name` configures, or
 * undefined. Throws a ConfigError when restarts are allowed but there is no way to restart, or when
 * the script is unusable.
 */
export function localRestart(config: Config, log: Logger): RestartFn | undefined {
  const { restart_script_path: script, service_name: service } = config.postgresql;
  if (!script && !service) {
    if (config.postgresql.allow_restart) {
      throw new ConfigError([
        'postgresql.allow_restart: true needs postgresql.restart_script_path or postgresql.service_name (env: DBT_POSTGRESQL_RESTART_SCRIPT_PATH, DBT_POSTGRESQL_SERVICE_NAME)',
      ]);
    }
    return undefined;
  }
  return createLocalRestart({
    restartScriptPath: script || undefined,
    serviceName: service || undefined,
    timeoutMs: config.postgresql.restart_timeout_seconds * 1000,
    log,
  });
}

/**
 * postgresql.auto.conf, when this process can write it (same host, running as the postgres user or
 * root). Without it a restart that leaves PostgreSQL down cannot be rolled back from SQL, and the
 * error says so.
 */
export async function findAutoConf(db: Db, log: Logger): Promise<AutoConfFile | undefined> {
  try {
    const { rows } = await db.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    const dir = rows[0]?.dir;
    if (!dir) return undefined;
    await access(path.join(dir, 'postgresql.auto.conf'), constants.R_OK | constants.W_OK);
    return localAutoConfFile(dir);
  } catch (err) {
    log.debug(
      { err: err instanceof Error ? err.message : String(err) },
      'postgresql.auto.conf not writable here',
    );
    return undefined;
  }
}

/** The engine for an ALTER SYSTEM adapter, configured from `config`. */
export function alterSystemSettings(
  ctx: { db: Db; config: Config; log: Logger },
  extras: { restart?: RestartFn; autoConfFile?: AutoConfFile },
): ApplyEngine {
  const { db, config, log } = ctx;
  const backend = alterSystemBackend({
    db,
    log,
    restart: extras.restart,
    restartTimeoutMs: config.postgresql.restart_timeout_seconds * 1000,
    autoConfFile: extras.autoConfFile,
  });
  return createApplyEngine({ db, backend, config, log });
}

/**
 * Applying a proposal on a self-hosted PostgreSQL: the shared SQL pipeline (src/apply) with a
 * restart through `restart_script_path` or `systemctl restart <service_name>` (facts §4.3), and a
 * file-level rollback of postgresql.auto.conf when the data directory is on this host.
 */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../src/config/index.js';
import type { Logger } from '../../src/log.js';
import type { Db } from '../../src/pg/pool.js';
import type { Proposal } from '../../src/platform/types.js';
import {
  applyProposal,
  createLocalRestart,
  localAutoConfFile,
  type ApplyOptions,
  type ApplyResult,
  type AutoConfFile,
  type RestartFn,
} from '../../src/apply/index.js';

export function localRestart(config: Config, log: Logger): RestartFn | undefined {
  const { restart_script_path: script, service_name: service } = config.postgresql;
  if (!script && !service) return undefined;
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

export function applyLocally(
  db: Db,
  proposal: Proposal,
  base: ApplyOptions,
  opts: { dryRun?: boolean; signal?: AbortSignal },
): Promise<ApplyResult> {
  return applyProposal(db, proposal, { ...base, dryRun: opts.dryRun, signal: opts.signal });
}

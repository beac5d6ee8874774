/**
 * The agent, in this process, exactly as `dbtune-agent --local` wires it (src/cli/commands/run.ts)
 * but pointed at the embedded platform: the Config comes from env-style input through loadConfig,
 * so every value is validated as it would be for a real deployment. Collector intervals are the
 * production ones.
 */
import { local } from '../../../adapters/local/index.js';
import type { Adapter } from '../../../adapters/types.js';
import { BOOTSTRAP, collectorsInOrder } from '../../../collectors/index.js';
import { assembleAgent } from '../../agent/assemble.js';
import { buildHeartbeat } from '../../agent/common-agent.js';
import { DEFAULT_INTERVALS } from '../../agent/intervals.js';
import { runStartupChecks } from '../../agent/startup.js';
import { loadConfig, type Config } from '../../config/index.js';
import type { Logger } from '../../log.js';
import { createDb } from '../../pg/pool.js';
import { collectorTypes } from '../../pg/types.js';
import { serverVersion } from '../../pg/version.js';
import { PlatformClient } from '../../platform/client.js';

export interface InProcessAgentOptions {
  connectionUrl: string;
  platform: { url: string; apiKey: string; databaseId: string };
  restartScriptPath: string;
  log: Logger;
  agentVersion: string;
}

export interface InProcessAgent {
  readonly config: Config;
  /** Stop scheduling, let an in-flight apply finish (bounded), close pools. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** The demo's configuration, as the environment of a real `--local` agent would give it. */
export function demoConfig(
  o: Pick<InProcessAgentOptions, 'connectionUrl' | 'platform' | 'restartScriptPath'>,
): Config {
  const env: NodeJS.ProcessEnv = {
    DBT_POSTGRESQL_CONNECTION_URL: o.connectionUrl,
    DBT_DBTUNE_SERVER_URL: o.platform.url,
    DBT_DBTUNE_API_KEY: o.platform.apiKey,
    DBT_DBTUNE_DATABASE_ID: o.platform.databaseId,
    DBT_POSTGRESQL_ALLOW_RESTART: 'true',
    DBT_POSTGRESQL_RESTART_SCRIPT_PATH: o.restartScriptPath,
  };
  // Only these values: neither the user's DBT_* variables nor a dbtune.yaml may steer the demo.
  return loadConfig({ env, collectors: collectorsInOrder(), searchPaths: [] }).config;
}

export async function startInProcessAgent(o: InProcessAgentOptions): Promise<InProcessAgent> {
  const { log } = o;
  const config = demoConfig(o);
  const client = new PlatformClient({
    serverUrl: config.dbtune.server_url,
    apiKey: config.dbtune.api_key,
    databaseId: config.dbtune.database_id,
    log,
    agentVersion: o.agentVersion,
  });
  const pool = (readOnly: boolean) =>
    createDb({
      connectionUrl: config.postgresql.connection_url,
      max: config.postgresql.pool_max,
      statementTimeoutMs: config.postgresql.statement_timeout_ms,
      lockTimeoutMs: config.postgresql.lock_timeout_ms,
      readOnly,
      types: readOnly ? collectorTypes : undefined,
      log,
    });
  const db = pool(false);
  const collectorDb = pool(true);
  let adapter: Adapter | undefined;
  const close = async () => {
    await adapter?.close?.().catch(() => undefined);
    await Promise.allSettled([db.end(), collectorDb.end()]);
  };
  try {
    const startTime = new Date();
    await runStartupChecks(db, client, buildHeartbeat(config, o.agentVersion, startTime));
    const version = await serverVersion(db);
    adapter = await local.create({ config, db, pgVersion: version, log, env: process.env });
    const { runner } = assembleAgent({
      config,
      adapter,
      platform: client,
      db,
      collectorDb,
      pgMajor: version.major,
      registry: collectorsInOrder(),
      bootstrap: BOOTSTRAP,
      intervals: DEFAULT_INTERVALS,
      log,
      agentVersion: o.agentVersion,
      startTime,
    });
    runner.start();
    let stopped: Promise<void> | undefined;
    return {
      config,
      stop(graceMs = 5_000) {
        stopped ??= (async () => {
          const finished = await runner.stop(graceMs);
          if (!finished) log.warn('demo: agent work was still running at the stop deadline');
          await close();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

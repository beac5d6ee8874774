/**
 * `--cloudsql`: Google Cloud SQL for PostgreSQL (docs/ADAPTERS.md §5). Settings are database flags patched
 * through the SQL Admin API; hardware metrics, system info and the memory guardrail come from Cloud
 * Monitoring. Credentials: Application Default Credentials only.
 */
import { createApplyEngine } from '../../src/apply/index.js';
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import { cloudSqlBackend } from './apply.js';
import { checkInstance, cloudSqlTarget, openCloudSqlApi } from './config.js';
import { cloudSqlGuardrailReader, cloudSqlHardwareCollector } from './metrics.js';
import { cloudSqlSystemInfo } from './system-info.js';

async function create(ctx: AdapterContext): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const target = cloudSqlTarget(config);
  const api = await openCloudSqlApi(target);
  const instance = await checkInstance(api, target).catch(async (err: unknown) => {
    await api.close();
    throw err;
  });
  const backend = cloudSqlBackend({
    api,
    databaseVersion: instance.databaseVersion,
    allowRestart: config.postgresql.allow_restart,
    log,
  });
  const settings = createApplyEngine({ db, backend, log, config });
  const hardware = cloudSqlHardwareCollector(api, log);
  return {
    id: 'cloudsql',
    systemInfo: (signal) => cloudSqlSystemInfo(api, db, pgVersion, signal),
    // Internal parameters are compile-time facts Cloud SQL does not let anyone change.
    activeConfig: async () => (await readActiveConfig(db)).filter((r) => r.context !== 'internal'),
    settings,
    hardwareCollectors: () => [hardware],
    guardrailReading: cloudSqlGuardrailReader(api, log),
    close: () => api.close(),
  };
}

export const cloudsql: AdapterModule = {
  id: 'cloudsql',
  preflight: (config) => void cloudSqlTarget(config),
  create,
};

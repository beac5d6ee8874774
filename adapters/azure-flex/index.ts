/**
 * `--azure-flex`: Azure Database for PostgreSQL Flexible Server (docs/ADAPTERS.md §7). Server parameters are
 * changed through Resource Manager (the apply engine over the Azure configurations backend), system
 * info comes from the server's SKU, metrics and the memory guardrail from Azure Monitor; credentials
 * from DefaultAzureCredential only. With `auth_method: entra` the database password is an Entra token.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { createApplyEngine } from '../../src/apply/index.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import type { Adapter, AdapterContext, AdapterModule, DatabasePasswordContext } from '../types.js';
import { createAzureFlexApi } from './api.js';
import { azureConfigurationsBackend } from './apply.js';
import { createAzureClients } from './client.js';
import { azureFlexSettings } from './config.js';
import { entraPassword } from './entra.js';
import { monitorGuardrailReader, monitorHardwareCollector, monitorReader } from './metrics.js';
import { azureSystemInfo, serverSize } from './system-info.js';

/** Azure restarts and parameter operations take minutes, not the seconds of a local restart. */
const ACTIVATE_TIMEOUT_MS = 15 * 60_000;
const CHECK_TIMEOUT_MS = 30_000;

async function create(ctx: AdapterContext): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const settings = azureFlexSettings(config);
  const api = createAzureFlexApi(settings, createAzureClients(settings));
  // Fails early, naming the key, the missing credentials or the RBAC action.
  const size = serverSize(await api.getServer(AbortSignal.timeout(CHECK_TIMEOUT_MS)), settings.serverName);
  log.info(
    {
      server: settings.serverName,
      cores: size.cores,
      memoryBytes: size.memoryBytes,
      arm: settings.armEndpoint,
    },
    'azure flexible server found',
  );
  const engine = createApplyEngine({
    db,
    backend: azureConfigurationsBackend(api, { log, allowRestart: config.postgresql.allow_restart }),
    // The engine probes readiness with fresh connections from the URL; with Entra the password is
    // a token only the pool knows, so readiness goes through the pool instead.
    config:
      settings.authMethod === 'entra'
        ? { ...config, postgresql: { ...config.postgresql, connection_url: '' } }
        : config,
    log,
    timing: {
      activateTimeoutMs: Math.max(ACTIVATE_TIMEOUT_MS, config.postgresql.restart_timeout_seconds * 1000),
    },
  });
  const read = monitorReader(api);
  const hardware = monitorHardwareCollector(read);
  return {
    id: 'azure-flex',
    systemInfo: (signal) => azureSystemInfo(api, db, pgVersion, signal),
    activeConfig: () => readActiveConfig(db),
    settings: engine,
    hardwareCollectors: () => [hardware],
    guardrailReading: monitorGuardrailReader(read, size.memoryBytes),
  };
}

function databasePassword(ctx: DatabasePasswordContext): (() => Promise<string>) | undefined {
  const settings = azureFlexSettings(ctx.config);
  if (settings.authMethod !== 'entra') return undefined;
  return entraPassword(new DefaultAzureCredential(), { log: ctx.log });
}

export const azureFlex: AdapterModule = {
  id: 'azure-flex',
  preflight: (config) => void azureFlexSettings(config),
  create,
  databasePassword,
};

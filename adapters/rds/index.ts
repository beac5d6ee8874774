/**
 * `--rds` and `--aurora`: Amazon RDS for PostgreSQL and Aurora PostgreSQL. Settings
 * change through the instance's parameter groups (apply.ts) under the apply engine; system info
 * comes from the RDS and EC2 APIs; metrics and the memory guardrail from CloudWatch and Performance
 * Insights. Aurora is the same adapter with its own config section and without the WAL collectors
 * Aurora's storage layer does not serve.
 */
import { createApplyEngine } from '../../src/apply/index.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { DEFAULT_TIMING, rdsParameterGroupBackend, type RdsBackendTiming } from './apply.js';
import { startupError } from './aws-errors.js';
import { createAwsApi } from './client.js';
import { rdsSettings, type RdsVariant } from './config.js';
import { describeInstance, type InstanceInfo, type SizeCache } from './instance.js';
import { rdsGuardrailReader, rdsHardwareCollector } from './metrics.js';
import { rdsSystemInfo } from './system-info.js';

/** Aurora's storage has no WAL files of its own: pg_stat_wal and pg_stat_wal_receiver are not served. */
export const AURORA_DISABLED_COLLECTORS = ['pg_stat_wal', 'pg_stat_wal_receiver'] as const;
const STARTUP_TIMEOUT_MS = 60_000;

export interface RdsAdapterOptions {
  timing?: Partial<RdsBackendTiming>;
  now?: () => number;
}

export async function createRdsAdapter(
  ctx: AdapterContext,
  variant: RdsVariant,
  opts: RdsAdapterOptions = {},
): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const settings = rdsSettings(config, variant);
  const api = createAwsApi(settings);
  const sizes: SizeCache = new Map();
  let info: InstanceInfo;
  try {
    info = await describeInstance(api, settings, AbortSignal.timeout(STARTUP_TIMEOUT_MS), sizes);
  } catch (err) {
    api.close();
    throw startupError(err, settings);
  }
  log.info(
    {
      instance: info.id,
      instanceClass: info.instanceClass,
      parameterGroup: info.parameterGroup.name,
      clusterParameterGroup: info.cluster?.parameterGroup.name,
      performanceInsights: info.piEnabled,
    },
    'DB instance found',
  );
  const refresh = async (signal: AbortSignal) =>
    (info = await describeInstance(api, settings, signal, sizes));
  const timing = { ...DEFAULT_TIMING, ...opts.timing };
  const backend = rdsParameterGroupBackend({ api, settings, log, timing });
  const engine = createApplyEngine({
    db,
    backend,
    config,
    log,
    // Activation covers the wait for ParameterApplyStatus and, for a restart, the whole reboot.
    timing: { activateTimeoutMs: timing.applyTimeoutMs + 2 * timing.availableTimeoutMs },
  });
  const deps = { api, instanceId: settings.instanceId, instance: () => info, log, now: opts.now ?? Date.now };
  const hardware = rdsHardwareCollector(deps);
  return {
    id: variant,
    systemInfo: (signal) => rdsSystemInfo(refresh, variant, db, pgVersion, signal),
    activeConfig: () => readActiveConfig(db),
    settings: engine,
    hardwareCollectors: () => [hardware],
    guardrailReading: rdsGuardrailReader(deps),
    ...(variant === 'aurora' ? { disabledCollectors: AURORA_DISABLED_COLLECTORS } : {}),
    close: () => Promise.resolve(api.close()),
  };
}

export const rds: AdapterModule = {
  id: 'rds',
  preflight: (config) => void rdsSettings(config, 'rds'),
  create: (ctx) => createRdsAdapter(ctx, 'rds'),
};

export const aurora: AdapterModule = {
  id: 'aurora',
  preflight: (config) => void rdsSettings(config, 'aurora'),
  create: (ctx) => createRdsAdapter(ctx, 'aurora'),
};

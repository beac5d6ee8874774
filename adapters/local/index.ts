/**
 * `--local`: a self-hosted PostgreSQL on this host (docs/ADAPTERS.md §2), and the fallback when no other
 * adapter is configured. Host metrics via systeminformation; memory guardrail from the cgroup when
 * the agent runs in a container with a limit, else from the host.
 */
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { readContainerMemory } from '../../guardrails/index.js';
import { ActiveConfigCache, invalidateAfterApply } from '../../src/pg/settings-cache.js';
import { silentLogger } from '../../src/log.js';
import { alterSystemSettings, findAutoConf, localRestart } from './apply.js';
import { hostHardwareCollector } from './metrics.js';
import { localSystemInfo } from './system-info.js';

async function create(ctx: AdapterContext): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const restart = localRestart(config, log);
  const autoConfFile = await findAutoConf(db, log);
  const hardware = hostHardwareCollector();
  const settings = alterSystemSettings(ctx, { restart, autoConfFile });
  // pg_settings in full only when a reload, a restart or our own apply may have changed it.
  const activeConfig = new ActiveConfigCache(db);
  return {
    id: 'local',
    systemInfo: () => localSystemInfo(db, pgVersion),
    activeConfig: () => activeConfig.read(),
    settings: invalidateAfterApply(settings, activeConfig),
    hardwareCollectors: () => [hardware],
    guardrailReading: () => readContainerMemory(),
  };
}

export const local: AdapterModule = {
  id: 'local',
  preflight: (config) => void localRestart(config, silentLogger()),
  create,
};

/**
 * `--local`: a self-hosted PostgreSQL on this host (docs/ADAPTERS.md §2), and the fallback when no other
 * adapter is configured. Host metrics via systeminformation; memory guardrail from the cgroup when
 * the agent runs in a container with a limit, else from the host.
 */
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { readContainerMemory } from '../../guardrails/index.js';
import { readActiveConfig } from '../../src/pg/settings.js';
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
  return {
    id: 'local',
    systemInfo: () => localSystemInfo(db, pgVersion),
    activeConfig: () => readActiveConfig(db),
    settings,
    hardwareCollectors: () => [hardware],
    guardrailReading: () => readContainerMemory(),
  };
}

export const local: AdapterModule = {
  id: 'local',
  preflight: (config) => void localRestart(config, silentLogger()),
  create,
};

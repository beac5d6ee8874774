/**
 * `--docker`: PostgreSQL in a Docker container (docs/ADAPTERS.md §3). Container metrics, system info and the
 * memory guardrail come from the Docker Engine API; configuration is applied with ALTER SYSTEM and
 * the container is restarted through the engine when a knob needs it.
 */
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { ActiveConfigCache, invalidateAfterApply } from '../../src/pg/settings-cache.js';
import { alterSystemSettings } from '../local/apply.js';
import { dockerRestart } from './apply.js';
import { createDockerApi } from './client.js';
import { checkContainer, dockerSettings } from './config.js';
import { containerGuardrailReader, containerHardwareCollector } from './metrics.js';
import { dockerSystemInfo } from './system-info.js';

async function create(ctx: AdapterContext): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const docker = dockerSettings(config, ctx.env);
  const { container } = docker;
  const api = createDockerApi(docker.endpoint);
  await checkContainer(api, docker);
  const timeoutMs = config.postgresql.restart_timeout_seconds * 1000;
  const settings = alterSystemSettings(ctx, { restart: dockerRestart(api, container, { timeoutMs, log }) });
  const hardware = containerHardwareCollector(api, container);
  // pg_settings in full only when a reload, a restart or our own apply may have changed it.
  const activeConfig = new ActiveConfigCache(db);
  return {
    id: 'docker',
    systemInfo: (signal) => dockerSystemInfo(api, container, db, pgVersion, signal),
    activeConfig: () => activeConfig.read(),
    settings: invalidateAfterApply(settings, activeConfig),
    hardwareCollectors: () => [hardware],
    guardrailReading: containerGuardrailReader(api, container, log),
  };
}

export const docker: AdapterModule = {
  id: 'docker',
  preflight: (config, env) => void dockerSettings(config, env),
  create,
};

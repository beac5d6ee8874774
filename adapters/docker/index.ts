/**
 * `--docker`: PostgreSQL in a Docker container (facts §7.2). Container metrics, system info and the
 * memory guardrail come from the Docker Engine API; configuration is applied with ALTER SYSTEM and
 * the container is restarted through the engine when a knob needs it.
 */
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import { applyInContainer, dockerRestart } from './apply.js';
import { createDockerApi } from './client.js';
import { checkContainer, dockerSettings } from './config.js';
import { containerGuardrailReader, containerHardwareCollector } from './metrics.js';
import { dockerSystemInfo } from './system-info.js';

async function create(ctx: AdapterContext): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const settings = dockerSettings(config, ctx.env);
  const { container } = settings;
  const api = createDockerApi(settings.endpoint);
  await checkContainer(api, settings);
  const timeoutMs = config.postgresql.restart_timeout_seconds * 1000;
  const applyBase = {
    allowRestart: config.postgresql.allow_restart,
    allowlistAdd: config.tuning.allowlist_add,
    allowlistRemove: config.tuning.allowlist_remove,
    restart: dockerRestart(api, container, { timeoutMs, log }),
    readyTimeoutMs: timeoutMs,
    connectionUrl: config.postgresql.connection_url,
    log,
  };
  const hardware = containerHardwareCollector(api, container);
  return {
    id: 'docker',
    systemInfo: (signal) => dockerSystemInfo(api, container, db, pgVersion, signal),
    activeConfig: () => readActiveConfig(db),
    apply: (proposal, opts) => applyInContainer(db, proposal, applyBase, opts),
    hardwareCollectors: () => [hardware],
    guardrailReading: containerGuardrailReader(api, container, log),
  };
}

export const docker: AdapterModule = {
  id: 'docker',
  create,
};

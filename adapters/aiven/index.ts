/**
 * `--aiven`: Aiven for PostgreSQL (docs/ADAPTERS.md §6). Settings go into the service's `user_config` through
 * the Aiven API; hardware metrics and the memory guardrail come from the service metrics.
 */
import { createApplyEngine } from '../../src/apply/index.js';
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import { aivenActiveConfig } from './active-config.js';
import { aivenBackend, translatingEngine } from './apply.js';
import { createAivenApi } from './client.js';
import { aivenTarget, checkService } from './config.js';
import { aivenGuardrailReader, aivenHardwareCollector, AivenMetricsCache } from './metrics.js';
import { aivenSystemInfo, memoryBytes } from './system-info.js';

async function create(ctx: AdapterContext): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const s = aivenTarget(config);
  const api = createAivenApi(s);
  let memory = memoryBytes(await checkService(api, s));
  const memoryNow = () => memory;
  const backend = aivenBackend({ api, log, memoryBytes: memoryNow });
  const settings = translatingEngine(createApplyEngine({ db, backend, log, config }), memoryNow);
  const cache = new AivenMetricsCache(api, s.resolutionMs);
  const hardware = aivenHardwareCollector(cache);
  return {
    id: 'aiven',
    systemInfo: (signal) =>
      aivenSystemInfo(api, db, pgVersion, signal, (svc) => {
        memory = memoryBytes(svc);
      }),
    activeConfig: async (signal) => {
      const [rows, svc] = await Promise.all([readActiveConfig(db), api.getService(signal)]);
      return aivenActiveConfig(rows, svc.userConfig);
    },
    settings,
    hardwareCollectors: () => [hardware],
    guardrailReading: aivenGuardrailReader(cache, memoryNow, log),
  };
}

export const aiven: AdapterModule = {
  id: 'aiven',
  preflight: (config) => void aivenTarget(config),
  create,
};

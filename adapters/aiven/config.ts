/**
 * The adapter's settings (`aiven.AIVEN_API_TOKEN`, `aiven.AIVEN_PROJECT_NAME`,
 * `aiven.AIVEN_SERVICE_NAME`, `aiven.api_url`, `aiven.metric_resolution_seconds`) and the
 * creation-time look at the service: it must exist, be readable with the token, and be PostgreSQL.
 */
import type { Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { registerSecret } from '../../src/log.js';
import {
  AivenCallError,
  DEFAULT_API_URL,
  type AivenApi,
  type AivenService,
  type AivenTarget,
} from './client.js';

export const TOKEN_KEY = 'aiven.AIVEN_API_TOKEN (env: DBT_AIVEN_API_TOKEN)';
export const PROJECT_KEY = 'aiven.AIVEN_PROJECT_NAME (env: DBT_AIVEN_PROJECT_NAME)';
export const SERVICE_KEY = 'aiven.AIVEN_SERVICE_NAME (env: DBT_AIVEN_SERVICE_NAME)';
const CHECK_TIMEOUT_MS = 30_000;

export interface AivenAdapterTarget extends AivenTarget {
  resolutionMs: number;
}

export function aivenTarget(config: Config): AivenAdapterTarget {
  const a = config.aiven;
  const token = a.AIVEN_API_TOKEN.trim();
  const project = a.AIVEN_PROJECT_NAME.trim();
  const service = a.AIVEN_SERVICE_NAME.trim();
  const problems: string[] = [];
  if (!token) problems.push(`${TOKEN_KEY}: required for --aiven`);
  if (!project) problems.push(`${PROJECT_KEY}: required for --aiven`);
  if (!service) problems.push(`${SERVICE_KEY}: required for --aiven`);
  if (problems.length) throw new ConfigError(problems);
  registerSecret(token);
  return {
    token,
    project,
    service,
    apiUrl: a.api_url.trim() || DEFAULT_API_URL,
    resolutionMs: a.metric_resolution_seconds * 1000,
  };
}

/** Read the service once; an unknown service or a refused token is a configuration error. */
export async function checkService(api: AivenApi, s: AivenAdapterTarget): Promise<AivenService> {
  let svc: AivenService;
  try {
    svc = await api.getService(AbortSignal.timeout(CHECK_TIMEOUT_MS));
  } catch (err) {
    if (err instanceof AivenCallError && err.kind === 'not-found') {
      throw new ConfigError([
        `${SERVICE_KEY}: no service "${s.service}" in project "${s.project}" (${PROJECT_KEY})`,
      ]);
    }
    if (err instanceof AivenCallError && err.kind === 'permission') {
      throw new ConfigError([`${TOKEN_KEY}: ${err.message}`]);
    }
    throw err;
  }
  if (!(svc.nodeMemoryMb > 0) || !(svc.nodeCpuCount > 0)) {
    throw new Error(`aiven: service.get: service "${s.service}" reports no node_memory_mb / node_cpu_count`);
  }
  return svc;
}

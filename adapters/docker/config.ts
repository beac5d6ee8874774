/**
 * The adapter's settings (`docker.container_name`, env DBT_DOCKER_CONTAINER_NAME, plus the engine
 * address from DOCKER_HOST) and the creation-time check that the container exists and runs.
 */
import type { Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import {
  describeEndpoint,
  dockerEndpoint,
  engineError,
  type DockerApi,
  type DockerEndpoint,
} from './client.js';

const KEY = 'docker.container_name (env: DBT_DOCKER_CONTAINER_NAME)';
const CHECK_TIMEOUT_MS = 10_000;

export interface DockerSettings {
  container: string;
  endpoint: DockerEndpoint;
}

export function dockerSettings(config: Config, env: NodeJS.ProcessEnv): DockerSettings {
  const container = config.docker.container_name.trim();
  if (!container) throw new ConfigError([`${KEY}: required for --docker`]);
  return { container, endpoint: dockerEndpoint(env) };
}

/**
 * Inspect the container: it must exist (ConfigError otherwise: the setting names a container the
 * engine does not know) and be running. An unreachable engine is a runtime error naming the address.
 */
export async function checkContainer(api: DockerApi, s: DockerSettings): Promise<void> {
  const where = describeEndpoint(s.endpoint);
  let running: boolean | undefined;
  let status: string | undefined;
  try {
    const info = await api.inspect(s.container, AbortSignal.timeout(CHECK_TIMEOUT_MS));
    running = info.State?.Running;
    status = info.State?.Status;
  } catch (err) {
    const e = engineError(err);
    if (e.status === 404) {
      throw new ConfigError([`${KEY}: no container named "${s.container}" on the Docker engine at ${where}`]);
    }
    throw new Error(
      `docker: cannot inspect container "${s.container}" (${KEY}) at ${where}: ${e.message}` +
        (e.status === undefined ? ' (is the engine running, and may this user use its socket?)' : ''),
      { cause: err },
    );
  }
  if (running !== true) {
    throw new Error(
      `docker: container "${s.container}" (${KEY}) is not running (state: ${status ?? 'unknown'})`,
    );
  }
}

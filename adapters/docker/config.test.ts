import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { DockerApi } from './client.js';
import { checkContainer } from './config.js';

function api(inspect: DockerApi['inspect']): DockerApi {
  return {
    inspect,
    stats: () => Promise.reject(new Error('unused')),
    restart: () => Promise.reject(new Error('unused')),
    hostMemory: () => Promise.reject(new Error('unused')),
  };
}

describe('checkContainer', () => {
  const settings = { container: 'pg', endpoint: { kind: 'unix' as const, socketPath: '/s.sock' } };

  it('passes for a running container', async () => {
    await expect(
      checkContainer(
        api(() => Promise.resolve({ Id: 'x', State: { Running: true } })),
        settings,
      ),
    ).resolves.toBeUndefined();
  });

  it('unknown container: ConfigError naming the setting and its env var', async () => {
    const notFound = Object.assign(new Error('(HTTP code 404) no such container'), {
      statusCode: 404,
      json: { message: 'No such container: pg' },
    });
    const err = await checkContainer(
      api(() => Promise.reject(notFound)),
      settings,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      'docker.container_name (env: DBT_DOCKER_CONTAINER_NAME): no container named "pg" on the Docker engine at unix:///s.sock',
    );
  });

  it('stopped container: error naming the state', async () => {
    const stopped = () => Promise.resolve({ Id: 'x', State: { Running: false, Status: 'exited' } });
    await expect(checkContainer(api(stopped), settings)).rejects.toThrow(
      'docker: container "pg" (docker.container_name (env: DBT_DOCKER_CONTAINER_NAME)) is not running (state: exited)',
    );
  });

  it('unreachable engine: error naming the address and the socket permission hint', async () => {
    const refused = () => Promise.reject(new Error('connect EACCES /s.sock'));
    await expect(checkContainer(api(refused), settings)).rejects.toThrow(
      /at unix:\/\/\/s\.sock: connect EACCES \/s\.sock \(is the engine running, and may this user use its socket\?\)/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { DEFAULT_SOCKET, describeEndpoint, dockerEndpoint, engineError } from './client.js';

describe('dockerEndpoint (DOCKER_HOST like the docker CLI)', () => {
  it('defaults to /var/run/docker.sock', () => {
    expect(dockerEndpoint({})).toEqual({ kind: 'unix', socketPath: DEFAULT_SOCKET });
    expect(dockerEndpoint({ DOCKER_HOST: '  ' })).toEqual({ kind: 'unix', socketPath: DEFAULT_SOCKET });
  });

  it('reads unix:// paths', () => {
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({
      kind: 'unix',
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'unix://' })).toEqual({ kind: 'unix', socketPath: DEFAULT_SOCKET });
  });

  it('reads tcp://host:port, with TLS when DOCKER_TLS_VERIFY is set', () => {
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375', HOME: '/home/u' })).toEqual({
      kind: 'tcp',
      host: '10.0.0.5',
      port: 2375,
      tls: false,
      certPath: '/home/u/.docker',
    });
    const tls = dockerEndpoint({
      DOCKER_HOST: 'tcp://docker.example:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/certs',
    });
    expect(tls).toEqual({ kind: 'tcp', host: 'docker.example', port: 2376, tls: true, certPath: '/certs' });
    expect(describeEndpoint(tls)).toBe('https://docker.example:2376');
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://docker.example' })).toMatchObject({ port: 2375, tls: false });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://docker.example', DOCKER_TLS_VERIFY: '1' })).toMatchObject({
      port: 2376,
    });
  });

  it('refuses other schemes with a ConfigError naming DOCKER_HOST', () => {
    for (const bad of ['ssh://u@host', 'npipe:////./pipe/docker_engine', 'http://host:2375', 'host:2375']) {
      const err = (() => {
        try {
          dockerEndpoint({ DOCKER_HOST: bad });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^DOCKER_HOST: /);
    }
  });
});

describe('engineError', () => {
  it('prefers the engine JSON message and keeps the status', () => {
    const err = Object.assign(new Error('(HTTP code 404) no such container - No such container: x '), {
      statusCode: 404,
      json: { message: 'No such container: x' },
    });
    expect(engineError(err)).toEqual({ status: 404, message: 'HTTP 404: No such container: x' });
  });

  it('passes connection errors through', () => {
    expect(engineError(new Error('connect ENOENT /var/run/docker.sock'))).toEqual({
      status: undefined,
      message: 'connect ENOENT /var/run/docker.sock',
    });
  });
});

/**
 * The Docker Engine API client (dockerode) and the four calls this adapter makes. The engine is
 * found like the docker CLI finds it: `DOCKER_HOST` (`unix:///path` or `tcp://host:port`; TLS with
 * `DOCKER_TLS_VERIFY` and the certificates in `DOCKER_CERT_PATH`), else `/var/run/docker.sock`.
 * Requests carry no `/v1.xx` prefix, so the engine answers with its own API version (no pinning).
 * https://docs.docker.com/reference/api/engine/#api-version-matrix
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { ConfigError } from '../../src/errors.js';
import type { ContainerStatsSample, CpuLimits } from './stats.js';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean; certPath: string };

/** Where the engine is, from the environment (docker CLI rules). Throws ConfigError when unusable. */
export function dockerEndpoint(env: NodeJS.ProcessEnv): DockerEndpoint {
  const raw = env.DOCKER_HOST?.trim() ?? '';
  if (raw === '') return { kind: 'unix', socketPath: DEFAULT_SOCKET };
  if (raw.startsWith('unix://'))
    return { kind: 'unix', socketPath: raw.slice('unix://'.length) || DEFAULT_SOCKET };
  if (raw.startsWith('tcp://')) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError([`DOCKER_HOST: ${raw} is not a valid tcp://host:port address`]);
    }
    const tls = (env.DOCKER_TLS_VERIFY ?? '') !== '';
    const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
    if (!url.hostname) throw new ConfigError([`DOCKER_HOST: ${raw} has no host`]);
    const certPath = env.DOCKER_CERT_PATH || path.join(env.HOME || os.homedir(), '.docker');
    return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port, tls, certPath };
  }
  throw new ConfigError([
    `DOCKER_HOST: unsupported address ${raw} (use unix:///path/to/docker.sock or tcp://host:port)`,
  ]);
}

export function describeEndpoint(e: DockerEndpoint): string {
  return e.kind === 'unix' ? `unix://${e.socketPath}` : `${e.tls ? 'https' : 'tcp'}://${e.host}:${e.port}`;
}

/** Container inspect (`GET /containers/{id}/json`), the fields this adapter reads. */
export interface ContainerInfo {
  Id: string;
  Name?: string;
  State?: { Running?: boolean; Status?: string };
  Config?: { Image?: string };
  HostConfig?: CpuLimits & { Memory?: number };
}

/** The Engine API calls the adapter makes; `createDockerApi` implements it with dockerode. */
export interface DockerApi {
  inspect(container: string, signal: AbortSignal): Promise<ContainerInfo>;
  /** One sample (`stream=false`); `oneShot` skips the engine's wait for a second CPU sample. */
  stats(container: string, signal: AbortSignal, oneShot: boolean): Promise<ContainerStatsSample>;
  restart(container: string, signal: AbortSignal): Promise<void>;
  /** Total memory of the engine's host (`GET /info` MemTotal). */
  hostMemory(signal: AbortSignal): Promise<number>;
}

function dockerOptions(e: DockerEndpoint): Docker.DockerOptions {
  // Every connection key is given explicitly: docker-modem would otherwise merge in its own reading
  // of process.env.DOCKER_HOST, and a socketPath is ignored whenever a host is set.
  const none = {
    host: undefined,
    port: undefined,
    socketPath: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  };
  if (e.kind === 'unix') return { ...none, socketPath: e.socketPath, protocol: 'http' };
  if (!e.tls) return { ...none, host: e.host, port: e.port, protocol: 'http' };
  const read = (f: string) => readFileSync(path.join(e.certPath, f));
  return {
    ...none,
    host: e.host,
    port: e.port,
    protocol: 'https',
    ca: read('ca.pem'),
    cert: read('cert.pem'),
    key: read('key.pem'),
  };
}

/** An Engine API error's message without dockerode's `(HTTP code N) reason - ` decoration, plus the status. */
export function engineError(err: unknown): { status: number | undefined; message: string } {
  const e = err as { statusCode?: unknown; json?: { message?: unknown }; message?: unknown };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const fromJson = typeof e?.json?.message === 'string' ? e.json.message : undefined;
  const message = fromJson ?? (typeof e?.message === 'string' ? e.message.trim() : String(err));
  return { status, message: status ? `HTTP ${status}: ${message}` : message };
}

export function createDockerApi(endpoint: DockerEndpoint): DockerApi {
  const docker = new Docker(dockerOptions(endpoint));
  return {
    async inspect(container, signal) {
      return await docker.getContainer(container).inspect({ abortSignal: signal });
    },
    async stats(container, signal, oneShot) {
      // @types/dockerode omits abortSignal on stats; dockerode honours it on every call.
      const opts = { stream: false as const, 'one-shot': oneShot, abortSignal: signal };
      return await docker.getContainer(container).stats(opts);
    },
    async restart(container, signal) {
      await docker.getContainer(container).restart({ abortSignal: signal });
    },
    async hostMemory(signal) {
      // @types/dockerode omits info's options; dockerode passes abortSignal through.
      const info = (await (docker.info as (o: { abortSignal: AbortSignal }) => Promise<unknown>).call(
        docker,
        {
          abortSignal: signal,
        },
      )) as { MemTotal?: unknown };
      const total = Number(info.MemTotal);
      if (!(total > 0)) throw new Error('docker: info: MemTotal missing');
      return total;
    },
  };
}

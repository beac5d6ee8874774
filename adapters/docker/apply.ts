/**
 * Restarting PostgreSQL in a container, for the ALTER SYSTEM backend (adapters/local/apply.ts):
 * the Docker Engine API, `POST /containers/{id}/restart` (docs/PROTOCOL.md §4.3). A restart
 * starts a stopped container too, which the RestartFn contract requires.
 * https://docs.docker.com/reference/api/engine/version/v1.47/#tag/Container/operation/ContainerRestart
 */
import type { RestartFn } from '../local/alter-system-types.js';
import type { Logger } from '../../src/log.js';
import { engineError, type DockerApi } from './client.js';

export interface DockerRestartOptions {
  /** Upper bound for one restart call. */
  timeoutMs: number;
  log?: Logger;
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'TimeoutError' ? 'timed out' : 'aborted';
}

/** A RestartFn that restarts the container; bounded by `timeoutMs` and the caller's signal. */
export function dockerRestart(api: DockerApi, container: string, opts: DockerRestartOptions): RestartFn {
  return async (signal) => {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const started = Date.now();
    try {
      await api.restart(container, AbortSignal.any([signal, timeout]));
      opts.log?.info({ container, durationMs: Date.now() - started }, 'container restarted');
    } catch (err) {
      const reason = timeout.aborted
        ? `timed out after ${opts.timeoutMs} ms`
        : signal.aborted
          ? abortReason(signal)
          : engineError(err).message;
      opts.log?.error({ container, err: reason }, 'container restart failed');
      throw new Error(`apply: restart: docker restart of container ${container} failed: ${reason}`, {
        cause: err,
      });
    }
  };
}

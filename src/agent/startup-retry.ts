/**
 * Starting through a transient outage. An agent started while the platform is briefly down (5xx,
 * connection refused, timeouts) or while PostgreSQL is still starting up (SQLSTATE 57P03
 * cannot_connect_now) retries with back-off for up to `startup_timeout` instead of exiting, as
 * a daemon restarted together with its dependencies must. What needs a fix — 401/403/404 from the
 * platform, an untrusted certificate, a refused login, a missing extension, bad configuration —
 * still fails at once, so the operator sees the fix immediately.
 *
 * One log line per class of failure (not per attempt); the attempts themselves log at debug.
 * SQLSTATE codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { sqlState } from '../pg/sqlstate.js';
import { PlatformError } from '../platform/platform-error.js';

/** What kind of transient failure this is, or null when it must not be retried. */
export type TransientClass = 'platform unavailable' | 'database starting up';

/** The error itself, then its `cause` chain (StartupCheckError wraps what failed). */
function* chain(err: unknown): Generator<unknown> {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

export function transientClass(err: unknown): TransientClass | null {
  for (const e of chain(err)) {
    if (e instanceof PlatformError) return e.transient === true ? 'platform unavailable' : null;
    if (sqlState(e) === '57P03') return 'database starting up';
  }
  return null;
}

export interface StartupRetryOptions {
  /** `startup_timeout` in ms; 0: a single attempt. */
  timeoutMs: number;
  log: Logger;
  /** Shutdown: stop retrying and resolve undefined. */
  signal: AbortSignal;
  /** First back-off (default 1 s), doubling up to maxBackoffMs (default 5 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class StartupTimeoutError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'StartupTimeoutError';
  }
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * Run `attempt` until it succeeds, a non-transient error occurs (rethrown as is), the timeout
 * passes (StartupTimeoutError naming the last error) or `signal` aborts (resolves undefined).
 */
export async function retryStartup<T>(
  attempt: () => Promise<T>,
  o: StartupRetryOptions,
): Promise<T | undefined> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const started = now();
  const seen = new Set<TransientClass>();
  let backoff = o.minBackoffMs ?? 1_000;
  for (let n = 1; ; n++) {
    if (o.signal.aborted) return undefined;
    try {
      const value = await attempt();
      if (seen.size > 0) {
        o.log.info({ attempts: n, waitedMs: now() - started }, 'startup: dependencies reachable; continuing');
      }
      return value;
    } catch (err) {
      const kind = transientClass(err);
      if (kind === null || o.signal.aborted) throw err;
      const elapsed = now() - started;
      if (elapsed + backoff > o.timeoutMs) {
        throw new StartupTimeoutError(
          `${errorMessage(err)} (still failing after ${Math.round(elapsed / 1000)} s of retries; ` +
            `startup_timeout is ${Math.round(o.timeoutMs / 1000)} s, env: DBT_STARTUP_TIMEOUT)`,
          { cause: err },
        );
      }
      const fields = { class: kind, err: errorMessage(err), timeoutMs: o.timeoutMs };
      if (seen.has(kind)) o.log.debug({ ...fields, attempt: n, backoffMs: backoff }, 'startup: retrying');
      else o.log.warn(fields, 'startup: dependency not ready; retrying with back-off');
      seen.add(kind);
      await sleep(backoff, o.signal);
      // Capped at one metrics interval: once the platform is back, the agent is running within ~5 s.
      backoff = Math.min(backoff * 2, o.maxBackoffMs ?? 5_000);
    }
  }
}

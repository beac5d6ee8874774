/**
 * Repeated-failure logging: the first failure of a task is a warning (and so reaches the
 * platform's raw logs), identical repeats are debug, and recovery is one info line with the count.
 * A dead endpoint polled every 5 s therefore costs one warning, not 720 an hour.
 *
 * While a cluster recovers from a failover (CloudNativePG, Patroni) its adapter's reads fail with a
 * `FailoverDetectedError` that is not fresh: the failover was already reported once, so those
 * failures are debug lines and start no streak.
 */
import { FailoverDetectedError } from '../errors.js';
import type { Logger } from '../log.js';

interface Streak {
  message: string;
  count: number;
  since: number;
}

export class FailureLog {
  private readonly streaks = new Map<string, Streak>();
  constructor(private readonly log: Logger) {}

  failed(task: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (duringFailoverRecovery(err)) {
      this.log.debug({ task, err: message }, 'task skipped: failover recovery in progress');
      return;
    }
    const s = this.streaks.get(task);
    if (s && s.message === message) {
      s.count++;
      this.log.debug({ task, err: message, repeats: s.count }, 'task failed again');
      return;
    }
    this.streaks.set(task, { message, count: 1, since: Date.now() });
    this.log.warn({ task, err: message }, 'task failed');
  }

  succeeded(task: string): void {
    const s = this.streaks.get(task);
    if (!s) return;
    this.streaks.delete(task);
    this.log.info({ task, failures: s.count, forMs: Date.now() - s.since }, 'task recovered');
  }
}

/** A non-fresh FailoverDetectedError, itself or as the cause of a wrapping error. */
function duringFailoverRecovery(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof FailoverDetectedError) return !e.fresh;
  }
  return false;
}

/**
 * Failover detection for a CloudNativePG cluster. The operator promotes a replica on its own; the
 * agent must notice (the primary it measures and tunes is another pod, possibly with other
 * resources), tell the platform once, and not apply anything until the cluster has settled.
 *
 * - First observation records the primary.
 * - `currentPrimary` changed, or `targetPrimary` ≠ `currentPrimary` (a failover or switchover under
 *   way): a fresh `FailoverDetectedError`; recovery starts. The promotion of the announced target
 *   that follows is the same failover (not fresh) but restarts the quiet period.
 * - During recovery every check throws a non-fresh `FailoverDetectedError` (the runner skips the
 *   tick quietly) until the cluster is healthy, `stabilizeMs` have passed since the last primary
 *   change, and the database answers as a primary (`pg_is_in_recovery()` false).
 * - While the agent's own restart runs (and when it ends), a primary change is accepted silently:
 *   a switchover the operator performs for our restart is not a failover.
 */
import { FailoverDetectedError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { ClusterStatus } from './client.js';
import { describeStatus, isHealthy, isPlaceholder } from './cluster-state.js';

export interface FailoverWatchOptions {
  log: Logger;
  /** Injected clock (ms). */
  now: () => number;
  /** Quiet period after the last primary change before applies resume (default 30 s). */
  stabilizeMs?: number;
}

export class FailoverWatch {
  private tracked: string | null = null;
  private recoveringSince: number | null = null;
  /** The new primary last reported to the platform. */
  private announced: string | null = null;
  private ownRestarts = 0;
  private readonly stabilizeMs: number;

  constructor(private readonly o: FailoverWatchOptions) {
    this.stabilizeMs = o.stabilizeMs ?? 30_000;
  }

  get primary(): string | null {
    return this.tracked;
  }

  get recovering(): boolean {
    return this.recoveringSince !== null;
  }

  /** Our own restart begins: primary changes are expected until `endOwnRestart`. */
  beginOwnRestart(): void {
    this.ownRestarts++;
  }

  /** Our own restart ended; `primary` is the primary rediscovered afterwards (if known). */
  endOwnRestart(primary: string | null): void {
    this.ownRestarts = Math.max(0, this.ownRestarts - 1);
    if (primary && !isPlaceholder(primary)) {
      if (this.tracked && primary !== this.tracked)
        this.o.log.info({ from: this.tracked, to: primary }, 'primary moved during our restart (switchover)');
      this.tracked = primary;
    }
  }

  /**
   * Check one status reading. `primaryReady` reports whether the database answers as a primary;
   * it is only called while recovering. Throws FailoverDetectedError (see the file comment).
   */
  async check(status: ClusterStatus | undefined, primaryReady: () => Promise<boolean>): Promise<void> {
    const current = status?.currentPrimary?.trim();
    const target = status?.targetPrimary?.trim();
    const known = (n: string | undefined): n is string => !isPlaceholder(n);
    if (this.ownRestarts > 0) {
      if (known(current)) this.tracked = current;
      return;
    }
    if (this.tracked === null) {
      if (known(current)) this.tracked = current;
      return;
    }
    const changed = known(current) && current !== this.tracked;
    const moving = known(target) && target !== (known(current) ? current : this.tracked);
    if (changed || (moving && this.recoveringSince === null)) {
      const from = this.tracked;
      const to = changed ? current : target;
      // The primary becoming the target already reported is the same failover, not a new one.
      const fresh = !(this.recoveringSince !== null && to === this.announced);
      if (changed) this.tracked = current;
      this.recoveringSince = this.o.now();
      this.announced = to ?? null;
      throw new FailoverDetectedError(
        `cnpg: failover detected: primary ${from} → ${to} (${describeStatus(status)})`,
        { fresh },
      );
    }
    if (this.recoveringSince === null) return;
    if (moving) this.recoveringSince = this.o.now();
    const elapsed = this.o.now() - this.recoveringSince;
    if (isHealthy(status) && elapsed >= this.stabilizeMs && (await primaryReady())) {
      this.recoveringSince = null;
      this.o.log.info({ primary: this.tracked }, 'failover recovery complete; applies resume');
      return;
    }
    throw new FailoverDetectedError(
      `cnpg: failover detected: waiting for the cluster to recover (${describeStatus(status)}; ${Math.round(elapsed / 1000)} s since the primary changed, ${Math.round(this.stabilizeMs / 1000)} s required)`,
      { fresh: false },
    );
  }
}

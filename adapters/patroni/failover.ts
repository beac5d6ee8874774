/**
 * Failover tracking for a Patroni cluster. The leader seen in `GET /cluster` is tracked; when it
 * changes, or the cluster loses its leader, a failover episode starts:
 * - `check` throws FailoverDetectedError (fresh: true the first time) and keeps throwing while the
 *   cluster stabilises: at least 30 s, then until a leader is `running` and PostgreSQL answers;
 * - the episode lasts a 5-minute grace period: a further leader change inside it belongs to the
 *   same failover (the stabilisation restarts, nothing new is reported); after it, tracking clears.
 * Our own restarts open an intentional-restart window: a leader that vanishes or changes while we
 * restart members is never reported as a failover (a change still has to stabilise).
 * Time comes from an injected clock, so tests need no sleeps.
 */
import { FailoverDetectedError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { isLeader, type PatroniMember } from './client.js';

export const STABILISATION_MS = 30_000;
export const GRACE_MS = 5 * 60_000;
/**
 * How long after our last restart a leader change is still ours: Patroni's view can lag by one HA
 * loop (`loop_wait`, 10 s by default).
 */
export const RESTART_TAIL_MS = 10_000;

export interface FailoverDeps {
  cluster(signal: AbortSignal): Promise<PatroniMember[]>;
  /** Whether this node's PostgreSQL answers (throws when not). */
  ping(signal: AbortSignal): Promise<void>;
  log: Logger;
  now?: () => number;
  stabilisationMs?: number;
  graceMs?: number;
}

interface Episode {
  startedAt: number;
  /** Stabilisation counts from the last leader change inside the episode. */
  changedAt: number;
  from: string | null;
  to: string | null;
  recovered: boolean;
}

const same = (a: string | null, b: string | null) =>
  (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

export class FailoverTracker {
  private tracked: string | null = null;
  private episode: Episode | null = null;
  private restarts = 0;
  private restartEndedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly stabilisationMs: number;
  private readonly graceMs: number;

  constructor(private readonly d: FailoverDeps) {
    this.now = d.now ?? Date.now;
    this.stabilisationMs = d.stabilisationMs ?? STABILISATION_MS;
    this.graceMs = d.graceMs ?? GRACE_MS;
  }

  /** The leader last seen (null before the first look, or while none is known). */
  leader(): string | null {
    return this.tracked;
  }

  /** Mark the start of one of our restarts; pair with `endRestart` in a finally. */
  beginRestart(): void {
    this.restarts++;
  }

  endRestart(): void {
    this.restarts = Math.max(0, this.restarts - 1);
    this.restartEndedAt = this.now();
  }

  inRestartWindow(): boolean {
    return this.restarts > 0 || this.now() - this.restartEndedAt < RESTART_TAIL_MS;
  }

  /**
   * Throws (fresh: false) while a failover episode has not been seen stable by `check`; no I/O. The
   * settings backend calls it so an apply can never start during recovery, whoever calls it.
   */
  assertStable(): void {
    const e = this.episode;
    if (!e || e.recovered) return;
    throw new FailoverDetectedError(
      `patroni: failover detected: ${describe(e)}: waiting for the cluster to stabilise`,
      {
        fresh: false,
      },
    );
  }

  /** Throws FailoverDetectedError while a failover is detected or the cluster still stabilises. */
  async check(signal: AbortSignal): Promise<void> {
    const members = await this.d.cluster(signal);
    const leader = members.find(isLeader) ?? null;
    const name = leader ? leader.name : null;
    const now = this.now();
    // The episode ends after the grace period, once the cluster was seen stable again.
    if (this.episode?.recovered && now - this.episode.startedAt >= this.graceMs) this.endEpisode();

    if (this.tracked === null && !this.episode) {
      if (name) {
        this.tracked = name;
        this.d.log.info({ leader: name }, 'patroni: tracking leader');
      }
      return;
    }
    if (!same(name, this.tracked)) this.leaderChanged(name, now);
    if (this.episode) await this.stabilise(leader, now, signal);
  }

  private leaderChanged(name: string | null, now: number): void {
    const from = this.tracked;
    this.tracked = name;
    const ours = this.inRestartWindow();
    if (name === null && ours) {
      // Our leader restart: Patroni may show no leader until PostgreSQL is back. Not a failover.
      this.d.log.debug({ previous: from }, 'patroni: no leader during our restart');
      this.tracked = from;
      return;
    }
    if (this.episode) {
      this.d.log.warn({ from, to: name }, 'patroni: leader changed again during failover recovery');
      Object.assign(this.episode, { changedAt: now, to: name, recovered: false });
      return;
    }
    this.episode = { startedAt: now, changedAt: now, from, to: name, recovered: false };
    if (ours) {
      this.d.log.warn({ from, to: name }, 'patroni: leader changed during our own restart; not reported');
      return;
    }
    this.d.log.warn({ from, to: name }, 'patroni: failover detected');
    throw new FailoverDetectedError(`patroni: failover detected: ${describe(this.episode)}`, {
      fresh: true,
    });
  }

  private async stabilise(leader: PatroniMember | null, now: number, signal: AbortSignal): Promise<void> {
    const e = this.episode!;
    const block = (why: string) =>
      new FailoverDetectedError(`patroni: failover detected: ${describe(e)}: ${why}`, {
        fresh: false,
      });
    const elapsed = now - e.changedAt;
    if (elapsed < this.stabilisationMs) {
      e.recovered = false;
      throw block(`stabilising (${Math.floor(elapsed / 1000)} s of ${this.stabilisationMs / 1000} s)`);
    }
    if (!leader) throw block('the cluster has no leader');
    if (leader.state !== 'running' && leader.state !== '')
      throw block(`leader ${leader.name} is ${leader.state}`);
    try {
      await this.d.ping(signal);
    } catch (err) {
      throw block(`PostgreSQL does not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!e.recovered) {
      e.recovered = true;
      this.d.log.info({ leader: leader.name }, 'patroni: cluster stable after failover; operations resume');
    }
  }

  private endEpisode(): void {
    this.d.log.info({ leader: this.tracked }, 'patroni: failover grace period over');
    this.episode = null;
  }
}

function describe(e: Episode): string {
  return `leader ${e.from ?? '(none)'} → ${e.to ?? '(none)'}`;
}

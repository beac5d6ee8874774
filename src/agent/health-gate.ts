/**
 * Health gate (docs/PROTOCOL.md §2.5). When a database-touching task hits a connection-class error the gate
 * closes; gated tasks (metrics, system info, config, catalog) skip while it is closed instead of
 * each timing out, and one background pinger (backoff 1 s doubling to 30 s) reopens it.
 * Heartbeat and guardrails are not gated. One log line per closure and one per reopening.
 */
import type { Logger } from '../log.js';
import { isConnectionError } from '../pg/sqlstate.js';
import { sleep } from './deadline.js';

export interface HealthGateOptions {
  ping: () => Promise<void>;
  log: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class HealthGate {
  private open = true;
  private closedAt = 0;
  private pinger: Promise<void> | undefined;
  private readonly stopController = new AbortController();

  constructor(private readonly o: HealthGateOptions) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Feed any task error here; a connection-class error closes the gate. Returns true if it did. */
  report(err: unknown): boolean {
    if (!isConnectionError(err)) return false;
    if (this.open) {
      this.open = false;
      this.closedAt = Date.now();
      this.o.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'database unreachable; pausing collection',
      );
      this.pinger = this.pingUntilOpen();
    }
    return true;
  }

  private async pingUntilOpen(): Promise<void> {
    let backoff = this.o.minBackoffMs ?? 1_000;
    const max = this.o.maxBackoffMs ?? 30_000;
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      await sleep(backoff, signal);
      if (signal.aborted) return;
      try {
        await this.o.ping();
        this.open = true;
        this.o.log.info(
          { downForMs: Date.now() - this.closedAt },
          'database reachable again; resuming collection',
        );
        return;
      } catch (err) {
        this.o.log.debug(
          { err: err instanceof Error ? err.message : String(err), backoff },
          'database ping failed',
        );
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.pinger;
  }
}

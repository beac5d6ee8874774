/**
 * What the demo needs from a workload, whether pgbench or the built-in driver: start it, read the
 * recent throughput and latency for the progress display, and stop it.
 */
export interface LiveRate {
  /** Transactions per second over the recent window. */
  tps: number;
  /** Average transaction latency (ms) over the recent window; 0 when nothing completed. */
  latencyMs: number;
}

export interface Workload {
  readonly kind: 'pgbench' | 'builtin';
  start(): void;
  /** Recent rate, or null before the first reading. */
  live(): LiveRate | null;
  /** Times the workload lost its connections and came back (server restarts). */
  readonly reconnects: number;
  /** Stop every client and wait until none is left. Idempotent. */
  stop(): Promise<void>;
}

interface Sample {
  at: number;
  transactions: number;
  latencySumMs: number;
}

/** A reading older than this says nothing about the load now. */
const STALE_MS = 3_000;

/** Rate over a sliding window of cumulative counters (one sample per tick). */
export class RateWindow {
  private readonly samples: Sample[] = [];

  constructor(private readonly windowMs = 5_000) {}

  add(at: number, transactions: number, latencySumMs: number): void {
    this.samples.push({ at, transactions, latencySumMs });
    while (this.samples.length > 2 && at - (this.samples[1]?.at ?? at) >= this.windowMs) this.samples.shift();
  }

  /**
   * Rate over the window; null before two samples, or when `now` is given and the newest sample is
   * older than the window (the workload is down, e.g. while the server restarts).
   */
  rate(now?: number): LiveRate | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at <= first.at) return null;
    if (now !== undefined && now - last.at > Math.min(this.windowMs, STALE_MS)) return null;
    const n = last.transactions - first.transactions;
    return {
      tps: (n * 1000) / (last.at - first.at),
      latencyMs: n > 0 ? (last.latencySumMs - first.latencySumMs) / n : 0,
    };
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * What the demo needs from a workload, whether pgbench or the built-in driver: start it, read the
 * recent throughput and latency of each class of clients for the progress display and the report,
 * and stop it.
 */
export interface LiveRate {
  /** Transactions per second over the recent window. */
  tps: number;
  /** Average transaction latency (ms) over the recent window; 0 when nothing completed. */
  latencyMs: number;
}

/** What a load completed since it started (restarts included). */
export interface LoadTotals {
  transactions: number;
  /** Sum of the transactions' latencies (ms). */
  latencySumMs: number;
}

/** One class of clients running one mix of scripts: a pgbench process, or the built-in driver. */
export interface Load {
  start(): void;
  /** Recent rate, or null before the first reading. */
  live(): LiveRate | null;
  /** Times the load lost its connections and came back (server restarts). */
  readonly reconnects: number;
  readonly totals: LoadTotals;
  /** Stop every client and wait until none is left. Idempotent. */
  stop(): Promise<void>;
}

export interface ClassReading {
  readonly name: string;
  readonly live: LiveRate | null;
  readonly totals: LoadTotals;
}

export interface Workload {
  readonly kind: 'pgbench' | 'builtin';
  start(): void;
  /** Recent rate of the main (first) class, or null before the first reading. */
  live(): LiveRate | null;
  /** Every class, main class first. */
  classes(): ClassReading[];
  /** Times the workload lost its connections and came back (server restarts), summed over classes. */
  readonly reconnects: number;
  /** Stop every client and wait until none is left. Idempotent. */
  stop(): Promise<void>;
}

/** Classes of clients running side by side, each with its own connections (and pgbench process). */
export class ClassedWorkload implements Workload {
  constructor(
    readonly kind: 'pgbench' | 'builtin',
    private readonly loads: readonly { readonly name: string; readonly load: Load }[],
  ) {
    if (loads.length === 0) throw new Error('demo: a workload needs at least one class of clients');
  }

  start(): void {
    for (const c of this.loads) c.load.start();
  }

  live(): LiveRate | null {
    return this.loads[0]!.load.live();
  }

  classes(): ClassReading[] {
    return this.loads.map((c) => ({ name: c.name, live: c.load.live(), totals: { ...c.load.totals } }));
  }

  get reconnects(): number {
    return this.loads.reduce((n, c) => n + c.load.reconnects, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.loads.map((c) => c.load.stop()));
  }
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

/**
 * Built-in TPC-B driver, for machines without pgbench: N connections, each running pgbench's
 * built-in "tpcb-like" script in a loop, one statement per round trip as pgbench's simple protocol
 * does. A connection that breaks (the agent restarted the server) is reopened with back-off.
 * https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-BUILTIN-SCRIPTS
 */
import pg from 'pg';
import { TPCB_ROWS } from './tpcb-load.js';
import { RateWindow, sleep, type LiveRate, type Load } from './workload.js';

export interface DriverOptions {
  url: string;
  scale: number;
  clients: number;
  /** Random source (tests may fix it); default Math.random. */
  random?: () => number;
}

export interface DriverTotals {
  transactions: number;
  /** Sum of the committed transactions' latencies (ms). */
  latencySumMs: number;
  failures: number;
  reconnects: number;
}

/** Uniform integer in [lo, hi] (pgbench's `random(lo, hi)`). */
function between(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** The tpcb-like transaction for one set of random values. Values are integers we generated. */
export function tpcbStatements(aid: number, bid: number, tid: number, delta: number): string[] {
  return [
    'BEGIN',
    `UPDATE pgbench_accounts SET abalance = abalance + ${delta} WHERE aid = ${aid}`,
    `SELECT abalance FROM pgbench_accounts WHERE aid = ${aid}`,
    `UPDATE pgbench_tellers SET tbalance = tbalance + ${delta} WHERE tid = ${tid}`,
    `UPDATE pgbench_branches SET bbalance = bbalance + ${delta} WHERE bid = ${bid}`,
    `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (${tid}, ${bid}, ${aid}, ${delta}, CURRENT_TIMESTAMP)`,
    'END',
  ];
}

export class TpcbDriver implements Load {
  private readonly controller = new AbortController();
  private readonly window = new RateWindow();
  private readonly random: () => number;
  private loops: Promise<void>[] = [];
  private ticker: NodeJS.Timeout | undefined;
  readonly totals: DriverTotals = { transactions: 0, latencySumMs: 0, failures: 0, reconnects: 0 };

  constructor(private readonly o: DriverOptions) {
    this.random = o.random ?? Math.random;
  }

  get reconnects(): number {
    return this.totals.reconnects;
  }

  start(): void {
    if (this.loops.length > 0) return;
    this.ticker = setInterval(
      () => this.window.add(Date.now(), this.totals.transactions, this.totals.latencySumMs),
      1_000,
    );
    this.window.add(Date.now(), 0, 0);
    for (let i = 0; i < this.o.clients; i++) this.loops.push(this.clientLoop());
  }

  live(): LiveRate | null {
    return this.window.rate(Date.now());
  }

  async stop(): Promise<void> {
    this.controller.abort();
    clearInterval(this.ticker);
    await Promise.all(this.loops);
  }

  private async clientLoop(): Promise<void> {
    const signal = this.controller.signal;
    let backoff = 100;
    let connectedBefore = false;
    while (!signal.aborted) {
      const client = new pg.Client({ connectionString: this.o.url, application_name: 'dbtune-demo-tpcb' });
      client.on('error', () => undefined); // surfaces through the next query
      const closeOnAbort = () => void client.end().catch(() => undefined);
      signal.addEventListener('abort', closeOnAbort, { once: true });
      try {
        await client.connect();
        if (connectedBefore) this.totals.reconnects++;
        connectedBefore = true;
        backoff = 100;
        while (!signal.aborted) await this.transaction(client);
      } catch {
        if (!signal.aborted) this.totals.failures++;
      } finally {
        signal.removeEventListener('abort', closeOnAbort);
        await client.end().catch(() => undefined);
      }
      // A restart takes a second or two; retry quickly, then less often.
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 2_000);
    }
  }

  private async transaction(client: pg.Client): Promise<void> {
    const s = this.o.scale;
    const aid = between(this.random, 1, TPCB_ROWS.accounts * s);
    const bid = between(this.random, 1, TPCB_ROWS.branches * s);
    const tid = between(this.random, 1, TPCB_ROWS.tellers * s);
    const delta = between(this.random, -5000, 5000);
    const t0 = performance.now();
    try {
      for (const sql of tpcbStatements(aid, bid, tid, delta)) await client.query(sql);
    } catch (err) {
      // A statement error inside a live session (e.g. a deadlock) only costs this transaction;
      // when the session itself is gone the ROLLBACK fails too and the caller reconnects.
      await client.query('ROLLBACK');
      this.totals.failures++;
      if ((err as { code?: string }).code === undefined) throw err;
      return;
    }
    this.totals.latencySumMs += performance.now() - t0;
    this.totals.transactions++;
  }
}

/**
 * pgbench, when it is installed: `pgbench -i` for the dataset and a supervised `pgbench -T` for the
 * load. pgbench gives up on a client whose connection breaks, so a server restart ends the run;
 * the supervisor starts a new one (with back-off while the server is still down).
 * https://www.postgresql.org/docs/current/pgbench.html
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../log.js';
import { RateWindow, sleep, type LiveRate, type Load, type LoadTotals } from './workload.js';

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  database: string;
}

/** The first runnable pgbench on PATH, or null. */
export function findPgbench(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'pgbench');
    try {
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    // Debian's /usr/bin/pgbench is a wrapper that fails when no server package is installed.
    if (spawnSync(file, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0) return file;
  }
  return null;
}

function pgEnv(c: PgConnection): NodeJS.ProcessEnv {
  return { ...process.env, PGHOST: c.host, PGPORT: String(c.port), PGUSER: c.user, PGDATABASE: c.database };
}

/** Run a pgbench to completion; rejects with its output's tail on failure or when aborted. */
function runToEnd(bin: string, args: string[], c: PgConnection, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: pgEnv(c), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => reject(new Error(`demo: pgbench: ${err.message}`)));
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else
        reject(
          new Error(`demo: pgbench ${args.join(' ')} failed (${sig ?? `exit ${code}`}): ${output.trim()}`),
        );
    });
  });
}

/** `pgbench -i -s <scale> -q`: the TPC-B tables, filled and indexed. */
export function pgbenchInit(
  bin: string,
  c: PgConnection,
  scale: number,
  signal?: AbortSignal,
): Promise<void> {
  return runToEnd(bin, ['-i', '-s', String(scale), '-q'], c, signal);
}

/** `progress: 12.0 s, 1234.5 tps, lat 6.412 ms stddev 2.1, 0 failed` (pgbench -P). */
export function parseProgress(line: string): LiveRate | null {
  const m = /^progress: [\d.]+ s, ([\d.]+) tps, lat ([\d.]+) ms/.exec(line.trim());
  if (!m) return null;
  return { tps: Number(m[1]), latencyMs: Number(m[2]) };
}

export interface PgbenchLoadOptions {
  bin: string;
  connection: PgConnection;
  clients: number;
  /** Upper bound for the whole load; each run gets what remains, so no pgbench outlives it. */
  durationSeconds: number;
  /**
   * What to run: pgbench arguments naming the scripts and their variables (`-f file@weight`,
   * `-s <scale>`, `-D name=value`, `-R <tps>`); default none, i.e. the built-in tpcb-like script.
   */
  script?: readonly string[];
  /**
   * Sleep (ms) the script itself spends per transaction (`\sleep`), taken off pgbench's latency so
   * the latency is the queries' time.
   */
  thinkMs?: number;
  /** application_name of its sessions (PGAPPNAME); pgbench's own default is 'pgbench'. */
  applicationName?: string;
  log?: Logger;
}

/** Pause between a pgbench that ended (server restarting) and the next attempt. */
const RETRY_MS = 200;

export class PgbenchWorkload implements Load {
  private readonly controller = new AbortController();
  private readonly window = new RateWindow();
  private loop: Promise<void> | undefined;
  private runs = 0;
  private lastError = '';
  /** Summed over its runs; latencies without the think time. */
  readonly totals: LoadTotals = { transactions: 0, latencySumMs: 0 };

  constructor(private readonly o: PgbenchLoadOptions) {}

  get reconnects(): number {
    return Math.max(0, this.runs - 1);
  }

  /** The tail of the last failed run's output (diagnostics). */
  get lastOutput(): string {
    return this.lastError;
  }

  start(): void {
    this.loop ??= this.supervise();
  }

  live(): LiveRate | null {
    return this.window.rate(Date.now());
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  private async supervise(): Promise<void> {
    const signal = this.controller.signal;
    const endAt = Date.now() + this.o.durationSeconds * 1000;
    while (!signal.aborted) {
      const remaining = Math.ceil((endAt - Date.now()) / 1000);
      if (remaining < 1) return;
      const started = Date.now();
      const code = await this.runOnce(remaining, signal);
      if (signal.aborted) return;
      this.o.log?.info(
        { code, ms: Date.now() - started, output: this.lastError.slice(-300) },
        'demo: pgbench ended; starting it again',
      );
      // A short fixed pause, no growing back-off: every second without load while the server
      // comes back up would be measured against the configuration being tried.
      await sleep(RETRY_MS, signal);
    }
  }

  private runOnce(seconds: number, signal: AbortSignal): Promise<number | null> {
    const jobs = Math.min(2, this.o.clients);
    const args = [
      '-c',
      String(this.o.clients),
      '-j',
      String(jobs),
      '-T',
      String(seconds),
      '-n',
      '-P',
      '1',
      ...(this.o.script ?? []),
    ];
    return new Promise((resolve) => {
      this.runs++;
      const child = spawn(this.o.bin, args, {
        env: {
          ...pgEnv(this.o.connection),
          ...(this.o.applicationName ? { PGAPPNAME: this.o.applicationName } : {}),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let buffered = '';
      let tail = '';
      child.stderr.on('data', (d: Buffer) => {
        buffered += d.toString();
        tail = (tail + d.toString()).slice(-2_000);
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          this.onLine(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
      const onAbort = () => child.kill('SIGTERM');
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (code: number | null) => {
        signal.removeEventListener('abort', onAbort);
        if (code !== 0 && !signal.aborted) this.lastError = tail.trim();
        resolve(code);
      };
      child.on('error', (err) => {
        this.lastError = err.message;
        finish(null);
      });
      // 'close' waits for stderr to drain, so no progress line is lost and the process is gone.
      child.on('close', finish);
    });
  }

  private onLine(line: string): void {
    const r = parseProgress(line);
    if (!r) return;
    // pgbench reports per-second rates; the window integrates them into cumulative counters.
    const latencyMs = r.tps > 0 ? Math.max(0, r.latencyMs - (this.o.thinkMs ?? 0)) : 0;
    this.totals.transactions += r.tps;
    this.totals.latencySumMs += r.tps * latencyMs;
    this.window.add(Date.now(), this.totals.transactions, this.totals.latencySumMs);
  }
}

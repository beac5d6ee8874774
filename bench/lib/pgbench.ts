/** pgbench as a child process: initialise, run, parse TPS. https://www.postgresql.org/docs/current/pgbench.html */
import { spawn } from 'node:child_process';
import type { PgCluster } from '../../src/embedded/cluster.js';
import { requireTool } from './requirements.js';

export interface PgbenchRun {
  tps: number;
  transactions: number;
  latencyMs: number;
}

function connArgs(c: PgCluster): string[] {
  return ['-h', '127.0.0.1', '-p', String(c.port), '-U', 'postgres'];
}

function runPgbench(args: string[], signal?: AbortSignal): Promise<string> {
  const bin = requireTool('pgbench');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PGAPPNAME: 'pgbench' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const abort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', abort);
      if (code === 0) resolve(out);
      else reject(new Error(`pgbench ${args.join(' ')} exited ${code}: ${out.slice(-1500)}`));
    });
  });
}

/** `pgbench -i -s <scale>` into the `postgres` database (quiet, no vacuum output). */
export async function pgbenchInit(c: PgCluster, scale: number): Promise<void> {
  await runPgbench(['-i', '-q', '-s', String(scale), ...connArgs(c), 'postgres']);
}

export interface PgbenchOptions {
  clients: number;
  threads: number;
  seconds: number;
  /** Rate limit in transactions per second (`-R`), for a light load. */
  rate?: number;
}

/** Run the default TPC-B-like script; resolves with the TPS pgbench reports. */
export async function pgbenchRun(c: PgCluster, o: PgbenchOptions, signal?: AbortSignal): Promise<PgbenchRun> {
  const args = ['-c', String(o.clients), '-j', String(o.threads), '-T', String(o.seconds), '-n'];
  if (o.rate !== undefined) args.push('-R', String(o.rate));
  const out = await runPgbench([...args, ...connArgs(c), 'postgres'], signal);
  const tps = /tps = ([\d.]+)/.exec(out)?.[1];
  const tx = /number of transactions actually processed: (\d+)/.exec(out)?.[1];
  const lat = /latency average = ([\d.]+) ms/.exec(out)?.[1];
  if (!tps) throw new Error(`pgbench: no tps in output: ${out.slice(-800)}`);
  return { tps: Number(tps), transactions: Number(tx ?? NaN), latencyMs: Number(lat ?? NaN) };
}

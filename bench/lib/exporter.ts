/**
 * prometheus-postgres-exporter (Debian package) on a loopback port, as the peer the agent's
 * collection cost is compared with (the common Prometheus exporter for PostgreSQL,
 * https://github.com/prometheus-community/postgres_exporter).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { freePort } from '../../src/embedded/cluster.js';
import { toolVersion } from './machine.js';
import { readMemory } from './proc.js';
import { requireTool } from './requirements.js';
import { sleep } from './stats.js';

export interface Scrape {
  ms: number;
  bytes: number;
  gzipBytes: number;
  series: number;
}

export interface RunningExporter {
  pid: number;
  version: string;
  /** Flags it was started with (recorded in the report). */
  flags: string[];
  scrape(): Promise<Scrape>;
  rss(): number;
  stop(): Promise<void>;
}

export async function startExporter(dsn: string, pgMajor: number): Promise<RunningExporter> {
  const bin = requireTool('exporter');
  const port = await freePort();
  // PG >= 17 moved checkpoint columns out of pg_stat_bgwriter; the 0.11 bgwriter collector errors there.
  const flags = [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  if (pgMajor >= 17) flags.push('--no-collector.bgwriter');
  const child: ChildProcess = spawn(bin, flags, {
    env: { PATH: process.env.PATH ?? '', DATA_SOURCE_NAME: dsn },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/metrics`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await fetch(url);
        const text = await res.text();
        if (res.ok && /^pg_up 1$/m.test(text)) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`exporter: not ready on ${url}; stderr: ${stderr}`);
      }
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const pid = child.pid!;
  return {
    pid,
    version: toolVersion(bin) ?? 'unknown',
    flags,
    async scrape() {
      const t0 = performance.now();
      // Identity encoding: time to the full uncompressed body, as a Prometheus server reads it over loopback.
      const res = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
      const body = Buffer.from(await res.arrayBuffer());
      const ms = performance.now() - t0;
      if (!res.ok) throw new Error(`exporter: GET /metrics → ${res.status}`);
      const series = body
        .toString('utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#')).length;
      return { ms, bytes: body.length, gzipBytes: gzipSync(body).length, series };
    },
    rss: () => readMemory(pid)?.rss ?? Number.NaN,
    stop,
  };
}

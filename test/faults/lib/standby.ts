/**
 * A streaming replica of a harness cluster, without pg_basebackup (the npm PostgreSQL packages ship
 * only initdb, pg_ctl and postgres): the primary is stopped cleanly, its data directory copied, and
 * the copy started with standby.signal and a primary_conninfo pointing back at the primary
 * (https://www.postgresql.org/docs/current/warm-standby.html#STANDBY-SERVER-SETUP).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/embedded/cluster.js';
import type { PgCluster } from '../../harness/postgres.js';

export interface Standby {
  port: number;
  dataDir: string;
  url(user: string, password?: string): string;
  stop(): void;
  destroy(): void;
}

export async function startStandby(
  primary: PgCluster,
  settings: Record<string, string | number>,
): Promise<Standby> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'dbtune-faults-standby-'));
  const dataDir = path.join(root, 'data');
  const sock = path.join(root, 'sock');
  const logFile = path.join(root, 'server.log');
  mkdirSync(sock);
  const { uid, gid } = primary.runAs;
  const own = (p: string) => uid !== undefined && chownSync(p, uid, gid ?? uid);
  own(root);
  own(sock);
  await primary.sql('CHECKPOINT');
  await primary.stop('fast');
  try {
    execFileSync('cp', ['-a', primary.dataDir, dataDir]);
  } finally {
    await primary.start();
  }
  rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  rmSync(path.join(dataDir, 'postmaster.opts'), { force: true });
  writeFileSync(path.join(dataDir, 'standby.signal'), '');
  own(path.join(dataDir, 'standby.signal'));
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    `\nprimary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=fault_standby'\nhot_standby = on\n`,
  );
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${sock}`,
    '-c listen_addresses=127.0.0.1',
    '-c shared_preload_libraries=pg_stat_statements',
    '-c fsync=off',
  ];
  for (const [k, v] of Object.entries(settings)) opts.push(`-c ${k}=${v}`);
  const pgCtl = (args: string[]) =>
    execFileSync(path.join(primary.binDir, 'pg_ctl'), ['-D', dataDir, ...args], {
      uid,
      gid,
      cwd: os.tmpdir(),
      stdio: 'ignore',
      timeout: 90_000,
    });
  pgCtl(['-l', logFile, '-w', '-t', '60', '-o', opts.join(' '), 'start']);
  let running = true;
  const stop = () => {
    if (!running) return;
    running = false;
    try {
      pgCtl(['-m', 'immediate', '-w', '-t', '30', 'stop']);
    } catch {
      // already gone
    }
  };
  return {
    port,
    dataDir,
    url: (user, password) => `postgres://${user}${password ? `:${password}` : ''}@127.0.0.1:${port}/postgres`,
    stop,
    destroy() {
      stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

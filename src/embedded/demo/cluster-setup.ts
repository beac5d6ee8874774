/**
 * The demo's PostgreSQL: a throwaway cluster from src/embedded/cluster.ts with durable commits, the
 * units of its settings, and (for --keep) a way to leave it running after exit.
 */
import { spawn } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { startCluster, type PgCluster } from '../cluster.js';
import type { UnitMap } from './knob-format.js';
import { parsePostmasterOpts, shellQuote } from './restart-script.js';

/**
 * cluster.ts turns fsync off for fast tests. The demo measures a real server: with fsync on, WAL
 * flushes and checkpoints cost what they cost in production, so the WAL and checkpoint knobs the
 * tuner searches have an effect to find.
 */
export const DEMO_SETTINGS = { fsync: 'on' } as const;

export function startDemoCluster(major: number): Promise<PgCluster> {
  return startCluster({ major, settings: DEMO_SETTINGS });
}

/** pg_settings.unit of every parameter, to show base-unit values as 128MB, 5min, … */
export async function readUnits(cluster: PgCluster): Promise<UnitMap> {
  const rows = await cluster.sql('SELECT name, unit FROM pg_settings');
  return Object.fromEntries(rows.map((r) => [String(r.name), typeof r.unit === 'string' ? r.unit : null]));
}

export async function serverVersionText(cluster: PgCluster): Promise<string> {
  const rows = await cluster.sql("SELECT current_setting('server_version') AS v");
  const v = rows[0]?.v;
  return typeof v === 'string' ? v : '';
}

export interface KeptServer {
  url: string;
  dataDir: string;
  stopCommand: string;
}

/**
 * --keep: leave the server running after the demo exits. cluster.ts stops every cluster it started
 * from a process-exit hook, finding the postmaster through `<dataDir>/postmaster.pid`, and offers
 * no way to opt out. So the server is stopped, its data directory renamed, and started again by
 * pg_ctl from the new place with the same options: the hook then finds no pid file and leaves it
 * alone. pg_ctl puts the postmaster in its own session, so it outlives this process.
 */
export async function keepRunning(cluster: PgCluster): Promise<KeptServer> {
  const options = parsePostmasterOpts(readFileSync(path.join(cluster.dataDir, 'postmaster.opts'), 'utf8'));
  await cluster.stop('fast');
  const dataDir = `${cluster.dataDir}-kept`;
  renameSync(cluster.dataDir, dataDir);
  const pgCtl = path.join(cluster.binDir, 'pg_ctl');
  const args = [
    '-D',
    dataDir,
    '-l',
    cluster.logFile,
    '-w',
    '-t',
    '60',
    '-o',
    options.map(shellQuote).join(' '),
    'start',
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(pgCtl, args, {
      uid: cluster.runAs.uid,
      gid: cluster.runAs.gid,
      cwd: '/',
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`demo: keep: pg_ctl start exited ${code}: ${out.trim()}`)),
    );
  });
  const asUser = cluster.runAs.uid === undefined ? '' : 'runuser -u postgres -- ';
  return {
    url: cluster.url,
    dataDir,
    stopCommand: `${asUser}${shellQuote(pgCtl)} -D ${shellQuote(dataDir)} stop`,
  };
}

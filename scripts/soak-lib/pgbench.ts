/**
 * Light pgbench load (/usr/bin/pgbench, any recent client works against any server major): a
 * rate-limited TPC-B-like run that is relaunched whenever it ends, since a PostgreSQL restart aborts
 * its clients.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface PgbenchTarget {
  port: number;
  user: string;
  database: string;
}

const PGBENCH = '/usr/bin/pgbench';

function connArgs(t: PgbenchTarget): string[] {
  return ['-h', '127.0.0.1', '-p', String(t.port), '-U', t.user, t.database];
}

export function pgbenchInit(t: PgbenchTarget, scale = 2): void {
  const r = spawnSync(PGBENCH, ['-i', '-q', '-s', String(scale), ...connArgs(t)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench -i failed (${r.status}): ${r.stderr}`);
}

export interface PgbenchLoad {
  /** How many times the load was (re)started. */
  launches(): number;
  stop(): Promise<void>;
}

/** Keep `clients` sessions running at most `tps` transactions per second until stopped. */
export function pgbenchLoad(t: PgbenchTarget, opts: { clients: number; tps: number }): PgbenchLoad {
  let child: ChildProcess | undefined;
  let stopped = false;
  let launches = 0;
  let relaunch: NodeJS.Timeout | undefined;
  const launch = () => {
    if (stopped) return;
    launches++;
    const c = spawn(
      PGBENCH,
      ['-n', '-c', String(opts.clients), '-j', '1', '-R', String(opts.tps), '-T', '86400', ...connArgs(t)],
      { stdio: 'ignore' },
    );
    child = c;
    c.on('exit', () => {
      if (child === c) child = undefined;
      if (!stopped) relaunch = setTimeout(launch, 2_000);
    });
  };
  launch();
  return {
    launches: () => launches,
    async stop() {
      stopped = true;
      clearTimeout(relaunch);
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const backstop = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(backstop);
    },
  };
}

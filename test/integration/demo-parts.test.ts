/**
 * The demo's parts against a real PostgreSQL: the built-in TPC-B loader, the built-in driver
 * (including a server restart under load), the restart script the agent runs, the pgbench
 * supervisor, and --keep's hand-over of the server to pg_ctl.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepRunning } from '../../src/embedded/demo/cluster-setup.js';
import { findPgbench, PgbenchWorkload } from '../../src/embedded/demo/pgbench.js';
import { writeRestartScript } from '../../src/embedded/demo/restart-script.js';
import { TpcbDriver } from '../../src/embedded/demo/tpcb-driver.js';
import { loadTpcb } from '../../src/embedded/demo/tpcb-load.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms`);
    await sleep(100);
  }
}

async function counts(
  pg: PgCluster,
): Promise<{ branches: number; tellers: number; accounts: number; history: number }> {
  const rows = await pg.sql(
    `SELECT (SELECT count(*) FROM pgbench_branches)::int AS branches, (SELECT count(*) FROM pgbench_tellers)::int AS tellers,
            (SELECT count(*) FROM pgbench_accounts)::int AS accounts, (SELECT count(*) FROM pgbench_history)::int AS history`,
  );
  return rows[0] as { branches: number; tellers: number; accounts: number; history: number };
}

let pg: PgCluster;
let tmp: string;

beforeAll(async () => {
  pg = await startPostgres();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'demo-parts-'));
});
afterAll(async () => {
  await pg?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

describe('built-in TPC-B loader', () => {
  it('creates the four pgbench tables with scale × 1 / 10 / 100 000 rows, primary keys and stats', async () => {
    await loadTpcb(pg.url, 1);
    expect(await counts(pg)).toEqual({ branches: 1, tellers: 10, accounts: 100_000, history: 0 });
    const keys = await pg.sql(
      "SELECT conrelid::regclass::text AS t FROM pg_constraint WHERE contype = 'p' AND conrelid::regclass::text LIKE 'pgbench_%' ORDER BY 1",
    );
    expect(keys.map((k) => k.t)).toEqual(['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers']);
    const bids = await pg.sql(
      'SELECT min(bid) AS lo, max(bid) AS hi, sum(abalance)::int AS total FROM pgbench_accounts',
    );
    expect(bids[0]).toEqual({ lo: 1, hi: 1, total: 0 });
    const analyzed = await pg.sql(
      "SELECT last_analyze IS NOT NULL AS a FROM pg_stat_user_tables WHERE relname = 'pgbench_accounts'",
    );
    expect(analyzed[0]!.a).toBe(true);
  });

  it('loading again replaces the tables (scale 2)', async () => {
    await loadTpcb(pg.url, 2);
    expect(await counts(pg)).toEqual({ branches: 2, tellers: 20, accounts: 200_000, history: 0 });
    await loadTpcb(pg.url, 1);
  });
});

describe('built-in TPC-B driver', () => {
  it('runs transactions on N connections and keeps going through a server restart', async () => {
    const driver = new TpcbDriver({ url: pg.url, scale: 1, clients: 4 });
    driver.start();
    try {
      await waitFor(() => driver.totals.transactions > 200, 20_000);
      await sleep(1_500);
      expect(driver.live()!.tps).toBeGreaterThan(0);
      const sessions = await pg.sql(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-demo-tpcb'",
      );
      expect(sessions[0]!.n).toBe(4);
      const before = driver.totals.transactions;
      await pg.restart();
      await waitFor(() => driver.totals.reconnects >= 4, 20_000);
      await waitFor(() => driver.totals.transactions > before + 200, 20_000);
      // Each committed transaction wrote one history row (the restart lost none that counted).
      const { history } = await counts(pg);
      expect(history).toBeGreaterThanOrEqual(before);
    } finally {
      await driver.stop();
    }
    // client.end() resolves when the socket closes; the backend leaves pg_stat_activity as it exits,
    // a moment later, so poll rather than read once.
    const sessionsLeft = async () =>
      (
        await pg.sql(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-demo-tpcb'",
        )
      )[0]!.n;
    await expect.poll(sessionsLeft, { timeout: 5_000, interval: 100 }).toBe(0);
  });
});

describe('restart script', () => {
  it('restarts the cluster on the same port with the same settings', async () => {
    await pg.sql('ALTER SYSTEM SET shared_buffers = 2048'); // 16 MB: needs a restart
    const pidBefore = pg.postmasterPid();
    const script = writeRestartScript(tmp, pg);
    await run(script, [], { timeout: 120_000 });
    const pidAfter = pg.postmasterPid();
    expect(pidAfter).not.toBeNull();
    expect(pidAfter).not.toBe(pidBefore);
    const rows = await pg.sql(
      "SELECT current_setting('port') AS port, current_setting('shared_buffers') AS sb, current_setting('fsync') AS fsync, current_setting('shared_preload_libraries') AS spl",
    );
    expect(rows[0]).toEqual({ port: String(pg.port), sb: '16MB', fsync: 'off', spl: 'pg_stat_statements' });
    await pg.sql('ALTER SYSTEM RESET shared_buffers');
    await run(script, [], { timeout: 120_000 });
    expect((await pg.sql("SELECT current_setting('shared_buffers') AS sb"))[0]!.sb).toBe('128MB');
  });
});

/** pids of pgbench processes pointed at this port (the supervisor passes it as PGPORT). */
async function pgbenchOn(port: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-x', 'pgbench']).catch(() => ({ stdout: '' }));
  const pids = stdout.split('\n').filter(Boolean).map(Number);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PGPORT=${port}`);
    } catch {
      return false; // exited meanwhile
    }
  });
}

describe('pgbench supervisor', () => {
  it('drives load, reports a rate, and starts pgbench again after a server restart', async () => {
    // .ci/run installs Debian's postgresql-15 for pgbench.
    const pgbench = findPgbench();
    expect(pgbench, 'pgbench on PATH').not.toBeNull();
    const w = new PgbenchWorkload({
      bin: pgbench!,
      connection: { host: '127.0.0.1', port: pg.port, user: 'postgres', database: 'postgres' },
      clients: 2,
      durationSeconds: 120,
    });
    w.start();
    try {
      await waitFor(() => (w.live()?.tps ?? 0) > 0, 20_000);
      expect(await pgbenchOn(pg.port)).toHaveLength(1);
      await pg.restart();
      await waitFor(() => w.reconnects >= 1, 20_000);
      const history = (await counts(pg)).history;
      await sleep(3_000);
      expect((await counts(pg)).history).toBeGreaterThan(history);
    } finally {
      await w.stop();
    }
    expect(await pgbenchOn(pg.port)).toEqual([]);
  });
});

describe('--keep', () => {
  it('hands the server to pg_ctl from a renamed data directory, so the exit hook leaves it running', async () => {
    const other = await startPostgres();
    const kept = await keepRunning(other);
    try {
      expect(existsSync(path.join(other.dataDir, 'postmaster.pid'))).toBe(false);
      expect(existsSync(path.join(kept.dataDir, 'postmaster.pid'))).toBe(true);
      expect(kept.url).toBe(other.url);
      expect((await other.sql('SELECT 1 AS one'))[0]!.one).toBe(1);
    } finally {
      await run('sh', ['-c', kept.stopCommand]);
      await other.destroy();
    }
    expect(existsSync(kept.dataDir)).toBe(false);
  });
});

/**
 * The demo's workloads through their registry entries, against a real PostgreSQL: the mixed
 * workload's dataset, every pgbench workload's scripts run as pgbench runs them, and a few seconds
 * of the mixed driver with both classes (transactions and reporting) completing work side by side.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgbench } from '../../src/embedded/demo/pgbench.js';
import { HISTORY_DAYS, HISTORY_PER_ACCOUNT } from '../../src/embedded/demo/workloads/mixed/dataset.js';
import { chooseDriver, workloadIds, workloadSpec } from '../../src/embedded/demo/workloads/index.js';
import { pgbenchScriptArgs } from '../../src/embedded/demo/workloads/scripts.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const run = promisify(execFile);
const mixed = workloadSpec('mixed');
let pg: PgCluster;
let pgbench: string;

beforeAll(async () => {
  pg = await startPostgres();
  // CI installs Debian's postgresql-15 for pgbench (.ci/run).
  const found = findPgbench();
  if (!found) throw new Error('pgbench not on PATH');
  pgbench = found;
  await mixed.setup({ url: pg.url, connection: conn(), scale: 1, pgbench });
}, 120_000);
afterAll(async () => {
  await pg?.destroy();
});

/** Client sessions per application_name of the demo's classes (parallel workers not counted). */
async function sessionsByClass(): Promise<Record<string, number>> {
  const rows = await pg.sql(
    "SELECT application_name AS a, count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name LIKE 'dbtune-demo-%' GROUP BY 1",
  );
  return Object.fromEntries(rows.map((r) => [String(r.a), Number(r.n)]));
}

function conn() {
  return { host: '127.0.0.1', port: pg.port, user: 'postgres', database: 'postgres' };
}

describe('mixed workload', () => {
  it('loads pgbench tables with spread balances and indexed history over complete days', async () => {
    const [r] = await pg.sql(
      `SELECT (SELECT count(*) FROM pgbench_accounts)::int AS accounts,
              (SELECT count(*) FROM pgbench_history)::int AS history,
              (SELECT count(DISTINCT abalance) > 1000 FROM pgbench_accounts) AS spread,
              (SELECT min(mtime) >= localtimestamp - interval '${HISTORY_DAYS + 1} days' FROM pgbench_history) AS recent,
              (SELECT count(*) FROM pgbench_history WHERE mtime >= current_date - 7 AND mtime < current_date)::int AS week,
              (SELECT count(*) FROM pg_indexes WHERE tablename = 'pgbench_history')::int AS history_indexes`,
    );
    expect(r).toMatchObject({
      accounts: 100_000,
      history: 100_000 * HISTORY_PER_ACCOUNT,
      spread: true,
      recent: true,
    });
    expect(r!.history_indexes).toBe(2);
    // About 7/90 of the history: the dashboards' week is there to read.
    expect(r!.week).toBeGreaterThan(10_000);
  });

  it.each(workloadIds().filter((id) => id !== 'tpcb'))(
    '%s: every class runs its scripts under pgbench with its arguments',
    async (id) => {
      // Each workload's dataset is the mixed one (loaded above) or pgbench's built-in tpcb.
      for (const c of workloadSpec(id).classes(1, 1)) {
        // Without -R, and the dashboard's think time at 1 ms: a few transactions parse and run every
        // script the class may pick.
        const args = pgbenchScriptArgs({ ...c, rate: null, think_ms: c.think_ms > 0 ? 1 : 0 }, 1);
        const { stdout } = await run(pgbench, ['-n', '-c', '1', '-t', '5', ...args], {
          env: {
            ...process.env,
            PGHOST: '127.0.0.1',
            PGPORT: String(pg.port),
            PGUSER: 'postgres',
            PGDATABASE: 'postgres',
          },
          timeout: 60_000,
        });
        expect(stdout, c.name).toMatch(/number of transactions actually processed: 5\/5/);
      }
    },
    90_000,
  );

  it('the driver runs both classes at once, each with its own pgbench, and reports each', async () => {
    const { kind } = chooseDriver(mixed, 'auto', () => pgbench);
    const w = mixed.driver({
      url: pg.url,
      connection: conn(),
      driver: kind,
      pgbench,
      scale: 1,
      clients: 2,
      durationSeconds: 60,
    });
    w.start();
    try {
      await expect
        .poll(() => w.classes().map((c) => c.totals.transactions > 0), { timeout: 30_000, interval: 250 })
        .toEqual([true, true]);
      expect(await sessionsByClass()).toEqual({ 'dbtune-demo-reporting': 2, 'dbtune-demo-transactions': 2 });
      const [oltp, reporting] = w.classes();
      expect(oltp!.name).toBe('transactions');
      expect(reporting!.name).toBe('reporting');
      expect(w.live()).toEqual(oltp!.live);
      // The dashboard's latency is its queries' time, not the think time between refreshes.
      expect(reporting!.totals.latencySumMs / reporting!.totals.transactions).toBeLessThan(
        mixed.classes(1, 2)[1]!.think_ms,
      );
    } finally {
      await w.stop();
    }
    await expect
      .poll(
        async () =>
          (
            await pg.sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgbench'")
          )[0]!.n,
        { timeout: 5_000, interval: 100 },
      )
      .toBe(0);
  }, 60_000);
});

/**
 * The pg_stat_statements reader's steady tick (collectors/pg-stat-statements/read.ts): one pass
 * over `pg_stat_statements(false)` for what changed, query texts only for new entries, and a full
 * resync when entries may have left the view (reset, eviction, crash) or every RESYNC_TICKS ticks.
 * After each event the payload must hold what a full read of the view holds, byte for byte per row.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgStatStatements,
  pgStatStatementsOptions,
} from '../../collectors/pg-stat-statements/index.js';
import { RESYNC_TICKS } from '../../collectors/pg-stat-statements/read.js';
import type { CollectContext } from '../../collectors/types.js';
import { silentLogger } from '../../src/log.js';
import { encodeJson } from '../../src/platform/json.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { collectorTypes } from '../../src/pg/types.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

/** Which pg_stat_statements reads a tick issued, by the shape of the statement. */
function kindOf(sql: string): string | null {
  if (sql.includes('pg_stat_statements_info')) return 'info';
  if (sql.includes('NOT EXISTS (SELECT FROM unnest(')) return 'changed';
  if (sql.includes('LEFT(query')) return sql.includes('OFFSET 0') ? 'texts' : 'full';
  if (sql.includes('calls::text AS calls')) return 'keys';
  if (sql.includes('pg_stat_statements(false) WHERE (queryid, userid, dbid) IN')) return 'counters';
  return null;
}

/** A Db that records the kind of every pg_stat_statements statement it runs. */
function spying(db: Db, log: string[]): Db {
  const spy: Db = {
    ...db,
    query: (sql, values) => {
      const kind = kindOf(sql);
      if (kind) log.push(kind);
      return db.query(sql, values);
    },
    withClient: (fn) => db.withClient((c) => fn(spying(c, log))),
    end: () => db.end(),
    ping: () => db.ping(),
  };
  return spy;
}

describe.each([14, 18])('pg_stat_statements steady reads on PostgreSQL %i', (major) => {
  let cluster: PgCluster;
  let db: Db;
  const ctx = (d: Db): CollectContext => ({
    db: d,
    pgMajor: major,
    log: silentLogger(),
    signal: new AbortController().signal,
    now: () => new Date(),
  });

  beforeAll(async () => {
    cluster = await startPostgres({
      major,
      // 100 entries (the minimum) so that a burst of statements evicts some.
      settings: { 'pg_stat_statements.track': 'all', 'pg_stat_statements.max': 100, autovacuum: 'off' },
    });
    await cluster.sql(
      'CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 50) g',
    );
    db = createDb({ connectionUrl: cluster.url, readOnly: true, types: collectorTypes });
  });
  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await cluster?.destroy();
  });

  /** Statements `from` … `from + n - 1` of a family of distinct ones (i + 1 columns: one entry each). */
  const run = async (from: number, n: number) => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      for (let i = from; i < from + n; i++) {
        const cols = Array.from({ length: i + 1 }, () => 'v').join(', ');
        await client.query(`SELECT ${cols} FROM t WHERE id = $1`, [i % 50]);
      }
    } finally {
      await client.end();
    }
  };
  const ours = (payload: Row) => [...byKey(payload).values()].filter((r) => r.includes('FROM t WHERE id'));

  /** Rows by key, each as its wire JSON (order of the rows is the server's hash order, not compared). */
  const byKey = (payload: Row) =>
    new Map((payload.rows as Row[]).map((r) => [`${r.queryid}_${r.userid}_${r.dbid}`, encodeJson(r)]));

  it('equals a full read after new statements, moves, a reset, evictions, a crash and a single-entry reset', async () => {
    const options = pgStatStatementsOptions.parse({ diff_limit: 0 });
    const kinds: string[] = [];
    const steady = createPgStatStatements(options);
    const full = createPgStatStatements(options, 'full');
    const spy = spying(db, kinds);
    /** One tick of each reader; returns the kinds of reads the steady reader issued. */
    const tick = async () => {
      kinds.length = 0;
      const a = (await steady.collect(ctx(spy)))!;
      const issued = [...kinds];
      const b = (await full.collect(ctx(db)))!;
      expect(byKey(a)).toEqual(byKey(b));
      expect(a.delta_count).toBe(b.delta_count);
      expect(a.average_query_runtime).toBe(b.average_query_runtime);
      expect(encodeJson(a.deltas ?? [])).toHaveLength(encodeJson(b.deltas ?? []).length);
      return { issued, payload: a };
    };

    await run(0, 20);
    expect((await tick()).issued).toEqual(['info', 'keys', 'texts', 'counters']); // first tick: refill

    // The readers' own statements are new entries in the next ticks (texts read once, filtered).
    expect((await tick()).issued.slice(0, 2)).toEqual(['info', 'changed']);
    await tick();

    // Steady: the same statements again move their counts; one pass, no keys pass, no text read.
    await run(0, 5);
    const moved = await tick();
    expect(moved.issued).toEqual(['info', 'changed']);
    expect(moved.payload.delta_count).toBe(5);
    const again = await tick(); // nothing moved but the agent's own statements, which are filtered
    expect(again.issued).toEqual(['info', 'changed']);
    expect(again.payload.delta_count).toBe(0);

    // New statements: their counters come with the same pass; texts are read for them only.
    await run(20, 10);
    const fresh = await tick();
    expect(fresh.issued).toEqual(['info', 'changed', 'texts']);
    expect(ours(fresh.payload)).toHaveLength(30);

    // A reset of every entry moves pg_stat_statements_info.stats_reset: a resync.
    await cluster.sql('SELECT pg_stat_statements_reset()');
    await run(0, 3);
    const reset = await tick();
    expect(reset.issued[1]).toBe('keys');
    expect(ours(reset.payload)).toHaveLength(3);

    // More distinct statements than pg_stat_statements.max: evictions move `dealloc`: a resync.
    await run(100, 120);
    const evicted = await tick();
    expect(evicted.issued[1]).toBe('keys');

    // A clean restart keeps the entries and the info row: the next tick stays steady.
    await cluster.restart();
    await run(100, 2);
    await tick(); // the pool reconnects; the eviction burst may still be settling
    await run(100, 2);
    expect((await tick()).issued).toEqual(['info', 'changed']);

    // A crash (a backend killed: the postmaster reinitialises shared memory) loses every entry and
    // restarts the info row: the next tick resyncs.
    const victimClient = new pg.Client({ connectionString: cluster.url });
    victimClient.on('error', () => undefined);
    await victimClient.connect();
    const { rows: pids } = await victimClient.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    process.kill(pids[0]!.pid, 'SIGKILL');
    await expect
      .poll(
        () =>
          cluster.sql('SELECT count(*)::int AS n FROM pg_stat_statements').then(
            () => true,
            () => false,
          ),
        {
          timeout: 30_000,
        },
      )
      .toBe(true);
    await victimClient.end().catch(() => undefined);
    await run(0, 4);
    const crashed = await tick();
    expect(crashed.issued[1]).toBe('keys');
    expect(ours(crashed.payload)).toHaveLength(4);

    // Removing one entry moves nothing that a steady pass sees; the resync every RESYNC_TICKS
    // ticks drops it. Until then the steady reader still sends it, the full read does not.
    await run(0, 4);
    await tick();
    const [gone] = (await cluster.sql(
      "SELECT userid::text, dbid::text, queryid::text FROM pg_stat_statements WHERE query LIKE 'SELECT v, v FROM t WHERE id%'",
    )) as { userid: string; dbid: string; queryid: string }[];
    expect(gone).toBeDefined();
    await cluster.sql(`SELECT pg_stat_statements_reset(${gone!.userid}, ${gone!.dbid}, ${gone!.queryid})`);
    const goneKey = `${gone!.queryid}_${gone!.userid}_${gone!.dbid}`;
    let ticks = 0;
    for (;;) {
      kinds.length = 0;
      const a = (await steady.collect(ctx(spy)))!;
      await full.collect(ctx(db));
      ticks++;
      if (!byKey(a).has(goneKey)) {
        expect(kinds[1]).toBe('keys');
        break;
      }
      expect(kinds.slice(0, 2)).toEqual(['info', 'changed']); // texts: the readers' statements, new since the crash
      expect(kinds).not.toContain('keys');
      expect(ticks).toBeLessThanOrEqual(RESYNC_TICKS);
    }
    expect((await tick()).issued).toEqual(['info', 'changed']);
  }, 90_000);
});

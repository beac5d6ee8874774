/**
 * The complex catalog collectors against real clusters (13 and 18 always, plus PG_MAJORS).
 * Expected values are computed here from snapshots read directly with SQL.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTransactions } from '../../collectors/database-transactions.js';
import { buildDdl, ddl } from '../../collectors/ddl.js';
import { createPgClass, pgClassSql } from '../../collectors/pg-class.js';
import {
  createPgStatStatements,
  pgStatStatementsOptions,
} from '../../collectors/pg-stat-statements/index.js';
import { AGENT_TAG, UTILITY_PATTERN } from '../../collectors/pg-stat-statements/query.js';
import {
  PG_STAT_USER_INDEXES_ALL_SQL,
  PG_STAT_USER_INDEXES_SQL,
  pgStatUserIndexes,
} from '../../collectors/pg-stat-user-indexes.js';
import {
  PG_STAT_USER_TABLES_ALL_SQL,
  PG_STAT_USER_TABLES_SQL,
  pgStatUserTables,
} from '../../collectors/pg-stat-user-tables.js';
import { pgStatioUserTablesSql } from '../../collectors/pg-statio-user-tables.js';
import { pgStatioUserIndexes } from '../../collectors/pg-statio-user-indexes.js';
import { analyzedTablesSql, createPgStats } from '../../collectors/pg-stats.js';
import { serverUptime } from '../../collectors/server-uptime.js';
import type { CollectContext } from '../../collectors/types.js';
import { waitEvents } from '../../collectors/wait-events.js';
import { silentLogger } from '../../src/log.js';
import { encodeJson, sha256Hex } from '../../src/platform/json.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { collectorTypes } from '../../src/pg/types.js';
import { pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const run = promisify(execFile);
const majors = [...new Set([13, 18, ...pgMajors()])].sort((a, b) => a - b);
const log = silentLogger();

// Payload rows are checked field by field; their static type is deliberately loose here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
type Snapshot = Map<string, { calls: bigint; exec: number }>;

describe.each(majors)('complex collectors on PostgreSQL %i', (major) => {
  let cluster: PgCluster;
  const dbs: Db[] = [];
  const open = (database = 'postgres'): Db => {
    const db = createDb({ connectionUrl: cluster.urlFor(database), readOnly: true, types: collectorTypes });
    dbs.push(db);
    return db;
  };
  const ctx = (db: Db): CollectContext => ({
    db,
    pgMajor: major,
    log,
    signal: new AbortController().signal,
    now: () => new Date(),
  });

  beforeAll(async () => {
    cluster = await startPostgres({
      major,
      settings: { 'pg_stat_statements.track': 'all', autovacuum: 'off' },
    });
  });
  afterAll(async () => {
    for (const db of dbs) await db.end().catch(() => undefined);
    await cluster?.destroy();
  });

  /** Filtered, key-summed counters straight from the view (the hand computation's input). */
  async function snapshot(db: Db): Promise<Snapshot> {
    const { rows } = await db.query(
      `SELECT ${AGENT_TAG} queryid::text AS q, userid, dbid, sum(calls)::text AS calls, sum(total_exec_time) AS exec
       FROM public.pg_stat_statements WHERE strpos(query, '${AGENT_TAG}') = 0 AND query !~* $re$${UTILITY_PATTERN}$re$
       GROUP BY 1, 2, 3`,
    );
    return new Map(
      rows.map((r: Row) => [
        `${r.q}_${r.userid}_${r.dbid}`,
        { calls: BigInt(r.calls), exec: Number(r.exec) },
      ]),
    );
  }

  it('pg_stat_statements: nested statements merge, deltas and average runtime match SQL, queryids exact', async () => {
    await cluster.sql(`CREATE TABLE pgss_t (id int PRIMARY KEY, v text);
      INSERT INTO pgss_t SELECT g, md5(g::text) FROM generate_series(1, 100) g;
      CREATE FUNCTION pgss_f(i int) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE n bigint; BEGIN SELECT count(*) INTO n FROM pgss_t WHERE id <= i; RETURN n; END $$;`);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const workload = async (k: number) => {
      for (let i = 0; i < k; i++) {
        await client.query('SELECT pgss_f($1)', [i]);
        await client.query('SELECT count(*) FROM pgss_t WHERE id <= $1', [i]); // same queryid as the nested one
        await client.query(`SELECT v FROM pgss_t WHERE id = ${i}`);
      }
      await client.query('BEGIN');
      await client.query('COMMIT');
    };
    try {
      const db = open();
      const uncapped = createPgStatStatements(pgStatStatementsOptions.parse({ diff_limit: 0 }));
      const capped = createPgStatStatements(pgStatStatementsOptions.parse({ diff_limit: 2 }));
      const full = createPgStatStatements(pgStatStatementsOptions.parse({ diff_limit: 0 }), 'full');
      // The two-phase cache refilled two keys per round trip: the pages must add up to a full read.
      const paged = createPgStatStatements(pgStatStatementsOptions.parse({ diff_limit: 0 }), 'two-phase', 2);
      await workload(5);
      const a = await snapshot(db);
      const first = (await uncapped.collect(ctx(db)))!;
      await capped.collect(ctx(db));
      await full.collect(ctx(db));
      const firstPaged = (await paged.collect(ctx(db)))!;
      expect(firstPaged.rows).toEqual(first.rows);
      expect((first.rows as Row[]).length).toBeGreaterThan(4); // several pages
      expect(first.deltas).toBeUndefined();
      expect(first.delta_count).toBe(0);
      expect(first.average_query_runtime).toBe(0);

      await workload(7);
      const b = await snapshot(db);
      const second = (await uncapped.collect(ctx(db)))!;
      const secondCapped = (await capped.collect(ctx(db)))!;
      const secondFull = (await full.collect(ctx(db)))!;
      const secondPaged = (await paged.collect(ctx(db)))!;

      // Hand computation from the two SQL snapshots.
      const expected = new Map<string, { calls: number; exec: number }>();
      let sumExec = 0;
      let sumCalls = 0;
      for (const [key, cur] of b) {
        const prev = a.get(key) ?? { calls: 0n, exec: 0 };
        const calls = Number(cur.calls - prev.calls);
        const exec = cur.exec - prev.exec;
        if (calls > 0 && exec > 0) {
          expected.set(key, { calls, exec });
          sumExec += exec;
          sumCalls += calls;
        }
      }
      expect(expected.size).toBeGreaterThanOrEqual(3);
      const deltas = second.deltas as Row[];
      expect(second.delta_count).toBe(expected.size);
      expect(deltas).toHaveLength(expected.size);
      for (const d of deltas) {
        const e = expected.get(`${d.queryid}_${d.userid}_${d.dbid}`);
        expect(e, `delta ${d.queryid}`).toBeDefined();
        expect(d.calls).toBe(e!.calls);
        expect(d.total_exec_time).toBeCloseTo(e!.exec, 9);
      }
      expect(second.average_query_runtime).toBeCloseTo(sumExec / sumCalls, 9);
      // The cap limits rows and deltas, not the count or the average.
      expect(secondCapped.rows).toHaveLength(2);
      expect((secondCapped.deltas as Row[]).length).toBeLessThanOrEqual(2);
      expect(secondCapped.delta_count).toBe(expected.size);
      expect(secondCapped.average_query_runtime).toBeCloseTo(sumExec / sumCalls, 9);
      // Both read strategies see the same statements.
      expect(secondFull.delta_count).toBe(second.delta_count);
      expect((secondFull.rows as Row[]).length).toBe((second.rows as Row[]).length);
      expect({ ...secondPaged, collected_at: null }).toEqual({ ...second, collected_at: null });

      // No duplicate keys although track=all recorded top-level and nested entries.
      const rows = second.rows as Row[];
      const keys = rows.map((r) => `${r.queryid}_${r.userid}_${r.dbid}`);
      expect(new Set(keys).size).toBe(keys.length);
      const raw = await db.query(
        `SELECT ${AGENT_TAG} queryid::text AS q, userid, dbid, count(*)::int AS n, sum(calls)::text AS calls FROM public.pg_stat_statements
         WHERE query LIKE '%count(*)%pgss_t%' GROUP BY 1, 2, 3`,
      );
      expect(raw.rows.length).toBeGreaterThan(0);
      if (major >= 14) expect(raw.rows.some((r: Row) => r.n === 2)).toBe(true);
      for (const r of raw.rows as Row[]) {
        const merged = rows.find(
          (x) => `${x.queryid}_${x.userid}_${x.dbid}` === `${r.q}_${r.userid}_${r.dbid}`,
        );
        expect(merged?.calls).toBe(Number(r.calls));
        expect(merged?.toplevel).toBeNull();
      }
      // Every queryid is the exact server value, carried as a bigint and encoded as a JSON integer.
      const ids = await db.query(
        `SELECT ${AGENT_TAG} queryid::text AS q, userid, dbid FROM public.pg_stat_statements`,
      );
      const valid = new Set(ids.rows.map((r: Row) => `${r.q}_${r.userid}_${r.dbid}`));
      const json = encodeJson(second);
      for (const r of rows) {
        expect(typeof r.queryid).toBe('bigint');
        expect(valid.has(`${r.queryid}_${r.userid}_${r.dbid}`)).toBe(true);
        expect(json).toContain(`"queryid":${r.queryid.toString()},`);
      }
      expect(rows.some((r) => String(r.query).includes(AGENT_TAG))).toBe(false);
      expect(rows.some((r) => /^\s*(BEGIN|COMMIT)\s*;?\s*$/i.test(String(r.query)))).toBe(false);
    } finally {
      await client.end();
    }
  });

  it('pg_stat_statements: the two-phase reader equals a full read tick after tick: idle, moved, one entry reset, re-created', async () => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE IF NOT EXISTS pgss_r (id int PRIMARY KEY)');
      const db = open();
      const options = pgStatStatementsOptions.parse({ diff_limit: 0 });
      const twoPhase = createPgStatStatements(options, 'two-phase', 3);
      const full = createPgStatStatements(options, 'full');
      const byKey = (p: Row) =>
        new Map((p.rows as Row[]).map((r) => [`${r.queryid}_${r.userid}_${r.dbid}`, r]));
      const deltaKeys = (p: Row) =>
        ((p.deltas ?? []) as Row[]).map((d) => `${d.queryid}_${d.userid}_${d.dbid}:${d.calls}`).sort();
      const tick = async () => {
        const a = (await twoPhase.collect(ctx(db)))!;
        const b = (await full.collect(ctx(db)))!;
        expect(byKey(a)).toEqual(byKey(b));
        expect(deltaKeys(a)).toEqual(deltaKeys(b));
        expect(a.delta_count).toBe(b.delta_count);
        return a;
      };
      for (let i = 0; i < 4; i++) await client.query(`SELECT id FROM pgss_r WHERE id = ${i}`);
      await client.query('SELECT count(*) FROM pgss_r');
      await tick();
      const idle = await tick(); // nothing ran in between (the agent's own statements are filtered)
      expect(idle.delta_count).toBe(0);

      await client.query('SELECT count(*) FROM pgss_r');
      const moved = await tick();
      expect(moved.delta_count).toBe(1);

      // Drop one entry, then let it come back with fewer calls than the agent last saw.
      const { rows } = await db.query(
        `SELECT ${AGENT_TAG} queryid::text AS q, userid, dbid, calls::int AS calls FROM public.pg_stat_statements
         WHERE query LIKE 'SELECT count(*) FROM pgss_r%'`,
      );
      const entry = rows[0] as Row;
      expect(entry.calls).toBeGreaterThanOrEqual(2);
      await client.query('SELECT pg_stat_statements_reset($1::oid, $2::oid, $3::int8)', [
        entry.userid,
        entry.dbid,
        entry.q,
      ]);
      const gone = await tick();
      expect(byKey(gone).has(`${entry.q}_${entry.userid}_${entry.dbid}`)).toBe(false);
      await client.query('SELECT count(*) FROM pgss_r');
      const back = await tick();
      const row = byKey(back).get(`${entry.q}_${entry.userid}_${entry.dbid}`);
      expect(row?.calls).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('pg_statio_user_indexes: a walk sends every index once, in order, when indexes are dropped and created mid-walk', async () => {
    await cluster.sql('CREATE DATABASE statio_walk');
    await cluster.sql(
      `CREATE TABLE w (a int, b int, c int, d int, e int, f int);
       ${['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `CREATE INDEX w_${c} ON w (${c});`).join('\n')}`,
      'statio_walk',
    );
    const db = open('statio_walk');
    const ids = async () =>
      (
        await db.query('SELECT indexrelid::int8 AS id FROM pg_statio_user_indexes ORDER BY indexrelid')
      ).rows.map((r: Row) => Number(r.id));
    const before = await ids();
    expect(before).toHaveLength(6);
    const statio = pgStatioUserIndexes.create({ backfill_batch_size: 2 });
    const sent: number[] = [];
    const page = async () => {
      const p = await statio.collect(ctx(db));
      const rows = (p?.rows ?? []) as Row[];
      sent.push(...rows.map((r) => Number(r.indexrelid)));
      return rows.length;
    };
    expect(await page()).toBe(2);
    // An index the walk has passed is dropped and a new one created: an OFFSET walk would now skip
    // one of the indexes not yet sent.
    await cluster.sql('DROP INDEX w_a; CREATE INDEX w_g ON w (a, b)', 'statio_walk');
    while ((await page()) > 0);
    const after = await ids();
    expect(sent).toEqual([...before, ...after.filter((id) => !before.includes(id))]);
    expect(new Set(sent).size).toBe(sent.length);
    // Delta mode: nothing changed since, so the next page sends nothing.
    expect(await page()).toBe(0);
  });

  it('per-relation statistics: the rank-then-fetch SQL returns exactly what ranking the whole view returns', async () => {
    await cluster.sql('CREATE DATABASE topn_eq');
    const tables = Array.from({ length: 12 }, (_, t) => t);
    await cluster.sql(
      tables
        .map(
          (t) =>
            `CREATE TABLE t${t} (id int PRIMARY KEY, a int, b int); CREATE INDEX t${t}_a ON t${t} (a);
             INSERT INTO t${t} SELECT g, g % 3, g FROM generate_series(1, ${5 + t}) g;`,
        )
        .join('\n'),
      'topn_eq',
    );
    // Uneven activity with ties: every third table scanned, some updated or deleted from, one analyzed, one vacuumed.
    for (const t of tables) {
      if (t % 3 === 0) await cluster.sql(`SELECT count(*) FROM t${t} WHERE a = 1`, 'topn_eq');
      if (t % 4 === 0) await cluster.sql(`UPDATE t${t} SET b = b + 1 WHERE id <= 2`, 'topn_eq');
      if (t % 5 === 0) await cluster.sql(`DELETE FROM t${t} WHERE id = 1`, 'topn_eq');
    }
    await cluster.sql('ANALYZE t1', 'topn_eq');
    await cluster.sql('VACUUM t2', 'topn_eq');
    // PG 13-14 deliver statistics through the stats collector, up to ~0.5 s late.
    await expect
      .poll(
        async () =>
          (
            await cluster.sql(
              `SELECT count(*)::int AS n FROM pg_stat_user_tables
               WHERE (relname = 't1' AND last_analyze IS NOT NULL) OR (relname = 't2' AND last_vacuum IS NOT NULL)`,
              'topn_eq',
            )
          )[0]?.n,
        { timeout: 10_000 },
      )
      .toBe(2);
    const since = new Date(Date.now() - 600_000).toISOString();
    const reference = {
      tables: `WITH s AS MATERIALIZED (SELECT * FROM pg_stat_user_tables),
        top AS ((SELECT relid FROM s ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC, relid LIMIT $1::int)
          UNION (SELECT relid FROM s ORDER BY seq_scan + coalesce(idx_scan, 0) DESC, relid LIMIT $1::int)
          UNION (SELECT relid FROM s ORDER BY n_dead_tup DESC, relid LIMIT $1::int))
        SELECT s.* FROM s WHERE relid IN (SELECT relid FROM top) ORDER BY schemaname, relname`,
      indexes: `WITH s AS MATERIALIZED (SELECT * FROM pg_stat_user_indexes),
        top AS ((SELECT indexrelid FROM s ORDER BY idx_scan DESC, indexrelid LIMIT $1::int)
          UNION (SELECT indexrelid FROM s ORDER BY idx_tup_read DESC, indexrelid LIMIT $1::int)
          UNION (SELECT indexrelid FROM s WHERE idx_scan = 0 ORDER BY idx_tup_read DESC, indexrelid LIMIT $1::int))
        SELECT s.* FROM s WHERE indexrelid IN (SELECT indexrelid FROM top) ORDER BY schemaname, relname, indexrelname`,
      statio: `SELECT * FROM pg_statio_user_tables
        WHERE coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0) + coalesce(idx_blks_read, 0) + coalesce(idx_blks_hit, 0) > 0
        ORDER BY coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) DESC, relid LIMIT 500`,
      analyzed: `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind = 'r'
          AND c.oid IN (SELECT relid FROM pg_stat_user_tables
            WHERE GREATEST(last_analyze, last_autoanalyze, last_vacuum, last_autovacuum)
                  > $1::timestamptz - make_interval(secs => $2::float8 / 1000))
        ORDER BY c.oid`,
    };
    const client = new pg.Client({ connectionString: cluster.urlFor('topn_eq') });
    await client.connect();
    try {
      // One statistics snapshot for both sides of each comparison.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      if (major >= 15) await client.query('SET LOCAL stats_fetch_consistency = snapshot');
      const rows = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows;
      for (const limit of [1, 2, 5]) {
        const t = await rows(PG_STAT_USER_TABLES_SQL, [limit]);
        expect(t, `pg_stat_user_tables, limit ${limit}`).toEqual(await rows(reference.tables, [limit]));
        const i = await rows(PG_STAT_USER_INDEXES_SQL, [limit]);
        expect(i, `pg_stat_user_indexes, limit ${limit}`).toEqual(await rows(reference.indexes, [limit]));
        expect(t.length).toBeLessThan(tables.length);
      }
      // category_limit 0: every row, read without ranking.
      expect(await rows(PG_STAT_USER_TABLES_ALL_SQL, [])).toEqual(await rows(reference.tables, [null]));
      expect(await rows(PG_STAT_USER_INDEXES_ALL_SQL, [])).toEqual(await rows(reference.indexes, [null]));
      expect(await rows(pgStatioUserTablesSql(major), [])).toEqual(await rows(reference.statio, []));
      const delta = await rows(
        `SELECT oid FROM (${pgClassSql(major, { kind: 'delta', since })}) d ORDER BY oid`,
        [since, 0],
      );
      expect(delta.length).toBeGreaterThanOrEqual(2);
      expect(delta).toEqual(await rows(reference.analyzed, [since, 0]));
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  });

  it('pg_stat_statements: the utility pattern means the same in PostgreSQL and JavaScript', async () => {
    const samples = [
      'BEGIN',
      ' commit ;',
      'ROLLBACK',
      'SELECT $1',
      'select version ( )',
      'SELECT pg_',
      'SET ',
      'SHOW ',
      'SET work_mem = $1',
      'SELECT $1, $2',
      'SELECT version() FROM t',
      'BEGIN ISOLATION LEVEL SERIALIZABLE',
      'select * from pgss_t',
    ];
    const { rows } = await open().query(
      `SELECT s, s ~* $re$${UTILITY_PATTERN}$re$ AS m FROM unnest($1::text[]) s`,
      [samples],
    );
    const js = new RegExp(UTILITY_PATTERN, 'i');
    for (const r of rows as Row[]) expect(r.m, r.s).toBe(js.test(r.s));
    expect(rows.filter((r: Row) => r.m).length).toBe(8);
  });

  it('pg_stat_statements: old extension versions on this server, and a version change resets deltas', async () => {
    const rows = await cluster.sql(
      "SELECT version FROM pg_available_extension_versions WHERE name = 'pg_stat_statements' AND version IN ('1.7', '1.8') ORDER BY 1",
    );
    const versions = rows.map((r) => String(r.version));
    expect(versions).toContain('1.8');
    for (const v of versions) {
      const name = `pgss_old_${v.replace('.', '_')}`;
      await cluster.sql(`CREATE DATABASE ${name}`);
      await cluster.sql(`CREATE EXTENSION pg_stat_statements VERSION '${v}'`, name);
      const db = open(name);
      const c = createPgStatStatements(pgStatStatementsOptions.parse({}));
      await cluster.sql('SELECT count(*) FROM pg_class', name);
      const p1 = (await c.collect(ctx(db)))!;
      const rowsOld = p1.rows as Row[];
      expect(rowsOld.length).toBeGreaterThan(0);
      const r0 = rowsOld[0]!;
      expect(r0).toHaveProperty('shared_blk_read_time');
      expect(r0).not.toHaveProperty('local_blk_read_time'); // omitempty before 1.11
      expect(r0.toplevel).toBeNull();
      expect(r0.jit_functions).toBeNull();
      if (v === '1.7') expect(r0.plans).toBeNull();
      else expect(typeof r0.plans).toBe('number');
      await cluster.sql('SELECT count(*) FROM pg_class', name);
      expect((await c.collect(ctx(db)))!.delta_count).toBeGreaterThan(0);
      await cluster.sql(`ALTER EXTENSION pg_stat_statements UPDATE`, name);
      await cluster.sql('SELECT count(*) FROM pg_class', name);
      const after = (await c.collect(ctx(db)))!;
      const [{ extversion }] = (await cluster.sql(
        "SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'",
        name,
      )) as [Row];
      if (extversion === v) {
        expect(after.delta_count).toBeGreaterThan(0); // the newest version already: deltas continue
      } else {
        expect(after.deltas).toBeUndefined(); // new version: the snapshot starts over
        expect(after.delta_count).toBe(0);
      }
      if (major >= 17) expect((after.rows as Row[])[0]).toHaveProperty('local_blk_read_time');
    }
  });

  it('ddl: the script recreates the same schema in an empty database', async () => {
    await cluster.sql('CREATE DATABASE ddl_src');
    await cluster.sql('CREATE DATABASE ddl_dst');
    await cluster.sql(DDL_FIXTURE, 'ddl_src');
    const payload = (await ddl.create({}).collect(ctx(open('ddl_src'))))!;
    const script = payload.ddl as string;
    expect(payload.ddl_hash).toBe(sha256Hex(script));
    for (const s of [
      'CREATE TYPE app.mood AS ENUM',
      'CREATE DOMAIN app.posint',
      'PARTITION OF app.events',
      'CREATE POLICY',
      'CREATE TRIGGER',
      'GENERATED ALWAYS AS IDENTITY',
      'FOREIGN KEY',
    ]) {
      expect(script).toContain(s);
    }
    expect(script.indexOf('CREATE OR REPLACE FUNCTION app.user_count')).toBeGreaterThan(
      script.indexOf('CREATE TABLE app.users'),
    );
    expect(script.indexOf('CREATE VIEW app.a_view')).toBeGreaterThan(
      script.indexOf('CREATE VIEW app.b_view'),
    );
    await cluster.sql(script, 'ddl_dst');
    const again = await buildDdl(open('ddl_dst'));
    expect(again).toBe(script);
  });

  it('database_transactions: tps > 0 under pgbench', async () => {
    const conn = ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres'];
    await run('/usr/bin/pgbench', ['-i', '-s', '1', '-q', ...conn, 'postgres']);
    const c = databaseTransactions.create({});
    const db = open();
    const first = (await c.collect(ctx(db)))!;
    expect((first.rows as Row[])[0]).not.toHaveProperty('tps');
    await run('/usr/bin/pgbench', ['-T', '3', '-c', '2', ...conn, 'postgres']);
    const second = (await c.collect(ctx(db)))!;
    const row = (second.rows as Row[])[0]!;
    expect(row.tps).toBeGreaterThan(0);
    expect(row.xact_commit).toBeGreaterThan((first.rows as Row[])[0]!.xact_commit);
  });

  it('pg_class: backfill pages, then deltas after ANALYZE, then a full rescan on the 30th delta tick', async () => {
    await cluster.sql(
      'CREATE TABLE cls_a (id int PRIMARY KEY); CREATE TABLE cls_b (id int); CREATE MATERIALIZED VIEW cls_m AS SELECT 1 AS x',
    );
    const db = open();
    const { rows: cnt } = await db.query(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'i', 'm')",
    );
    const total = (cnt[0] as Row).n as number;
    const c = createPgClass({ backfill_batch_size: 3 }, 0);
    const seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      const p = await c.collect(ctx(db));
      if (!p) break;
      expect((p.rows as Row[]).length).toBeLessThanOrEqual(3);
      seen.push(...(p.rows as Row[]).map((r) => `${r.schemaname}.${r.relname}`));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(await c.collect(ctx(db))).toBeNull(); // nothing analyzed since
    await cluster.sql('ANALYZE cls_b');
    await waitFor(
      db,
      "SELECT last_analyze IS NOT NULL AS ok FROM pg_stat_user_tables WHERE relname = 'cls_b'",
    );
    const delta = (await c.collect(ctx(db)))!;
    expect((delta.rows as Row[]).map((r) => r.relname)).toEqual(['cls_b']);
    const r = (delta.rows as Row[])[0]!;
    expect(typeof r.relfrozenxid).toBe('string');
    if (major >= 18) expect(r).toHaveProperty('relallfrozen');
    else expect(r).not.toHaveProperty('relallfrozen');
    let full: Row | null = null;
    for (let i = 0; i < 28 && !full; i++) {
      const p = await c.collect(ctx(db));
      if (p && (p.rows as Row[]).length === total) full = p;
    }
    expect(full).not.toBeNull();
  });

  it('pg_stats: bootstrap without values, backfill pages with values, then deltas', async () => {
    await cluster.sql(
      "CREATE TABLE st_a (k text, n int); INSERT INTO st_a SELECT 'v' || (g % 5), g FROM generate_series(1, 500) g; CREATE TABLE st_b (x int); INSERT INTO st_b SELECT generate_series(1, 50); ANALYZE st_a; ANALYZE st_b; " +
        'CREATE TABLE st_p (k int) PARTITION BY RANGE (k); CREATE TABLE st_p1 PARTITION OF st_p FOR VALUES FROM (0) TO (100); ' +
        'INSERT INTO st_p SELECT generate_series(0, 99); ANALYZE st_p',
    );
    // The delta's first question, read from the functions under pg_stat_user_tables, names the
    // same tables as the view (partitioned ones included from PostgreSQL 14).
    await waitFor(
      open(),
      "SELECT count(*) = 3 AS ok FROM pg_stat_user_tables WHERE relname IN ('st_a', 'st_b', 'st_p1') AND last_analyze IS NOT NULL",
    );
    const since = ['-infinity', 0];
    const names = (rows: Row[]) => rows.map((r) => `${r.schemaname}.${r.tablename}`).sort();
    expect(names((await open().query(analyzedTablesSql(major), since)).rows as Row[])).toEqual(
      names(
        (
          await open().query(
            `SELECT schemaname::text, relname::text AS tablename FROM pg_stat_user_tables
             WHERE GREATEST(last_analyze, last_autoanalyze) > $1::timestamptz - make_interval(secs => $2::float8 / 1000)`,
            since,
          )
        ).rows as Row[],
      ),
    );
    const db = open();
    const withData = createPgStats({ backfill_batch_size: 1, include_table_data: true }, 0);
    const boot = (await withData.collect(ctx(db)))!;
    expect((boot.rows as Row[]).some((r) => r.tablename === 'st_a')).toBe(true);
    expect(
      (boot.rows as Row[]).every((r) => r.most_common_vals === null && r.histogram_bounds === null),
    ).toBe(true);
    const { rows: tn } = await db.query(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
    );
    const paged: Row[] = [];
    for (let i = 0; i <= (tn[0] as Row).n; i++) {
      const p = await withData.collect(ctx(db)); // one table per page; tables without statistics give null
      if (p) expect(new Set((p.rows as Row[]).map((r) => r.tablename)).size).toBe(1);
      paged.push(...((p?.rows as Row[] | undefined) ?? []));
    }
    const k = paged.find((r) => r.tablename === 'st_a' && r.attname === 'k')!;
    expect(k.most_common_vals).toEqual(expect.arrayContaining(['v0', 'v1', 'v2', 'v3', 'v4']));
    expect(k.most_common_freqs).toHaveLength(5);
    expect(await withData.collect(ctx(db))).toBeNull();
    // Wait for THIS analyze to reach pg_stat_user_tables (PG 13–14 report it through the stats
    // collector, late under load), not for the one at the top of the test.
    const { rows: clock } = await db.query<{ t: string }>('SELECT now()::text AS t');
    await cluster.sql('ANALYZE st_b');
    await waitFor(
      db,
      `SELECT last_analyze > '${clock[0]!.t}'::timestamptz AS ok FROM pg_stat_user_tables WHERE relname = 'st_b'`,
    );
    const delta = (await withData.collect(ctx(db)))!;
    expect(new Set((delta.rows as Row[]).map((r) => r.tablename))).toEqual(new Set(['st_b']));
    // The delta reads pg_stats only for the tables a cheap first query names (st_b here); its
    // rows are pg_stats' own rows for them.
    const { rows: reference } = await db.query(
      `SELECT attname::text, inherited, null_frac, avg_width, n_distinct, correlation,
              histogram_bounds::text AS histogram_bounds
       FROM pg_stats WHERE schemaname = 'public' AND tablename = 'st_b' ORDER BY attname, inherited`,
    );
    expect(reference.length).toBeGreaterThan(0);
    // The delta sends histogram_bounds as an array; the reference reads its text form '{a,b,…}'.
    const columns = (r: Row, bounds: unknown) =>
      [r.attname, r.inherited, r.null_frac, r.avg_width, r.n_distinct, r.correlation, bounds] as const;
    expect((delta.rows as Row[]).map((r) => columns(r, r.histogram_bounds))).toEqual(
      (reference as Row[]).map((r) => columns(r, String(r.histogram_bounds).slice(1, -1).split(','))),
    );
    const noData = createPgStats({ backfill_batch_size: 200, include_table_data: false }, 0);
    const b2 = (await noData.collect(ctx(db)))!;
    expect((b2.rows as Row[]).length).toBeGreaterThan(0);
    expect(await noData.collect(ctx(db))).toBeNull(); // straight to delta, nothing analyzed since
  });

  it('pg_statio_user_indexes, pg_stat_user_tables/indexes, server_uptime, wait_events', async () => {
    const db = open();
    const statio = pgStatioUserIndexes.create({ backfill_batch_size: 2 });
    const { rows: idx } = await db.query('SELECT count(*)::int AS n FROM pg_statio_user_indexes');
    let sent = 0;
    for (let p = await statio.collect(ctx(db)); p; p = await statio.collect(ctx(db)))
      sent += (p.rows as Row[]).length;
    expect(sent).toBe((idx[0] as Row).n);
    await cluster.sql('SELECT * FROM cls_a WHERE id = 1');

    const tables = (await pgStatUserTables.create({ category_limit: 1 }).collect(ctx(db)))!;
    expect((tables.rows as Row[]).length).toBeGreaterThan(0);
    expect((tables.rows as Row[]).length).toBeLessThanOrEqual(3);
    const all = (await pgStatUserTables.create({ category_limit: 0 }).collect(ctx(db)))!;
    const { rows: tn } = await db.query('SELECT count(*)::int AS n FROM pg_stat_user_tables');
    expect((all.rows as Row[]).length).toBe((tn[0] as Row).n);
    const indexes = (await pgStatUserIndexes.create({ category_limit: 1 }).collect(ctx(db)))!;
    expect((indexes.rows as Row[]).length).toBeLessThanOrEqual(3);
    expect((indexes.rows as Row[])[0]).toHaveProperty('indexrelname');

    const up = ((await serverUptime.create({}).collect(ctx(db)))!.rows as Row[])[0]!;
    const { rows: id } = await db.query('SELECT system_identifier::text AS s FROM pg_control_system()');
    expect(up.system_identifier).toBe(BigInt.asUintN(64, BigInt((id[0] as Row).s)).toString());
    expect(up.timeline_id).toBe(1);
    expect(up.uptime_minutes).toBeGreaterThan(0);
    expect(up.postmaster_start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const sleeper = cluster.sql('SELECT pg_sleep(1.5)');
    await waitFor(db, "SELECT count(*) > 0 AS ok FROM pg_stat_activity WHERE wait_event = 'PgSleep'");
    const waits = (await waitEvents.create({}).collect(ctx(db)))!.rows as Row[];
    await sleeper;
    expect(waits.map((w) => w.wait_event_type)).toEqual([
      'Activity',
      'BufferPin',
      'Client',
      'Extension',
      'IO',
      'IPC',
      'Lock',
      'LWLock',
      'Timeout',
      'TOTAL',
    ]);
    expect(waits.find((w) => w.wait_event_type === 'Timeout')!.current_count).toBeGreaterThanOrEqual(1);
    const sum = waits.slice(0, -1).reduce((s, w) => s + w.current_count, 0);
    expect(waits.at(-1)!.current_count).toBeGreaterThanOrEqual(sum);
  });
});

async function waitFor(db: Db, sql: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await db.query(sql);
    if (rows[0]?.ok === true) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waitFor: timed out: ${sql}`);
}

/** A schema touching every section of the ddl script. */
const DDL_FIXTURE = `
  CREATE EXTENSION pg_trgm;
  CREATE SCHEMA app;
  CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN app.posint AS integer DEFAULT 1 NOT NULL CONSTRAINT posint_check CHECK (VALUE > 0);
  CREATE TYPE app.pair AS (a integer, b text);
  CREATE TYPE app.floatrange AS RANGE (SUBTYPE = float8);
  CREATE SEQUENCE app.counter AS integer INCREMENT BY 5 START WITH 100;
  CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text COLLATE "C" NOT NULL UNIQUE,
    mood app.mood DEFAULT 'ok',
    score app.posint,
    created_at timestamptz NOT NULL DEFAULT now(),
    email_len int GENERATED ALWAYS AS (length(email)) STORED,
    note text,
    CONSTRAINT users_email_check CHECK (position('@' in email) > 1)
  ) WITH (fillfactor = 80);
  ALTER TABLE app.users ALTER COLUMN note SET STORAGE EXTERNAL;
  ALTER TABLE app.users ALTER COLUMN email SET STATISTICS 500;
  CREATE TABLE app.orders (id serial PRIMARY KEY, user_id bigint NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    total numeric(10, 2), pair app.pair, span app.floatrange, seq_no int DEFAULT nextval('app.counter'));
  CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL, payload jsonb, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (id);
  CREATE TABLE app.events_2025_a PARTITION OF app.events_2025 FOR VALUES IN (1, 2);
  CREATE TABLE app.events_other PARTITION OF app.events DEFAULT;
  CREATE INDEX events_payload_idx ON app.events USING gin (payload);
  CREATE TABLE app.base (id int, name text);
  CREATE TABLE app.child (extra int) INHERITS (app.base);
  CREATE UNLOGGED TABLE app.scratch (k text);
  CREATE TABLE public.plain (id int);
  CREATE INDEX orders_user_idx ON app.orders (user_id) WHERE total > 0;
  CREATE INDEX users_lower_email_idx ON app.users (lower(email));
  CREATE INDEX users_trgm_idx ON app.users USING gin (email gin_trgm_ops);
  CREATE FUNCTION app.user_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM app.users $$;
  CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$;
  CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
  CREATE FUNCTION app.default_score() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 7 $$;
  ALTER TABLE app.users ALTER COLUMN score SET DEFAULT app.default_score();
  CREATE PROCEDURE app.noop() LANGUAGE plpgsql AS $$ BEGIN END $$;
  CREATE VIEW app.b_view AS SELECT id, email FROM app.users WHERE app.user_count() >= 0;
  CREATE VIEW app.a_view AS SELECT id FROM app.b_view;
  CREATE MATERIALIZED VIEW app.order_totals AS SELECT user_id, sum(total) AS total FROM app.orders GROUP BY user_id;
  CREATE UNIQUE INDEX order_totals_user_idx ON app.order_totals (user_id);
  ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY orders_positive ON app.orders AS RESTRICTIVE FOR SELECT TO PUBLIC USING (total >= 0);
  CREATE POLICY orders_all ON app.orders USING (true) WITH CHECK (total IS NOT NULL);
`;

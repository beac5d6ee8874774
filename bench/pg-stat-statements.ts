/**
 * Benchmark: reading pg_stat_statements with 5 000+ entries, full read vs two-phase read.
 * Run: npx tsx bench/pg-stat-statements.ts   (PG_MAJOR=17 ENTRIES=6000 ROUNDS=7 CHANGED=50 to vary)
 *
 * Each round first runs CHANGED distinct statements (the "active" part of a workload), then times
 * one read. The two-phase reader is warmed once (its first read is a full fetch, reported apart).
 * Bytes are those received on the socket for the read.
 */
import pg from 'pg';
import { startCluster } from '../src/embedded/cluster.js';
import { tagSql, type Db, type QueryValues } from '../src/pg/pool.js';
import { buildQueries, EXT_VERSION_SQL, parseExtVersion } from '../collectors/pg-stat-statements/query.js';
import { createReader, type ReadStrategy } from '../collectors/pg-stat-statements/read.js';

const major = Number(process.env.PG_MAJOR ?? 17);
const entries = Number(process.env.ENTRIES ?? 6000);
const rounds = Number(process.env.ROUNDS ?? 7);
const changed = Number(process.env.CHANGED ?? 50);
const TABLES = Math.ceil(entries / 64);

/** A Db over one client, exposing the socket's received byte count. */
function clientDb(client: pg.Client): Db & { bytesRead(): number } {
  const db: Db & { bytesRead(): number } = {
    query: <R extends Record<string, unknown>>(sql: string, values?: QueryValues) =>
      client.query<R>(tagSql(sql), values as unknown[] | undefined),
    withClient: (fn) => fn(db),
    ping: async () => {
      await client.query('SELECT 1');
    },
    totalCount: 1,
    end: () => client.end(),
    bytesRead: () =>
      (client as unknown as { connection: { stream: { bytesRead: number } } }).connection.stream.bytesRead,
  };
  return db;
}

/** Statement `i` of the synthetic workload: 64 shapes per table, each a distinct queryid. */
function statement(i: number, literal: number): string {
  const t = Math.floor(i / 64) % TABLES;
  const a = (i % 64) % 8;
  const b = Math.floor((i % 64) / 8);
  return (
    `SELECT c${a} AS value_${a}, c${b} AS other_${b}, count(*) OVER () AS total_rows FROM bench_t${t} ` +
    `WHERE c${b} = ${literal} AND c${a} IS NOT NULL ORDER BY c${a} LIMIT 10`
  );
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const cluster = await startCluster({
    major,
    settings: { 'pg_stat_statements.max': 10000, 'pg_stat_statements.track': 'all' },
  });
  const client = new pg.Client({ connectionString: cluster.url });
  try {
    await client.connect();
    const ddl: string[] = [];
    for (let t = 0; t < TABLES; t++) {
      const cols = Array.from({ length: 8 }, (_, c) => `c${c} int`).join(', ');
      ddl.push(
        `CREATE TABLE bench_t${t} (${cols}); INSERT INTO bench_t${t} SELECT g, g, g, g, g, g, g, g FROM generate_series(1, 20) g;`,
      );
    }
    await client.query(ddl.join('\n'));
    await client.query('SELECT pg_stat_statements_reset()');
    for (let i = 0; i < entries; i += 500) {
      const batch = Array.from({ length: Math.min(500, entries - i) }, (_, k) => statement(i + k, 1));
      await client.query(batch.join(';\n'));
    }
    const db = clientDb(client);
    const [{ n, textBytes }] = (
      await client.query<{ n: number; textBytes: string }>(
        'SELECT count(*)::int AS n, sum(length(query))::text AS "textBytes" FROM pg_stat_statements',
      )
    ).rows as [{ n: number; textBytes: string }];
    const ext = (await db.query<{ extversion: string }>(EXT_VERSION_SQL)).rows[0]!.extversion;
    const q = buildQueries(parseExtVersion(ext)!, { includeQueries: true, maxQueryTextLength: 8192 });
    console.log(
      `PostgreSQL ${major}, pg_stat_statements ${ext}: ${n} entries, ${textBytes} bytes of query text`,
    );
    console.log(
      `${rounds} rounds; before each read ${changed} distinct statements run (the rest stay unchanged)\n`,
    );

    const results: { name: string; ms: number; bytes: number; rows: number }[] = [];
    let cursor = 0;
    const workload = async () => {
      const batch = Array.from({ length: changed }, (_, k) => statement((cursor + k) % entries, 2));
      cursor += changed;
      await client.query(batch.join(';\n'));
    };
    for (const strategy of ['full', 'two-phase'] as ReadStrategy[]) {
      const reader = createReader(strategy, q);
      if (strategy === 'full') await reader.read(db); // warm-up (JIT, plan cache), not counted
      if (strategy === 'two-phase') {
        const b0 = db.bytesRead();
        const t0 = performance.now();
        const rows = await reader.read(db);
        results.push({
          name: 'two-phase (cold, first tick)',
          ms: performance.now() - t0,
          bytes: db.bytesRead() - b0,
          rows: rows.keyed.size + rows.unkeyed.length,
        });
      }
      const times: number[] = [];
      const bytes: number[] = [];
      let rowsRead = 0;
      for (let r = 0; r < rounds; r++) {
        await workload();
        const b0 = db.bytesRead();
        const t0 = performance.now();
        const rows = await reader.read(db);
        times.push(performance.now() - t0);
        bytes.push(db.bytesRead() - b0);
        rowsRead = rows.keyed.size + rows.unkeyed.length;
      }
      results.push({
        name: strategy === 'full' ? 'full read' : 'two-phase (warm)',
        ms: median(times),
        bytes: median(bytes),
        rows: rowsRead,
      });
    }
    const keyTimes: number[] = [];
    let keyBytes = 0;
    for (let r = 0; r < rounds; r++) {
      const b0 = db.bytesRead();
      const t0 = performance.now();
      await db.query(q.keys);
      keyTimes.push(performance.now() - t0);
      keyBytes = db.bytesRead() - b0;
    }
    if (process.env.EXPLAIN) {
      const ks = (
        await client.query('SELECT queryid::text AS queryid, userid, dbid FROM pg_stat_statements LIMIT 50')
      ).rows;
      const plan = await client.query('EXPLAIN (ANALYZE) ' + q.countersByKeys, [
        ks.map((k) => k.queryid),
        ks.map((k) => k.userid),
        ks.map((k) => k.dbid),
      ]);
      console.log(plan.rows.map((x) => x['QUERY PLAN']).join('\n'));
      const plan2 = await client.query('EXPLAIN (ANALYZE) ' + q.full);
      console.log(plan2.rows.map((x) => x['QUERY PLAN']).join('\n'));
    }
    results.push({ name: '(first phase alone)', ms: median(keyTimes), bytes: keyBytes, rows: n });
    console.log('| strategy | median ms | bytes received | rows returned |');
    console.log('|---|---:|---:|---:|');
    for (const r of results) console.log(`| ${r.name} | ${r.ms.toFixed(1)} | ${r.bytes} | ${r.rows} |`);
  } finally {
    await client.end().catch(() => undefined);
    await cluster.destroy();
  }
}

await main();

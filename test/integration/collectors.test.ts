/**
 * Every simple catalog collector against real clusters (PG_MAJORS plus always 13 and 18), through a
 * read-only collector pool exactly as production builds it. Row shapes are compared with golden
 * files (`test/golden/<major>/<collector>.json`: field names, JSON value types, columns the server
 * lacks on that major, columns it returns that are not sent); `UPDATE_GOLDEN=1` rewrites them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowsCollectorDefinition } from '../../collectors/define.js';
import { autovacuumCount } from '../../collectors/autovacuum-count.js';
import { databaseConnections } from '../../collectors/database-connections.js';
import { pgAttribute } from '../../collectors/pg-attribute.js';
import { pgConstraint } from '../../collectors/pg-constraint.js';
import { pgDatabase } from '../../collectors/pg-database.js';
import { pgIndex } from '../../collectors/pg-index.js';
import { pgIndexInventory } from '../../collectors/pg-index-inventory.js';
import { pgLocks } from '../../collectors/pg-locks.js';
import { pgPreparedXacts } from '../../collectors/pg-prepared-xacts.js';
import { pgReplicationSlots } from '../../collectors/pg-replication-slots.js';
import { pgStatActivity } from '../../collectors/pg-stat-activity.js';
import { pgStatArchiver } from '../../collectors/pg-stat-archiver.js';
import { pgStatBgwriter } from '../../collectors/pg-stat-bgwriter.js';
import { pgStatCheckpointer } from '../../collectors/pg-stat-checkpointer.js';
import { pgStatDatabase } from '../../collectors/pg-stat-database.js';
import { pgStatDatabaseConflicts } from '../../collectors/pg-stat-database-conflicts.js';
import { pgStatIo } from '../../collectors/pg-stat-io.js';
import { pgStatProgressAnalyze } from '../../collectors/pg-stat-progress-analyze.js';
import { pgStatProgressCreateIndex } from '../../collectors/pg-stat-progress-create-index.js';
import { pgStatProgressVacuum } from '../../collectors/pg-stat-progress-vacuum.js';
import { pgStatRecoveryPrefetch } from '../../collectors/pg-stat-recovery-prefetch.js';
import { pgStatReplication } from '../../collectors/pg-stat-replication.js';
import { pgStatReplicationSlots } from '../../collectors/pg-stat-replication-slots.js';
import { pgStatSlru } from '../../collectors/pg-stat-slru.js';
import { pgStatSubscription } from '../../collectors/pg-stat-subscription.js';
import { pgStatSubscriptionStats } from '../../collectors/pg-stat-subscription-stats.js';
import { pgStatUserFunctions } from '../../collectors/pg-stat-user-functions.js';
import { pgStatWal } from '../../collectors/pg-stat-wal.js';
import { pgStatWalReceiver } from '../../collectors/pg-stat-wal-receiver.js';
import { pgStatioUserTables } from '../../collectors/pg-statio-user-tables.js';
import { pgType } from '../../collectors/pg-type.js';
import { systemDbSize } from '../../collectors/system-db-size.js';
import type { CollectContext } from '../../collectors/types.js';
import { silentLogger } from '../../src/log.js';
import { AGENT_SQL_TAG, createDb, type Db } from '../../src/pg/pool.js';
import { collectorTypes } from '../../src/pg/types.js';
import { pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const majors = [...new Set([13, 18, ...pgMajors()])].sort((a, b) => a - b);
const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const COLLECTORS: RowsCollectorDefinition[] = [
  autovacuumCount,
  databaseConnections,
  systemDbSize,
  pgAttribute,
  pgConstraint,
  pgDatabase,
  pgIndex,
  pgIndexInventory,
  pgLocks,
  pgPreparedXacts,
  pgReplicationSlots,
  pgType,
  pgStatActivity,
  pgStatArchiver,
  pgStatBgwriter,
  pgStatCheckpointer,
  pgStatDatabase,
  pgStatDatabaseConflicts,
  pgStatIo,
  pgStatProgressAnalyze,
  pgStatProgressCreateIndex,
  pgStatProgressVacuum,
  pgStatRecoveryPrefetch,
  pgStatReplication,
  pgStatReplicationSlots,
  pgStatSlru,
  pgStatSubscription,
  pgStatSubscriptionStats,
  pgStatUserFunctions,
  pgStatWal,
  pgStatWalReceiver,
  pgStatioUserTables,
];

/** Views that are empty on a lone primary with no VACUUM/ANALYZE running and no subscription. */
const EXPECTED_EMPTY = new Set([
  'pg_stat_progress_analyze',
  'pg_stat_progress_vacuum',
  'pg_stat_replication',
  'pg_stat_subscription',
  'pg_stat_subscription_stats',
  'pg_stat_wal_receiver',
]);

const SCHEMA = `
  CREATE SCHEMA app;
  CREATE TYPE app.mood AS ENUM ('ok', 'meh');
  CREATE TABLE app.owners (id int PRIMARY KEY, name text UNIQUE);
  CREATE TABLE app.items (
    id int PRIMARY KEY,
    owner_id int REFERENCES app.owners (id) DEFERRABLE INITIALLY DEFERRED,
    note text,
    mood app.mood,
    created timestamptz DEFAULT now()
  );
  CREATE INDEX items_owner_idx ON app.items (owner_id) WHERE owner_id IS NOT NULL;
  CREATE INDEX items_lower_note_idx ON app.items (lower(note));
  CREATE TABLE app.prep (id int);
  INSERT INTO app.owners SELECT g, 'o' || g FROM generate_series(1, 10) g;
  INSERT INTO app.items SELECT g, 1 + g % 10, 'n' || g, 'ok' FROM generate_series(1, 1000) g;
  ANALYZE app.owners, app.items;
  CREATE FUNCTION app.bump(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN i + 1; END $$;
  SELECT app.bump(g) FROM generate_series(1, 5) g;
  SELECT count(*) FROM app.items i JOIN app.owners o ON o.id = i.owner_id WHERE i.owner_id = 3;
`;

// ---------------------------------------------------------------------------------------------
// shape helpers

type Row = Record<string, unknown>;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'number';
  if (Array.isArray(v)) {
    const inner = [...new Set(v.filter((e) => e !== null).map(jsonType))].sort();
    return inner.length ? `array<${inner.join('|')}>` : 'array';
  }
  return typeof v;
}

/** Per field, the JSON types seen across rows (null only when never anything else). */
function fieldTypes(rows: Row[], fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const seen = [...new Set(rows.map((r) => jsonType(r[f])).filter((t) => t !== 'null'))].sort();
    out[f] = seen.length ? seen.join('|') : 'null';
  }
  return out;
}

const show = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
const isInt = (v: unknown) => typeof v === 'bigint' || Number.isInteger(v);
const GO_TIME = /^-?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/;
const KIND_CHECKS: Record<string, (v: unknown) => boolean> = {
  int: isInt,
  interval: isInt,
  float: (v) => typeof v === 'number',
  oid: (v) => Number.isInteger(v) && (v as number) >= 0,
  text: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  xid: (v) => typeof v === 'string' && /^\d+$/.test(v),
  lsn: (v) => typeof v === 'string' && /^[0-9A-F]+\/[0-9A-F]+$/.test(v),
  inet: (v) => typeof v === 'string' && !/\/(32|128)$/.test(v),
  time: (v) => typeof v === 'string' && GO_TIME.test(v),
  'int[]': (v) => Array.isArray(v) && v.every(isInt),
  'oid[]': (v) => Array.isArray(v) && v.every(isInt),
};

function compareGolden(major: number, name: string, actual: unknown): void {
  const file = path.join(GOLDEN_DIR, String(major), `${name}.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (UPDATE) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing; run with UPDATE_GOLDEN=1`);
  expect(actual, `${file} (UPDATE_GOLDEN=1 refreshes it)`).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------

describe.each(majors)('simple catalog collectors on PostgreSQL %i', (major) => {
  let cluster: PgCluster | undefined;
  let db: Db | undefined;
  const clients: pg.Client[] = [];
  const pending: Promise<unknown>[] = [];

  const connect = async () => {
    const c = new pg.Client({ connectionString: cluster!.url });
    c.on('error', () => {}); // the cluster is stopped under idle sessions at the end
    await c.connect();
    clients.push(c);
    return c;
  };

  const ctx = (): CollectContext => ({
    db: db!,
    pgMajor: major,
    log: silentLogger(),
    signal: new AbortController().signal,
    now: () => new Date(),
  });

  beforeAll(async () => {
    cluster = await startPostgres({
      major,
      settings: {
        max_prepared_transactions: 5,
        track_functions: 'all',
        track_io_timing: 'on',
        wal_level: 'logical',
        autovacuum: 'off', // keeps activity rows and progress views deterministic
      },
    });
    await cluster.sql(SCHEMA);
    // Slots are created outside the schema's implicit transaction (a logical slot refuses one with writes).
    await cluster.sql("SELECT pg_create_physical_replication_slot('dbtune_physical', true)");
    await cluster.sql("SELECT pg_create_logical_replication_slot('dbtune_logical', 'test_decoding')");
    // A prepared transaction (on its own table, so the CREATE INDEX CONCURRENTLY below does not wait for it).
    const prep = await connect();
    await prep.query("BEGIN; INSERT INTO app.prep VALUES (1); PREPARE TRANSACTION 'dbtune_test_gid'");
    // Lock waits: C waits on A's transaction id, B's CREATE INDEX CONCURRENTLY on A's virtual xid.
    // Both lock types have a NULL database, which the Go agent's pg_locks filter drops.
    const a = await connect();
    await a.query("BEGIN; UPDATE app.items SET note = 'a' WHERE id = 1");
    const c = await connect();
    pending.push(c.query("UPDATE app.items SET note = 'c' WHERE id = 1").catch(() => undefined));
    const b = await connect();
    pending.push(
      b.query('CREATE INDEX CONCURRENTLY items_note_cic ON app.items (note)').catch(() => undefined),
    );
    await waitFor('two lock waits', async () => {
      const [r] = await cluster!.sql('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted');
      return Number(r!.n) >= 2;
    });
    // Before PG15 statistics reach the views asynchronously.
    await waitFor('function and table statistics', async () => {
      const [r] = await cluster!.sql(
        `SELECT (SELECT count(*) FROM pg_stat_user_functions WHERE calls > 0)::int AS f,
                (SELECT count(*) FROM pg_statio_user_tables WHERE heap_blks_hit + heap_blks_read > 0)::int AS t`,
      );
      return Number(r!.f) > 0 && Number(r!.t) > 0;
    });
    await cluster.sql('SELECT pg_stat_statements_reset()');
    db = createDb({ connectionUrl: cluster.url, readOnly: true, types: collectorTypes });
  });

  afterAll(async () => {
    await db?.end();
    for (const c of clients) await c.end().catch(() => undefined);
    await Promise.all(pending);
    await cluster?.destroy();
  });

  it.each(COLLECTORS.map((d) => [d.name, d] as const))('%s', async (name, def) => {
    const payload = await def.create({}).collect(ctx());
    if (def.minPgVersion !== undefined && major < def.minPgVersion) {
      expect(payload).toBeNull();
      compareGolden(major, name, {
        collector: name,
        payload: null,
        reason: `minPgVersion ${def.minPgVersion}`,
      });
      return;
    }
    expect(payload).not.toBeNull();
    expect(Object.keys(payload!)).toEqual(['collected_at', 'rows']);
    expect(payload!.collected_at).toMatch(GO_TIME);
    const rows = payload!.rows as Row[];
    expect(Array.isArray(rows)).toBe(true);
    if (EXPECTED_EMPTY.has(name)) expect(rows).toEqual([]);
    else expect(rows.length, `${name} rows`).toBeGreaterThan(0);

    const fields = Object.keys(def.columns);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(fields);
      for (const [field, kind] of Object.entries(def.columns)) {
        const v = row[field];
        if (v !== null)
          expect(KIND_CHECKS[kind]!(v), `${name}.${field} = ${show(v)} is not ${kind}`).toBe(true);
      }
    }

    // Which declared columns this major does not have (sent as null) and which it has but we do not send.
    const { fields: returned } = await db!.query(def.sqlFor(major));
    const returnedNames = returned.map((f) => f.name);
    const absent = fields.filter((f) => !returnedNames.includes(f));
    const dropped = returnedNames.filter((f) => !fields.includes(f));
    for (const row of rows) for (const f of absent) expect(row[f], `${name}.${f}`).toBeNull();

    compareGolden(major, name, {
      collector: name,
      payload: 'rows',
      rows: rows.length ? 'present' : 'empty',
      fields: rows.length ? fieldTypes(rows, fields) : null,
      absent,
      dropped,
    });
  });

  it('leaves only /*dbtune*/-tagged statements in pg_stat_statements, on every major', async () => {
    const seen = await cluster!.sql(
      `SELECT query FROM public.pg_stat_statements
       WHERE query <> 'SELECT pg_stat_statements_reset()' AND dbid = (SELECT oid FROM pg_database WHERE datname = 'postgres')`,
    );
    const queries = seen.map((r) => String(r.query));
    // tagSql puts the tag after the first keyword, where PostgreSQL 18 keeps it too (it drops a
    // leading comment from pg_stat_statements.query).
    const untagged = queries.filter((q) => !q.includes(AGENT_SQL_TAG));
    expect(queries.length).toBeGreaterThanOrEqual(COLLECTORS.length - 8);
    expect(untagged).toEqual([]);
  });

  it('pg_locks keeps the transactionid and virtualxid locks sessions wait on', async () => {
    const payload = await pgLocks.create({}).collect(ctx());
    const rows = payload!.rows as Row[];
    const waiting = rows.filter((r) => r.granted === false);
    expect(waiting.map((r) => r.locktype).sort()).toEqual(['transactionid', 'virtualxid']);
    for (const r of waiting) expect(r.database).toBeNull();
    expect(rows.find((r) => r.locktype === 'transactionid' && r.granted === true)?.transactionid_age).toEqual(
      expect.any(Number),
    );
  });

  it('never selects query text or conninfo', () => {
    expect(pgStatActivity.sqlFor(major)).not.toMatch(/\bquery\b|\*/);
    expect(pgStatWalReceiver.sqlFor(major)).not.toMatch(/conninfo|\*/);
  });

  it('reads intervals in every IntervalStyle and timestamps in any TimeZone like the server computes them', async () => {
    const client = new pg.Client({ connectionString: cluster!.url, types: collectorTypes });
    await client.connect();
    try {
      const intervals = [
        '1 year 2 mons 3 days 04:05:06.789',
        '-1 year -2 mons +3 days -04:05:06',
        '-3 days -04:05:06.5',
        '1 day -1 sec',
        '-00:00:00.000001',
        '100 hours',
        '0',
        '-1 day',
        '5 mons -3 days 00:00:00.5',
        '1000 years',
      ];
      const values = intervals.map((i) => `('${i}'::interval)`).join(', ');
      for (const style of ['postgres', 'postgres_verbose', 'sql_standard', 'iso_8601']) {
        await client.query(`SET IntervalStyle = ${style}`);
        const { rows } = await client.query<{ i: unknown; expected: unknown }>(
          `SELECT i, ((extract(year FROM i) * 12 + extract(month FROM i)) * 2592000000000
                      + extract(day FROM i) * 86400000000 + extract(hour FROM i) * 3600000000
                      + extract(minute FROM i) * 60000000 + extract(microseconds FROM i))::int8 AS expected
           FROM (VALUES ${values}) v(i)`,
        );
        for (const r of rows) expect(r.i, style).toBe(r.expected);
      }
      await client.query("SET TimeZone = 'Asia/Kathmandu'");
      const { rows } = await client.query<{ ts: unknown; utc: string }>(
        `SELECT ts, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS utc
         FROM (VALUES (now()), ('2024-02-29 23:59:59.99+00'::timestamptz), ('1900-01-01 00:00:00+00'::timestamptz)) v(ts)`,
      );
      for (const r of rows) expect(r.ts).toBe(`${r.utc.replace(/\.?0+$/, '')}Z`);
    } finally {
      await client.end();
    }
  });
});

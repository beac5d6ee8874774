/**
 * The collection cost model against a real cluster (issue 19): readings reused while they are
 * fresh, catalog reads skipped while their change marker stands still, pg_settings read in full only
 * when the configuration may have changed — and every one of them refreshed when it must be (a
 * created table, an ALTER, pg_stat_reset(), a reload, a restart, our own apply). The payloads the
 * platform receives are compared with those of collectors that have no cost model at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAttribute } from '../../collectors/pg-attribute.js';
import { systemDbSize } from '../../collectors/system-db-size.js';
import type { CollectorDefinition } from '../../collectors/types.js';
import { CatalogRunner, FORCED_SEND_EVERY, type ScheduledCollector } from '../../src/agent/catalog.js';
import { CrashGuard } from '../../src/agent/crash-guard.js';
import { FailureLog } from '../../src/agent/failure-log.js';
import { HealthGate } from '../../src/agent/health-gate.js';
import { scaledIntervals } from '../../src/agent/intervals.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db, type QueryValues } from '../../src/pg/pool.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import { ActiveConfigCache } from '../../src/pg/settings-cache.js';
import { collectorTypes } from '../../src/pg/types.js';
import { encodeJson, sha256Hex } from '../../src/platform/json.js';
import { PlatformClient } from '../../src/platform/client.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

/** A real pool that also writes down every statement it runs (the statements are what we count). */
function recorded(db: Db, statements: string[]): Db {
  const wrap = (inner: Db): Db => ({
    query: (sql: string, values?: QueryValues) => {
      statements.push(sql);
      return inner.query(sql, values);
    },
    withClient: (fn) => inner.withClient((session) => fn(wrap(session))),
    ping: (ms) => inner.ping(ms),
    get totalCount() {
      return inner.totalCount;
    },
    end: () => inner.end(),
  });
  return wrap(db);
}

let pg: PgCluster;
let fake: FakePlatform;
let collectorDb: Db;
let agentDb: Db;
const log = silentLogger();

beforeAll(async () => {
  pg = await startPostgres();
  fake = await FakePlatform.start();
  collectorDb = createDb({ connectionUrl: pg.url, readOnly: true, types: collectorTypes });
  agentDb = createDb({ connectionUrl: pg.url });
  await pg.sql('CREATE TABLE t1 (id int PRIMARY KEY, a text)');
});

afterAll(async () => {
  await Promise.allSettled([collectorDb?.end(), agentDb?.end()]);
  await fake?.close();
  await pg?.destroy();
});

/** A catalog runner over `defs` with a settable clock; its statements land in `statements`. */
function runner(defs: CollectorDefinition[], statements: string[], clock: { ms: number }) {
  const platform = new PlatformClient({
    serverUrl: fake.url,
    apiKey: fake.apiKey,
    databaseId: fake.databaseId,
    log,
  });
  const collectors: ScheduledCollector[] = defs.map((def) => ({
    def,
    instance: def.create(def.optionsSchema?.parse({}) ?? {}),
    intervalMs: def.intervalSeconds * 1000,
  }));
  const catalog = new CatalogRunner({
    collectors,
    bootstrap: [],
    db: recorded(collectorDb, statements),
    pgMajor: pg.major,
    platform,
    gate: new HealthGate({ ping: () => collectorDb.ping(5_000), log }),
    guard: new CrashGuard(log, () => Promise.resolve()),
    failures: new FailureLog(log),
    intervals: scaledIntervals(1),
    log,
    nowMs: () => clock.ms,
  });
  return { catalog, tick: (i = 0) => catalog.tick(collectors[i]!, new AbortController().signal) };
}

const sent = (endpoint: string) =>
  fake.requests(endpoint).map((r) => r.body as { collected_at: string; rows: unknown[] });
const ran = (statements: string[], fragment: string) => statements.filter((s) => s.includes(fragment)).length;

describe('collection cost model', () => {
  it('system_db_size: computed at most once a minute, reported on every tick from the last reading', async () => {
    const statements: string[] = [];
    const clock = { ms: Date.parse('2026-01-01T00:00:00Z') };
    const { tick } = runner([systemDbSize], statements, clock);
    const before = sent('system_db_size').length;
    for (let t = 0; t <= 65; t += 5) {
      clock.ms += 5_000;
      expect(await tick()).toBe(true);
    }
    // 14 ticks over 70 s: two computations (at 5 s and at 65 s), 14 reports.
    expect(ran(statements, 'pg_database_size')).toBe(2);
    const bodies = sent('system_db_size').slice(before);
    expect(bodies).toHaveLength(14);
    expect(new Set(bodies.map((b) => b.collected_at)).size).toBe(14);
    // The reused payload is the fresh one with a new collected_at: same keys, same order, same rows.
    const fresh = (await systemDbSize.create({}).collect({
      db: collectorDb,
      pgMajor: pg.major,
      log,
      signal: new AbortController().signal,
      now: () => new Date(clock.ms),
    }))!;
    const reused = bodies[1]!;
    expect(Object.keys(reused)).toEqual(Object.keys(fresh));
    expect(encodeJson({ ...reused, collected_at: fresh.collected_at })).toBe(encodeJson(fresh));
  });

  it('pg_attribute: skipped before it runs while nothing changed; a new table, an ALTER and pg_stat_reset() make it run', async () => {
    const statements: string[] = [];
    const clock = { ms: Date.now() };
    const { tick } = runner([pgAttribute], statements, clock);
    const reads = () => ran(statements, 'FROM pg_attribute a');
    const before = sent('pg_attribute').length;
    await tick();
    expect(reads()).toBe(1);
    await tick();
    await tick();
    expect(reads()).toBe(1); // two marker reads, no catalog scan
    expect(sent('pg_attribute')).toHaveLength(before + 1);

    await pg.sql('CREATE TABLE t2 (id int, b timestamptz)');
    const t2 = Number((await pg.sql("SELECT 't2'::regclass::oid AS oid"))[0]!.oid);
    // Statistics are published a moment after the commit; the next ticks pick the change up.
    await expect
      .poll(
        async () => {
          await tick();
          return sent('pg_attribute')
            .at(-1)!
            .rows.some((r) => (r as { attrelid: number }).attrelid === t2);
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);

    await pg.sql('ALTER TABLE t2 ALTER COLUMN b SET STATISTICS 321');
    await expect
      .poll(
        async () => {
          await tick();
          const rows = sent('pg_attribute').at(-1)!.rows as { attrelid: number; attstattarget: number }[];
          return rows.find((r) => r.attrelid === t2 && r.attstattarget === 321) !== undefined;
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);

    const sends = sent('pg_attribute').length;
    const readsBefore = reads();
    await pg.sql('SELECT pg_stat_reset()');
    await expect
      .poll(
        async () => {
          await tick();
          return reads();
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBeGreaterThan(readsBefore);
    // The catalog did not change: the platform already has these rows, nothing is re-sent.
    expect(sent('pg_attribute')).toHaveLength(sends);
  });

  it('sends exactly what a collector without a cost model sends, forced liveness round included', async () => {
    const plain: CollectorDefinition = { ...pgAttribute, cost: { weight: 'moderate' } };
    const gatedStatements: string[] = [];
    const plainStatements: string[] = [];
    const clock = { ms: Date.now() };
    const gated = runner([pgAttribute], gatedStatements, clock);
    const baseline = runner([plain], plainStatements, clock);
    const hashes = (from: number) =>
      sent('pg_attribute')
        .slice(from)
        .map((b) => sha256Hex(encodeJson(b.rows)));
    const g0 = sent('pg_attribute').length;
    for (let i = 0; i <= FORCED_SEND_EVERY; i++) await gated.tick();
    const gatedSends = hashes(g0);
    const b0 = sent('pg_attribute').length;
    for (let i = 0; i <= FORCED_SEND_EVERY; i++) await baseline.tick();
    const baselineSends = hashes(b0);
    // First round and the 30th unchanged one, with identical rows (so identical hashes).
    expect(gatedSends).toHaveLength(2);
    expect(gatedSends).toEqual(baselineSends);
    expect(ran(gatedStatements, 'FROM pg_attribute a')).toBe(2);
    expect(ran(plainStatements, 'FROM pg_attribute a')).toBe(FORCED_SEND_EVERY + 1);
  });

  it('pg_settings: read in full after a reload, a restart and our own apply, reused otherwise', async () => {
    const statements: string[] = [];
    const cache = new ActiveConfigCache(recorded(agentDb, statements));
    const fullReads = () => ran(statements, 'FROM pg_settings');
    const value = (rows: Awaited<ReturnType<typeof readActiveConfig>>, name: string) =>
      rows.find((r) => r.name === name)?.setting;

    const first = await cache.read();
    expect(first).toEqual(await readActiveConfig(agentDb));
    for (let i = 0; i < 5; i++) await cache.read();
    expect(fullReads()).toBe(1);

    await pg.sql("ALTER SYSTEM SET work_mem = '7MB'");
    await pg.sql('SELECT pg_reload_conf()');
    await expect.poll(async () => value(await cache.read(), 'work_mem'), { timeout: 15_000 }).toBe(7168);
    const afterReload = fullReads();
    await cache.read();
    expect(fullReads()).toBe(afterReload);

    await pg.sql('ALTER SYSTEM SET max_wal_senders = 7');
    await pg.restart();
    // The pool's sessions died with the server; the first read after it may find one still open.
    await expect
      .poll(async () => value(await cache.read().catch(() => []), 'max_wal_senders'), { timeout: 30_000 })
      .toBe(7);
    const afterRestart = fullReads();
    await cache.read();
    expect(fullReads()).toBe(afterRestart);

    cache.invalidate();
    await cache.read();
    expect(fullReads()).toBe(afterRestart + 1);
    expect(await cache.read()).toEqual(await readActiveConfig(agentDb));
    await pg.sql('ALTER SYSTEM RESET ALL');
    await pg.sql('SELECT pg_reload_conf()');
  });
});

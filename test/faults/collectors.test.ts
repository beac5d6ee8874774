/**
 * Collector faults, in-process: the real registry plus a collector that throws (a programming
 * error, i.e. a "panic") and one that never returns, assembled with `assembleAgent` against a real
 * cluster and the fake platform. The others' data must keep shipping, a panic is reported as
 * `<name>_panic` at consecutive counts 1 and 10 only (docs/PROTOCOL.md §2.6), a clean run resets the count, and
 * the hang is cut at its deadline without holding up anything else or the shutdown.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { local } from '../../adapters/local/index.js';
import { COLLECTORS, BOOTSTRAP, collectorsInOrder } from '../../collectors/index.js';
import type { CollectorDefinition } from '../../collectors/types.js';
import { assembleAgent, type Assembled } from '../../src/agent/assemble.js';
import { scaledIntervals } from '../../src/agent/intervals.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { collectorTypes } from '../../src/pg/types.js';
import { serverVersion } from '../../src/pg/version.js';
import { PlatformClient } from '../../src/platform/client.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { AGENT_PASSWORD, createAgentRole } from './lib/agent-role.js';
import { note } from './lib/observed.js';
import { sleep, until } from './lib/wait.js';

const HANG_DEADLINE_MS = 1_500;

let pg: PgCluster;
let fake: FakePlatform;
let db: Db;
let collectorDb: Db;
let assembled: Assembled;
let output = '';
let startedAt = 0;
let stopMs = -1;
const calls = { throw: 0, hang: 0 };
const throwing = { on: true };

const throwingCollector: CollectorDefinition = {
  name: 'fault_throw',
  docs: 'test/faults/collectors.test.ts',
  intervalSeconds: 1,
  cost: { weight: 'light' },
  create: () => ({
    collect() {
      calls.throw++;
      if (throwing.on) {
        const broken = undefined as unknown as { rows: unknown[] };
        return Promise.resolve(broken.rows.length as never); // a TypeError, as a buggy collector would throw
      }
      return Promise.resolve({ collected_at: new Date().toISOString(), rows: [{ ok: true }] });
    },
  }),
};

const hangingCollector: CollectorDefinition = {
  name: 'fault_hang',
  docs: 'test/faults/collectors.test.ts',
  intervalSeconds: 1,
  cost: { weight: 'light' },
  create: () => ({
    collect() {
      calls.hang++;
      return new Promise(() => undefined); // ignores its signal and never settles
    },
  }),
};

function panicReports(name: string): { at: number; message: string }[] {
  return fake
    .requests('log-entries')
    .filter((r) => (r.body as { error_type: string }).error_type === `${name}_panic`)
    .map((r) => ({ at: r.at, message: (r.body as { error_message: string }).error_message }));
}

beforeAll(async () => {
  pg = await startPostgres();
  const url = await createAgentRole(pg);
  fake = await FakePlatform.start();
  const env = {
    DBT_POSTGRESQL_CONNECTION_URL: url,
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
  };
  const { config } = loadConfig({ env, collectors: COLLECTORS, searchPaths: [] });
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      output += chunk.toString();
      done();
    },
  });
  const log = createLogger({ format: 'json', destination });
  db = createDb({ connectionUrl: url, log });
  collectorDb = createDb({ connectionUrl: url, readOnly: true, types: collectorTypes, log });
  const version = await serverVersion(db);
  const adapter = await local.create({ config, db, pgVersion: version, log, env });
  const platform = new PlatformClient({
    serverUrl: fake.url,
    apiKey: fake.apiKey,
    databaseId: fake.databaseId,
    log,
  });
  assembled = assembleAgent({
    config,
    adapter,
    platform,
    db,
    collectorDb,
    pgMajor: version.major,
    registry: [...collectorsInOrder(), throwingCollector, hangingCollector],
    bootstrap: BOOTSTRAP,
    intervals: { ...scaledIntervals(0.1), catalogCollectDeadlineMs: HANG_DEADLINE_MS },
    log,
    agentVersion: 'faults',
  });
  startedAt = Date.now();
  assembled.runner.start();
  await assembled.runner.bootstrapped();
});

afterAll(async () => {
  if (stopMs < 0) await assembled?.runner.stop(5_000);
  await Promise.allSettled([db?.end(), collectorDb?.end()]);
  await fake?.close();
  await pg?.destroy();
});

describe('collector faults (in-process assembleAgent)', () => {
  it('a collector that throws at every tick (a panic): <name>_panic reported at consecutive counts 1 and 10 only, with the stack', async () => {
    await until('25 consecutive panics', () => assembled.guard.count('fault_throw') >= 25, 60_000);
    const reports = panicReports('fault_throw');
    expect(reports.map((r) => /consecutive panics: (\d+)/.exec(r.message)?.[1])).toEqual(['1', '10']);
    expect(reports[0]!.message).toContain('TypeError');
    note(`${assembled.guard.count('fault_throw')} panics, ${reports.length} reports`);
    expect(reports[0]!.message).toContain('collectors.test.ts'); // the stack, for whoever fixes it
  });

  it('one collector panicking and one hung: the other collectors, metrics and config keep shipping', async () => {
    const from = Date.now();
    await sleep(5_000); // the machine is shared: a 0.5 s task may skip ticks, the point is that it ships
    const shipped = new Set(
      fake
        .requests('catalog')
        .filter((r) => r.at > from)
        .map((r) => r.path),
    );
    for (const name of ['server_uptime', 'database_connections', 'system_db_size', 'wait_events']) {
      expect(shipped.has(name), `${name} shipped during the faults`).toBe(true);
    }
    expect(fake.requests('metrics').filter((r) => r.at > from).length).toBeGreaterThanOrEqual(2);
    expect(fake.requests('POST configurations').filter((r) => r.at > from).length).toBeGreaterThanOrEqual(2);
    expect(fake.violations).toEqual([]);
    note(`${shipped.size} catalog endpoints shipped in 5 s`);
  });

  it('a collector that never returns: cut at its 1.5 s deadline, reported as fault_hang_panic, scheduled again', () => {
    const reports = panicReports('fault_hang');
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports[0]!.message).toContain(`timed out after ${HANG_DEADLINE_MS} ms`);
    expect(reports.map((r) => /consecutive panics: (\d+)/.exec(r.message)?.[1]).slice(0, 2)).toEqual(
      reports.length > 1 ? ['1', '10'] : ['1'],
    );
    // Cut at 1.5 s, then scheduled again: with 100 ms ticks it has been called once per deadline.
    const elapsed = Date.now() - startedAt;
    expect(calls.hang).toBeGreaterThanOrEqual(2);
    note(`${reports.length} report(s); ${calls.hang} calls in ${(elapsed / 1000).toFixed(0)} s`);
    expect(calls.hang).toBeLessThanOrEqual(Math.ceil(elapsed / HANG_DEADLINE_MS) + 1);
  });

  it('the panicking collector recovers: it ships, its count resets, a new panic is reported at count 1 again', async () => {
    throwing.on = false;
    await until('fault_throw shipped', () => fake.requests('fault_throw').length > 0, 10_000);
    expect(assembled.guard.count('fault_throw')).toBe(0);
    const before = panicReports('fault_throw').length;
    throwing.on = true;
    await until('a new first panic report', () => panicReports('fault_throw').length > before, 10_000);
    expect(panicReports('fault_throw').at(-1)!.message).toContain('consecutive panics: 1)');
  });

  it('shutdown with a collector still hung: runner.stop returns within its grace, no secret in the log', async () => {
    const t0 = Date.now();
    await assembled.runner.stop(5_000);
    stopMs = Date.now() - t0;
    expect(stopMs).toBeLessThan(7_000);
    note(`runner.stop in ${stopMs} ms`);
    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toContain(fake.apiKey);
    expect(output).not.toContain(AGENT_PASSWORD);
  });
});

/**
 * End-to-end collection: the built CLI (--local) for 75 s under pgbench load posts every catalog
 * collector this server major supports at least once, gzip-compressed, and database_transactions
 * reports a positive TPS.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorsInOrder } from '../../collectors/index.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const PGBENCH = '/usr/bin/pgbench';
let pg: PgCluster;
let fake: FakePlatform;
let agent: AgentProcess | undefined;
let load: ChildProcess | undefined;

beforeAll(async () => {
  pg = await startPostgres();
  const init = spawnSync(
    PGBENCH,
    ['-i', '-s', '1', '-q', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', 'postgres'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
  fake = await FakePlatform.start();
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  load?.kill('SIGKILL');
  await fake?.close();
  await pg?.destroy();
});

describe('collection under load', () => {
  it('posts every supported collector within 75 s, gzip, with tps > 0', async () => {
    load = spawn(
      PGBENCH,
      [
        '-c',
        '4',
        '-j',
        '2',
        '-T',
        '80',
        '-n',
        '-h',
        '127.0.0.1',
        '-p',
        String(pg.port),
        '-U',
        'postgres',
        'postgres',
      ],
      {
        stdio: 'ignore',
      },
    );
    agent = startAgent(['--local'], {
      DBT_POSTGRESQL_CONNECTION_URL: pg.url,
      DBT_DBTUNE_SERVER_URL: fake.url,
      DBT_DBTUNE_API_KEY: fake.apiKey,
      DBT_DBTUNE_DATABASE_ID: fake.databaseId,
    });
    await new Promise((r) => setTimeout(r, 75_000));
    const { code } = await agent.stop();
    expect(code).toBe(0);

    const catalog = fake.requests('catalog');
    const posted = new Set(catalog.map((r) => r.path));
    const expected = collectorsInOrder()
      .filter((c) => c.minPgVersion === undefined || pg.major >= c.minPgVersion)
      .map((c) => c.name);
    expect(expected.filter((name) => !posted.has(name))).toEqual([]);
    for (const r of catalog) expect(r.headers['content-encoding'], r.path).toBe('gzip');

    const tps = fake
      .requests('catalog')
      .filter((r) => r.path === 'database_transactions')
      .map((r) => (r.body as { rows: { tps?: number }[] }).rows[0]?.tps ?? 0);
    expect(Math.max(...tps)).toBeGreaterThan(0);
    expect(fake.violations).toEqual([]);
  }, 120_000);
});
